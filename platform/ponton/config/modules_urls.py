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


def module_urlpatterns() -> list:
    patterns = []
    for label, info in all_modules().items():
        try:
            urls = importlib.import_module(f"{info.app_label}.urls")
        except ModuleNotFoundError:
            continue
        gated = _gate_patterns(label, urls.urlpatterns)
        patterns.append(path(f"manager/m/{label}/", include((gated, label), namespace=label)))
    return patterns
