"""Module « Emarketing »: its metadata and hooks. Core reaches it only through hooks_for()."""

from django.urls import reverse

from ponton.plugins.hookspecs import hookimpl
from ponton.plugins.types import MenuItem, ModuleInfo

INFO = ModuleInfo(
    label="emarketing",
    name="Emarketing",
    description="Campagnes d'emails vers des listes de destinataires ciblées.",
    paid=True,
    default_enabled=False,
    app_label="modules.emarketing",
)


@hookimpl
def ponton_module_info() -> ModuleInfo:
    return INFO


@hookimpl
def ponton_manager_menu(structure, user) -> list[MenuItem]:
    return [
        MenuItem(label="Emarketing", url=reverse("emarketing:index"), icon="emarketing", order=50)
    ]
