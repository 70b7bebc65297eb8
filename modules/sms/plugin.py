"""Module « SMS »: its metadata and hooks. Core reaches it only through hooks_for()."""

from django.urls import reverse

from ponton.plugins.hookspecs import hookimpl
from ponton.plugins.types import MenuItem, ModuleInfo

INFO = ModuleInfo(
    label="sms",
    name="SMS",
    description="Envoi de SMS aux participants et clients, Click & Pay par SMS (quota).",
    paid=True,
    default_enabled=False,
    app_label="modules.sms",
)


@hookimpl
def ponton_module_info() -> ModuleInfo:
    return INFO


@hookimpl
def ponton_manager_menu(structure, user) -> list[MenuItem]:
    return [MenuItem(label="SMS", url=reverse("sms:index"), icon="sms", order=50)]
