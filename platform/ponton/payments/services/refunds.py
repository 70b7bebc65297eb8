"""Refunds sent back to the card through the gateway, then recorded (OR-6)."""

from __future__ import annotations

import logging
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from ponton.billing import selectors as billing_selectors
from ponton.billing.models import Document, Payment
from ponton.billing.money import ZERO, cents, money
from ponton.billing.services import BillingError, PaymentData, payment_record
from ponton.payments.gateway import (
    TEST_PREFIX,
    GatewayError,
    StripeGateway,
    TestGateway,
    UnavailableGateway,
    gateway_for_current_structure,
)
from ponton.payments.models import OnlineRefund
from ponton.payments.services.common import (
    PaymentsError,
)
from ponton.sales.services import Actor

logger = logging.getLogger("ponton.payments")

# Refunds to the card ----------------------------------------------------------------------


def online_refund(*, document: Document, payment: Payment, amount: Decimal, actor: Actor):
    """OR-6: refund an online card payment to the card. `document` receives the refund: the
    invoice the payment settled, or a credit note correcting it. The gateway refunds first
    (nothing is recorded if it refuses), then the billing refund is recorded ("CB en ligne",
    gateway_reference = the refund's id) with the ledger entry, in one transaction."""
    if payment.method != Payment.Method.ONLINE_CARD or payment.kind != Payment.Kind.PAYMENT:
        raise PaymentsError(
            _("Seul un paiement « CB en ligne » se rembourse sur la carte."), field="payment"
        )
    if amount is None or amount <= ZERO:
        raise PaymentsError(_("Le montant doit être supérieur à zéro."), field="amount")
    if amount != cents(amount):
        raise PaymentsError(_("Le montant s'exprime en euros et centimes."), field="amount")
    if document.pk != payment.document_id and document.corrects_id != payment.document_id:
        raise PaymentsError(
            _("Ce paiement n'a pas été fait sur cette facture ni sur la facture de cet avoir."),
            field="payment",
        )
    gateway: StripeGateway | TestGateway | UnavailableGateway
    if payment.gateway_reference.startswith(TEST_PREFIX):
        gateway = TestGateway()
    else:
        gateway = gateway_for_current_structure()
    with transaction.atomic():
        locked = Document.objects.select_for_update().filter(
            pk__in={document.pk, payment.document_id}
        )
        list(locked.order_by("pk"))
        already = OnlineRefund.objects.filter(payment=payment).aggregate(s=Sum("amount"))["s"]
        left = payment.amount - (already or ZERO)
        if amount > left:
            raise PaymentsError(
                _(
                    "Le remboursement (%(amount)s €) dépasse ce qui reste remboursable sur ce "
                    "paiement en ligne (%(left)s €)."
                )
                % {"amount": money(amount), "left": money(left)},
                field="amount",
            )
        document = Document.objects.get(pk=document.pk)
        balance = billing_selectors.document_balance(document=document)
        if document.kind == Document.Kind.CREDIT_NOTE:
            limit = balance.due
        else:
            limit = balance.paid_by_method.get(Payment.Method.ONLINE_CARD, ZERO)
        if amount > limit:
            raise PaymentsError(
                _("Le remboursement (%(amount)s €) dépasse le reste à rembourser (%(left)s €).")
                % {"amount": money(amount), "left": money(limit)},
                field="amount",
            )
        try:
            refund_id = gateway.refund(payment.gateway_reference, amount)
        except GatewayError as exc:
            raise PaymentsError(str(exc), field="amount") from exc
        try:
            refund = payment_record(
                document=document,
                data=PaymentData(
                    kind=Payment.Kind.REFUND,
                    method=Payment.Method.ONLINE_CARD,
                    amount=amount,
                    reference=payment.gateway_reference,
                    gateway_reference=refund_id,
                ),
                actor=actor,
            )
        except BillingError:
            logger.error("refund %s sent to the card but not recorded", refund_id)
            raise
        OnlineRefund.objects.create(
            payment=payment, refund=refund, gateway_reference=refund_id, amount=amount
        )
        return refund
