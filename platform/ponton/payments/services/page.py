"""Our payment page and the confirmation of a card payment (the signed Stripe webhook or
the test gateway): the same confirmation received ten times records one payment."""

from __future__ import annotations

import logging
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ponton.billing.models import Document, Payment
from ponton.billing.money import money
from ponton.billing.services import BillingError, PaymentData, payment_record
from ponton.customers.models import Customer
from ponton.payments.gateway import (
    TEST_PREFIX,
    GatewayError,
    TestGateway,
    WebhookError,
    from_cents,
    gateway_for_current_structure,
)
from ponton.payments.models import PaymentRequest, StripeAccount
from ponton.payments.services.common import (
    CURRENCY,
    GATEWAY_ACTOR,
    PaymentsError,
    _check_payable,
)
from ponton.sales import services as sales
from ponton.sales.models import OrderEvent

logger = logging.getLogger("ponton.payments")

# The payment page ------------------------------------------------------------------------


def _payable_request(token: str) -> PaymentRequest:
    request = (
        PaymentRequest.objects.select_for_update()
        .select_related("document")
        .filter(token=token)
        .first()
    )
    if request is None:
        raise PaymentsError(_("Ce lien de paiement n'existe pas."))
    if request.state == PaymentRequest.State.PAID:
        raise PaymentsError(_("Cette facture a déjà été réglée par ce lien. Merci !"))
    if request.state != PaymentRequest.State.ACTIVE:
        raise PaymentsError(_("Cette demande de paiement a été annulée par la structure."))
    return request


def payment_intent_prepare(*, token: str, gateway=None) -> tuple[str, Decimal]:
    """The PaymentIntent the page pays: the request's current one if it is for the amount due
    now, else a new one (created at the gateway outside any lock)."""
    gateway = gateway or gateway_for_current_structure()
    with transaction.atomic():
        request = _payable_request(token)
        due = _check_payable(request.document)
        same_gateway = request.intent_id.startswith(TEST_PREFIX) == gateway.is_test
        if request.intent_id and request.intent_amount == due and same_gateway:
            return request.intent_id, due
        document_number = request.document.number
        request_id = request.pk
    try:
        intent_id, _secret = gateway.create_payment_intent(
            due,
            CURRENCY,
            {
                "payment_request": request_id,
                "document": document_number,
                "schema": connection.schema_name,  # type: ignore[attr-defined]  # django-tenants
            },
        )
    except GatewayError as exc:
        raise PaymentsError(str(exc)) from exc
    PaymentRequest.objects.filter(pk=request_id).update(intent_id=intent_id, intent_amount=due)
    return intent_id, due


def pay_with_card_token(*, token: str, card_token: str) -> tuple[str, str]:
    """The page sends the Stripe.js card token; the PaymentIntent is confirmed with it.
    Returns (status, client_secret): "requires_action" means 3-D Secure on the page. The
    payment is recorded only when the webhook confirms it."""
    gateway = gateway_for_current_structure()
    if gateway.is_test:
        raise PaymentsError(_("Paiement par carte indisponible : passerelle de test."))
    if not card_token or not card_token.startswith("tok_") or len(card_token) > 255:
        raise PaymentsError(_("Carte non reconnue : saisissez-la à nouveau."), field="card")
    intent_id, _due = payment_intent_prepare(token=token, gateway=gateway)
    request = PaymentRequest.objects.select_related("document").get(token=token)
    email = (
        Customer.objects.filter(pk=request.document.payer_id)
        .values_list("email", flat=True)
        .first()
    )
    try:
        return gateway.confirm_with_card_token(intent_id, card_token, email or "")
    except GatewayError as exc:
        raise PaymentsError(str(exc), field="card") from exc


def pay_with_test_gateway(*, token: str) -> Payment | None:
    """Embedded default: the test gateway's button "simulates" the card payment and goes
    through the same confirmation as a Stripe webhook. Refused when Stripe is configured."""
    gateway = gateway_for_current_structure()
    if not gateway.is_test:
        raise PaymentsError(_("La passerelle de test n'est pas utilisée par cette structure."))
    intent_id, due = payment_intent_prepare(token=token, gateway=gateway)
    request = PaymentRequest.objects.get(token=token)
    return card_payment_confirmed(payment_request_id=request.pk, intent_id=intent_id, amount=due)


# Confirmation (webhook) --------------------------------------------------------------------


def card_payment_confirmed(
    *, payment_request_id: int, intent_id: str, amount: Decimal
) -> Payment | None:
    """Record the confirmed card payment once: one billing payment ("CB en ligne",
    gateway_reference = the PaymentIntent id), the request marked paid, the order's history
    "Paiement Click & Pay reçu". A confirmation already recorded returns the existing payment;
    concurrent deliveries wait on the invoice's row lock, and the unique gateway_reference
    settles any other race. Returns None when the payment cannot be recorded (the invoice
    was paid meanwhile by other means, say): the money goes back to the card at once, once
    for all deliveries, and the order's history says so (`_refund_unrecorded`)."""
    try:
        with transaction.atomic():
            request = (
                PaymentRequest.objects.select_for_update()
                .select_related("document__order")
                .get(pk=payment_request_id)
            )
            document = Document.objects.select_for_update().get(pk=request.document_id)
            existing = Payment.objects.filter(gateway_reference=intent_id).first()
            if existing is not None:
                return existing
            try:
                with transaction.atomic():
                    payment = payment_record(
                        document=document,
                        data=PaymentData(
                            kind=Payment.Kind.PAYMENT,
                            method=Payment.Method.ONLINE_CARD,
                            amount=amount,
                            reference=_("Click & Pay"),
                            gateway_reference=intent_id,
                        ),
                        actor=GATEWAY_ACTOR,
                    )
            except BillingError as exc:
                _refund_unrecorded(
                    request=request, document=document, intent_id=intent_id, amount=amount, exc=exc
                )
                return None
            request.state = PaymentRequest.State.PAID
            request.payment = payment
            request.paid_at = timezone.now()
            request.save(update_fields=["state", "payment", "paid_at"])
            sales.history_add(
                order=request.document.order,
                actor=GATEWAY_ACTOR,
                action="payment_request_paid",
                message=_("Paiement Click & Pay reçu : %(amount)s € sur %(number)s.")
                % {"amount": money(amount), "number": document.number},
                data={
                    "document": document.number,
                    "payment_request": request.pk,
                    "payment": payment.pk,
                    "gateway_reference": intent_id,
                },
            )
            return payment
    except IntegrityError:
        # Recorded meanwhile by another delivery (unique gateway_reference).
        return Payment.objects.get(gateway_reference=intent_id)


