"""A small module used by the tests of module switching. Records every call it receives."""

from django.urls import reverse

from ponton.plugins.hookspecs import hookimpl
from ponton.plugins.types import MenuItem, ModuleInfo

CALLS: list[tuple[str, str]] = []

INFO = ModuleInfo(
    label="testmodule",
    name="Module de test",
    description="Pour les tests.",
    paid=False,
    default_enabled=False,
    app_label="tests.support.testmodule",
)


@hookimpl
def ponton_module_info():
    return INFO


@hookimpl
def ponton_manager_menu(structure, user):
    CALLS.append(("menu", structure.schema_name))
    return [MenuItem(label="Module de test", url=reverse("testmodule:notes"))]


@hookimpl
def ponton_dashboard_widgets(structure, user):
    CALLS.append(("dashboard", structure.schema_name))
    return ["<p>Widget du module de test</p>"]


@hookimpl
def ponton_module_enabled(structure):
    CALLS.append(("enabled", structure.schema_name))


@hookimpl
def ponton_module_disabled(structure):
    CALLS.append(("disabled", structure.schema_name))


SMS_SENT: list[tuple[str, str, str]] = []  # (schema, to, body) of every SMS it was given


@hookimpl
def ponton_send_sms(structure, to, body):
    """Stands for the SMS module (which comes later): takes the SMS and keeps it."""
    CALLS.append(("sms", structure.schema_name))
    SMS_SENT.append((structure.schema_name, to, body))
    return True
