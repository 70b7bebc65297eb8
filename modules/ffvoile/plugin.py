"""Module « FF Voile »: its metadata and hooks. Core reaches it only through hooks_for()."""

from django.urls import reverse

from ponton.plugins.hookspecs import hookimpl
from ponton.plugins.types import MenuItem, ModuleInfo

INFO = ModuleInfo(
    label="ffvoile",
    name="FF Voile",
    description="Licences et passeports voile de la Fédération Française de Voile.",
    paid=False,
    default_enabled=False,
    app_label="modules.ffvoile",
)


@hookimpl
def ponton_module_info() -> ModuleInfo:
    return INFO


@hookimpl
def ponton_manager_menu(structure, user) -> list[MenuItem]:
    return [MenuItem(label="FF Voile", url=reverse("ffvoile:index"), icon="ffvoile", order=50)]
