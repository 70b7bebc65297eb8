"""Reads of Click & Pay: the active request of an invoice ("Demande active"), the requests of
an order, the payment page's request, the online payments that can go back to the card."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum

from ponton.billing import selectors as billing_selectors
from ponton.billing.models import Document, DocumentLine, Payment
from ponton.billing.money import ZERO
from ponton.customers.models import Customer
from ponton.payments.gateway import gateway_for_current_structure
from ponton.payments.models import OnlineRefund, PaymentRequest, StripeAccount
from ponton.sales.models import OrderLine


def active_request(*, document: Document) -> PaymentRequest | None:
    """The invoice's active request: the card shows "Demande active" when there is one."""
    return PaymentRequest.objects.filter(
        document=document, state=PaymentRequest.State.ACTIVE
    ).first()


def requests_of_order(*, order_id: int):
    return PaymentRequest.objects.filter(document__order_id=order_id).select_related("document")


def request_by_token(*, token: str) -> PaymentRequest | None:
    if not token or len(token) > 64:
        return None
    return PaymentRequest.objects.select_related("document").filter(token=token).first()


def refundable_online(*, payment: Payment) -> Decimal:
    """What can still go back to the card from this online payment."""
    done = OnlineRefund.objects.filter(payment=payment).aggregate(s=Sum("amount"))["s"]
    return payment.amount - (done or ZERO)


def sms_refusal(*, structure) -> str:
    """Why "Demande de C & P par sms" cannot be offered to the structure, in French; "" when
    it can: a module that is ON for the structure (the same ON as "Mes modules") implements
    `ponton_send_sms`."""
    from django.utils.translation import gettext as _

    from ponton.plugins.manager import hooks_for, modules_implementing

    if hooks_for(structure).implemented("ponton_send_sms"):
        return ""
    senders = modules_implementing("ponton_send_sms")
    if senders:
        return _(
            "Le module « %(module)s » n'est pas activé : activez-le dans Paramètres > "
            "Ma structure > Mes modules pour envoyer un Click & Pay par SMS."
        ) % {"module": senders[0].name}
    return _(
        "L'envoi de SMS n'est pas encore disponible : aucun module activé pour votre structure "
        "n'envoie de SMS. Envoyez la demande par email."
    )


def stripe_account() -> StripeAccount | None:
    return StripeAccount.objects.first()


def uses_test_gateway() -> bool:
    return gateway_for_current_structure().is_test


def mask(secret: str) -> str:
    """A secret shown back: its prefix and last four characters only."""
    if not secret:
        return ""
    prefix = secret.split("_", 2)
    head = "_".join(prefix[:2]) + "_" if len(prefix) > 2 else secret[:3]
    return f"{head}…{secret[-4:]}"


@dataclass(frozen=True)
class ReminderPreview:
    """OR-9 "Relancer Click and Pay" on ticked participants, before sending: who gets an
    email and who does not, and why (names of the participants, as in the list)."""

    to_remind: list[str] = field(default_factory=list)
    nothing_to_pay: list[str] = field(default_factory=list)
    not_invoiced: list[str] = field(default_factory=list)
    no_email: list[str] = field(default_factory=list)


def reminder_preview(*, line_ids) -> ReminderPreview:
    """Sort the ticked order lines as `click_and_pay_for_lines` will: an invoice still due whose
    payer has an email is reminded; a paid invoice, a line not invoiced yet, or a payer without
    an email is not."""
    lines = list(
        OrderLine.objects.filter(pk__in=list(line_ids))
        .select_related("consumer", "order__payer")
        .order_by("pk")
    )
    invoice_of = {
        dl.order_line_id: dl.document
        for dl in DocumentLine.objects.filter(
            order_line__in=lines, document__kind=Document.Kind.INVOICE
        ).select_related("document")
    }
    emails = dict(
        Customer.objects.filter(
            pk__in={document.payer_id for document in invoice_of.values()}
        ).values_list("pk", "email")
    )
    due: dict[int, bool] = {}
    preview = ReminderPreview()
    for line in sorted(lines, key=lambda li: ((li.consumer or li.order.payer).full_name, li.pk)):
        name = (line.consumer or line.order.payer).full_name
        document = invoice_of.get(line.pk)
        if document is None:
            preview.not_invoiced.append(name)
            continue
        if document.pk not in due:
            due[document.pk] = billing_selectors.document_balance(document=document).due > ZERO
        if not due[document.pk]:
            preview.nothing_to_pay.append(name)
        elif not emails.get(document.payer_id):
            preview.no_email.append(name)
        else:
            preview.to_remind.append(name)
    return preview
