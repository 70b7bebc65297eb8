from typing import Any

from django.urls import include, path

from ponton.plugins.manager import get_plugin_manager
from tenants import views_console

app_name = "console"

urlpatterns = [
    path("", views_console.structures, name="structures"),
    path("structures/<int:pk>/", views_console.structure_detail, name="structure"),
    path(
        "structures/<int:pk>/contrat-recu/",
        views_console.structure_contract_received,
        name="structure_contract_received",
    ),
    path(
        "structures/<int:pk>/activer/",
        views_console.structure_activate,
        name="structure_activate",
    ),
    path(
        "structures/<int:pk>/suspendre/",
        views_console.structure_suspend,
        name="structure_suspend",
    ),
    path(
        "structures/<int:pk>/modules/<slug:label>/accorder/",
        views_console.module_grant,
        name="module_grant",
    ),
    path(
        "structures/<int:pk>/modules/<slug:label>/retirer/",
        views_console.module_withdraw,
        name="module_withdraw",
    ),
    path("cles/", views_console.activation_keys, name="activation_keys"),
    path("cles/nouvelle/", views_console.activation_key_new, name="activation_key_new"),
]


def _module_console_patterns() -> list:
    """Each installed module's console pages (`ponton_console_urls`), under /console/m/<label>/
    in the namespace console:<label> (every module, on or off: operators grant modules)."""
    pm = get_plugin_manager()
    patterns = []
    for impl in pm.hook.ponton_console_urls.get_hookimpls():
        label = str(pm.get_name(impl.plugin))
        module_patterns: Any = impl.function()
        if module_patterns:
            patterns.append(path(f"m/{label}/", include((module_patterns, label), namespace=label)))
    return patterns


urlpatterns += _module_console_patterns()
