"""Serving uploaded files on the embedded default (SERVE_MEDIA; a web server does it in
production, with the same rules).

A structure's files live under MEDIA_ROOT/<its schema>/ (TenantFileSystemStorage). Only its
PUBLIC assets (logo, images, product photos) are served by path, and only on its own host.
Everything else is private (custom-field uploads, CGV before publication, signup drafts,
exports): reachable only through a view that checks the structure and the user's rights
(architecture.md, Files), never by its path.
"""

from __future__ import annotations

import posixpath

from django.conf import settings
from django.http import Http404
from django.views.static import serve

from ponton.accounts.access import public_view

PUBLIC_MEDIA_PREFIXES = (
    "structures/logos/",
    "structures/images/",
    "products/photos/",
    "products/thumbnails/",
)


def public_media_path(*, structure, path: str) -> str | None:
    """The path under MEDIA_ROOT when `path` names a public asset of `structure`, else None."""
    if structure is None or structure.is_platform:
        return None
    clean = posixpath.normpath(path).lstrip("/")
    if clean != path or ".." in clean.split("/"):
        return None
    schema, _sep, rest = clean.partition("/")
    if schema != structure.schema_name or not rest.startswith(PUBLIC_MEDIA_PREFIXES):
        return None
    return clean


@public_view
def media(request, path: str):
    found = public_media_path(structure=getattr(request, "tenant", None), path=path)
    if found is None:
        raise Http404
    return serve(request, found, document_root=str(settings.MEDIA_ROOT))
