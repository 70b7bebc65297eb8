"""Module « Caisse »: its metadata and hooks. Core reaches it only through hooks_for()."""

from django.urls import reverse

from ponton.plugins.hookspecs import hookimpl
from ponton.plugins.types import MenuItem, ModuleInfo

INFO = ModuleInfo(
    label="pos",
    name="Caisse",
    description="Caisse enregistreuse : vente au guichet, clôtures X et Z, inaltérabilité.",
    paid=True,
    default_enabled=False,
    app_label="modules.pos",
)


@hookimpl
def ponton_module_info() -> ModuleInfo:
    return INFO


@hookimpl
def ponton_manager_menu(structure, user) -> list[MenuItem]:
    return [MenuItem(label="Caisse", url=reverse("pos:index"), icon="pos", order=50)]


@hookimpl
def ponton_module_enabled(structure) -> None:
    """A structure that turns the till on gets its first till, ready to open."""
    from django_tenants.utils import schema_context

    from modules.pos.models import Till
    from modules.pos.services import till_create

    with schema_context(structure.schema_name):
        if not Till.objects.exists():
            till_create(name="Caisse principale")


@hookimpl
def ponton_demo_fill(structure) -> None:
    from django_tenants.utils import schema_context

    from modules.pos.demo import demo_fill

    with schema_context(structure.schema_name):
        demo_fill(structure=structure)
