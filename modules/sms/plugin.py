"""Module « SMS »: its metadata and hooks. Core reaches it only through hooks_for()."""

from __future__ import annotations

import logging

from django.urls import reverse
from django.utils.translation import gettext as _

from ponton.plugins.hookspecs import hookimpl
from ponton.plugins.types import MenuItem, ModuleInfo

logger = logging.getLogger("ponton.sms")

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


@hookimpl
def ponton_customer_card_actions(structure, customer, user) -> list[MenuItem]:
    return [
        MenuItem(
            label=_("Envoyer un sms"), url=reverse("sms:customer", args=[customer.pk]), icon="sms"
        )
    ]


@hookimpl
def ponton_order_card_actions(structure, order, user) -> list[MenuItem]:
    return [
        MenuItem(label=_("Envoyer un SMS"), url=reverse("sms:order", args=[order.pk]), icon="sms")
    ]


@hookimpl
def ponton_participants_actions(structure, session, user) -> list[MenuItem]:
    return [
        MenuItem(
            label=_("Envoyer un sms"),
            url=reverse("sms:participants", args=[session.pk]),
            icon="sms",
        )
    ]


@hookimpl
def ponton_send_sms(structure, to: str, body: str, key: str = "") -> bool:
    """Click & Pay by SMS: the same path as every SMS (mobile, quota, delivery task); `key`
    (the task's id) keeps a task that runs again to the one message."""
    from modules.sms import services
    from modules.sms.models import SmsMessage

    try:
        services.sms_send(
            structure=structure,
            recipients=[services.Recipient(phone=to)],
            body=body,
            source=SmsMessage.Source.CLICK_AND_PAY,
            by="Click & Pay",
            key=key,
        )
    except services.SmsError as exc:
        logger.warning("Click & Pay SMS for %s refused: %s", structure.schema_name, exc)
        services.refusal_record(
            to=to,
            body=body,
            source=SmsMessage.Source.CLICK_AND_PAY,
            reason=str(exc),
            by="Click & Pay",
            key=key,
        )
        return False
    return True


@hookimpl
def ponton_console_urls() -> list:
    from django.urls import path

    from modules.sms import views_console

    return [path("structures/<int:pk>/quota/", views_console.quota, name="quota")]


@hookimpl
def ponton_console_structure_links(structure) -> list[MenuItem]:
    from django_tenants.utils import schema_context

    from modules.sms.models import SmsAccount

    with schema_context(structure.schema_name):
        balance = SmsAccount.objects.values_list("balance", flat=True).first() or 0
    return [
        MenuItem(
            label=_("Quota SMS : %(balance)s — accorder / recharger") % {"balance": balance},
            url=reverse("console:sms:quota", args=[structure.pk]),
            icon="sms",
        )
    ]


@hookimpl
def ponton_demo_fill(structure) -> None:
    from django_tenants.utils import schema_context

    from modules.sms.demo import demo_fill

    with schema_context(structure.schema_name):
        demo_fill(structure=structure)
