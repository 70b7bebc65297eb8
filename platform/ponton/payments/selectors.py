"""Reads of Click & Pay: the active request of an invoice ("Demande active"), the requests of
an order, the payment page's request, the online payments that can go back to the card."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Sum

from ponton.billing.models import Document, Payment
from ponton.billing.money import ZERO
from ponton.payments.gateway import gateway_for_current_structure
from ponton.payments.models import OnlineRefund, PaymentRequest, StripeAccount


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
