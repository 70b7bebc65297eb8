"""Module « Forum client »: its metadata and hooks. Core reaches it only through hooks_for()."""

from django.urls import reverse

from ponton.plugins.hookspecs import hookimpl
from ponton.plugins.types import MenuItem, ModuleInfo

INFO = ModuleInfo(
    label="forum",
    name="Forum client",
    description="Discussions entre vos clients et votre structure, en temps réel.",
    paid=False,
    default_enabled=True,
    app_label="modules.forum",
)


@hookimpl
def ponton_module_info() -> ModuleInfo:
    return INFO


@hookimpl
def ponton_manager_menu(structure, user) -> list[MenuItem]:
    return [MenuItem(label="Discussions", url=reverse("forum:index"), icon="forum", order=50)]
