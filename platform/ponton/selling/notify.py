"""What follows a paid online order, after commit: the customer's confirmation email (with the
invoice PDF, and a link to choose a password for a new account — never a password) and the
staff's notification-centre entry (MP-2, MP-3, issue 12 item 6)."""

from __future__ import annotations

from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from ponton.accounts.models import Role
from ponton.billing.money import money
from realtime.services import notification_create

ONLINE_ORDER = "shop.online_order"
NOTIFIED_ROLES = (Role.OWNER, Role.ADMIN, Role.STAFF)


def online_order_notify(*, structure, checkout, order, invoice) -> None:
    schema = connection.schema_name  # type: ignore[attr-defined]  # django-tenants
    with translation.override(settings.LANGUAGE_CODE):
        notification_create(
            structure=structure,
            kind=ONLINE_ORDER,
            title=_("Commande en ligne %(number)s : %(amount)s €")
            % {"number": order.number, "amount": money(checkout.amount)},
            body=_("%(name)s a commandé et payé en ligne.") % {"name": checkout.payer.full_name},
            url=reverse("manager:order", kwargs={"order_id": order.pk}),
            roles=list(NOTIFIED_ROLES),
        )

    def send() -> None:
        from ponton.selling.tasks import order_confirmation_email_task

        order_confirmation_email_task.delay(schema_name=schema, checkout_id=checkout.pk)

    transaction.on_commit(send)