def _refund_unrecorded(
    *,
    request: PaymentRequest,
    document: Document,
    intent_id: str,
    amount: Decimal,
    exc: BillingError,
) -> None:
    """A card payment confirmed but refused by billing (nothing left due, say): nothing is
    recorded in the books, so the whole amount goes back to the card through the gateway,
    once (the request's row lock serialises deliveries; the history event marks it done).
    If the gateway refuses, the history asks staff to refund it from Stripe."""
    order = request.document.order
    done = OrderEvent.objects.filter(
        order=order,
        action__in=("payment_request_refunded", "payment_request_error"),
        data__gateway_reference=intent_id,
    )
    if done.exists():
        return
    gateway = (
        TestGateway() if intent_id.startswith(TEST_PREFIX) else gateway_for_current_structure()
    )
    facts = {"amount": money(amount), "number": document.number, "reason": str(exc)}
    try:
        refund_id = gateway.refund(intent_id, amount)
    except GatewayError as refused:
        logger.error(
            "card payment %s on %s: not recorded (%s), not refunded (%s)",
            intent_id,
            document,
            exc,
            refused,
        )
        sales.history_add(
            order=order,
            actor=GATEWAY_ACTOR,
            action="payment_request_error",
            message=_(
                "Paiement en ligne de %(amount)s € reçu sur %(number)s mais non enregistré : "
                "%(reason)s Le remboursement automatique a échoué : remboursez-le depuis Stripe."
            )
            % facts,
            data={"document": document.number, "gateway_reference": intent_id},
        )
        return
    logger.warning(
        "card payment %s on %s not recorded (%s): refunded as %s",
        intent_id,
        document,
        exc,
        refund_id,
    )
    sales.history_add(
        order=order,
        actor=GATEWAY_ACTOR,
        action="payment_request_refunded",
        message=_(
            "Paiement en ligne de %(amount)s € reçu sur %(number)s mais non enregistré : "
            "%(reason)s Il a été remboursé sur la carte."
        )
        % facts,
        data={
            "document": document.number,
            "gateway_reference": intent_id,
            "refund_reference": refund_id,
        },
    )


def stripe_webhook_verify(*, payload: bytes, signature: str) -> dict:
    """The structure's Stripe event, once its signature is checked with ITS webhook secret
    (WebhookError otherwise)."""
    account = StripeAccount.objects.first()
    if account is None or not account.configured:
        raise WebhookError("Stripe is not configured for this structure")
    return gateway_for_current_structure().verify_webhook(payload, signature)


def succeeded_intent(event: dict) -> dict | None:
    """The PaymentIntent of a `payment_intent.succeeded` event (None for other events), checked
    to be this structure's, in euros, with an amount (WebhookError otherwise)."""
    if event.get("type") != "payment_intent.succeeded":
        return None
    intent = (event.get("data") or {}).get("object") or {}
    intent_id = intent.get("id") or ""
    if not intent_id.startswith("pi_"):
        return None
    metadata = intent.get("metadata") or {}
    if metadata.get("schema") not in (None, connection.schema_name):  # type: ignore[attr-defined]
        raise WebhookError("event of another structure")
    if (intent.get("currency") or "").lower() != CURRENCY:
        raise WebhookError("unexpected currency")
    received = intent.get("amount_received") or intent.get("amount")
    if not isinstance(received, int) or received <= 0:
        raise WebhookError("no amount")
    return intent


def click_and_pay_succeeded(intent: dict) -> str:
    """Record a Click & Pay request's confirmed payment (see `card_payment_confirmed`)."""
    metadata = intent.get("metadata") or {}
    if not str(metadata.get("payment_request", "")).isdigit():
        return "ignored"
    request = PaymentRequest.objects.filter(pk=int(metadata["payment_request"])).first()
    if request is None or request.document.number != metadata.get("document"):
        return "unknown request"
    received = int(intent.get("amount_received") or intent.get("amount") or 0)
    payment = card_payment_confirmed(
        payment_request_id=request.pk, intent_id=intent["id"], amount=from_cents(received)
    )
    return "recorded" if payment is not None else "not recorded"


def stripe_webhook_handle(*, payload: bytes, signature: str) -> str:
    """The structure's Stripe webhook for Click & Pay: verify, then record a
    `payment_intent.succeeded`. Returns what was done (for the response and logs); raises
    WebhookError for a bad signature or content."""
    intent = succeeded_intent(stripe_webhook_verify(payload=payload, signature=signature))
    if intent is None:
        return "ignored"
    return click_and_pay_succeeded(intent)
