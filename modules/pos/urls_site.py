"""The till on the structure's domain, at /caisse/ (architecture.md), namespace `till`; gated
by the module's switch like every module URL (404 when the module is off)."""

from django.urls import include, path

PREFIX = "caisse/"
NAMESPACE = "till"

urlpatterns = [
    path("", include("modules.pos.urls_sell")),
    path("", include("modules.pos.urls_functions")),
    path("", include("modules.pos.urls_archives")),
]
