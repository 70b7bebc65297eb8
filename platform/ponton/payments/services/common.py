"""Shared pieces of Click & Pay: the refusal, the current structure, the payment link,
the messages, and what an invoice may still be asked for."""

from __future__ import annotations

import logging
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from ponton.billing import selectors as billing_selectors
from ponton.billing.models import Document
from ponton.billing.money import ZERO, money
from ponton.sales.services import Actor

logger = logging.getLogger("ponton.payments")


GATEWAY_ACTOR = Actor(account_id=None, name="Click & Pay")
CURRENCY = "eur"


class PaymentsError(Exception):
    """A refused Click & Pay action, with a French message (and the form field, if any)."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


def current_structure():
    """The structure whose schema the connection is on (requests, tasks, tests alike)."""
    from tenants.models import Structure

    tenant = getattr(connection, "tenant", None)
    if isinstance(tenant, Structure) and tenant.schema_name == connection.schema_name:
        return tenant
    return Structure.objects.get(schema_name=connection.schema_name)


def payment_page_url(*, structure, token: str) -> str:
    from tenants.selectors import structure_url

    path = reverse("payments:pay", kwargs={"token": token}, urlconf=settings.ROOT_URLCONF)
    return structure_url(structure=structure, path=path)


def _send_email_after_commit(*, to: str, subject: str, body: str) -> None:
    def _send() -> None:
        from ponton.web.tasks import send_email_task

        send_email_task.delay(to=[to], subject=subject, body=body)

    transaction.on_commit(_send)


def _send_sms_after_commit(*, structure, to: str, body: str) -> None:
    schema_name = structure.schema_name

    def _send() -> None:
        from ponton.payments.tasks import send_sms_task

        send_sms_task.delay(schema_name=schema_name, to=to, body=body)

    transaction.on_commit(_send)


def _default_message(*, structure, document: Document, amount: Decimal, link: str):
    amount_text = money(amount)  # the customer's French: "180,00"
    subject = _("%(structure)s : demande de paiement de la facture %(number)s") % {
        "structure": structure.display_title,
        "number": document.number,
    }
    body = _(
        "Bonjour,\n\n%(structure)s vous invite à régler la facture %(number)s "
        "(%(amount)s €) par carte bancaire, quand vous le souhaitez, sur cette page "
        "sécurisée :\n\n%(link)s\n\nMerci et à bientôt !"
    ) % {
        "structure": structure.display_title,
        "number": document.number,
        "amount": amount_text,
        "link": link,
    }
    sms = _("%(structure)s : réglez la facture %(number)s (%(amount)s €) ici : %(link)s") % {
        "structure": structure.display_title,
        "number": document.number,
        "amount": amount_text,
        "link": link,
    }
    return subject, body, sms


def _with_link(body: str, link: str) -> str:
    body = body.strip()
    if link in body:
        return body
    return f"{body}\n\n{_('Payer en ligne :')} {link}\n"


def _check_payable(document: Document) -> Decimal:
    if document.kind == Document.Kind.CREDIT_NOTE:
        raise PaymentsError(
            _("Un avoir ne se paie pas : une demande de Click & Pay se fait sur une facture.")
        )
    due = billing_selectors.document_balance(document=document).due
    if due <= ZERO:
        raise PaymentsError(
            _("La facture %(number)s est entièrement payée : rien à demander.")
            % {"number": document.number}
        )
    return due
