"""Module URLs, mounted under /manager/m/<label>/ and answering 404 when the module is off."""

from __future__ import annotations

import importlib
from functools import wraps

from django.http import Http404
from django.urls import URLPattern, URLResolver, include, path

from ponton.plugins.manager import all_modules


def module_gate(label: str, view):
    @wraps(view)
    def gated(request, *args, **kwargs):
        from tenants.selectors import enabled_module_labels

        structure = getattr(request, "tenant", None)
        if structure is None or structure.is_platform:
            raise Http404
        if label not in enabled_module_labels(structure=structure):
            raise Http404
        return view(request, *args, **kwargs)

    gated.ponton_module = label  # type: ignore[attr-defined]
    return gated


def _gate_patterns(label: str, patterns):
    gated: list[URLPattern | URLResolver] = []
    for p in patterns:
        if isinstance(p, URLPattern):
            gated.append(
                URLPattern(p.pattern, module_gate(label, p.callback), p.default_args, p.name)
            )
        elif isinstance(p, URLResolver):
            gated.append(
                URLResolver(
                    p.pattern,
                    _gate_patterns(label, p.url_patterns),
                    p.default_kwargs,
                    p.app_name,
                    p.namespace,
                )
            )
    return gated


def _module_urls(app_label: str, name: str):
    try:
        return importlib.import_module(f"{app_label}.{name}")
    except ModuleNotFoundError as missing:
        if missing.name != f"{app_label}.{name}":
            raise
        return None


def module_urlpatterns() -> list:
    """Each module's Club Manager pages (`<module>.urls`, under /manager/m/<label>/, namespace
    <label>) and, when it has one, its own place on the structure's domain (`<module>.urls_site`
    with its PREFIX and NAMESPACE: the till at /caisse/), all gated by the module's switch —
    except a `urls_site` with `GATED = False`, whose pages must answer even when the module is
    off (the unsubscribe links of emails already sent)."""
    patterns = []
    for label, info in all_modules().items():
        urls = _module_urls(info.app_label, "urls")
        if urls is not None:
            gated = _gate_patterns(label, urls.urlpatterns)
            patterns.append(path(f"manager/m/{label}/", include((gated, label), namespace=label)))
        site = _module_urls(info.app_label, "urls_site")
        if site is not None:
            served = (
                _gate_patterns(label, site.urlpatterns)
                if getattr(site, "GATED", True)
                else site.urlpatterns
            )
            patterns.append(path(site.PREFIX, include((served, site.NAMESPACE))))
    return patterns
