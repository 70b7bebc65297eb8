"""Writes of Click & Pay (OR-9) and online card refunds (OR-6).

- `payment_request_create`: "Demande de C & P" on an invoice, by email or SMS (SMS through the
  `ponton_send_sms` hook that the SMS module implements). One active request per invoice.
- `payment_request_remind`: "Relancer Click and Pay" with the staff's own subject and body.
- `card_payment_confirmed`: the only way a "CB en ligne" payment is recorded, called by the
  signed Stripe webhook (or by the test gateway's button): the same confirmation received ten
  times records one payment.
- `online_refund`: a refund sent back to the card through the gateway, then recorded.

Emails and SMS leave after commit, through tasks that can be retried."""

from __future__ import annotations

import logging
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from ponton.billing import selectors as billing_selectors
from ponton.billing.models import Document, DocumentLine, Payment
from ponton.billing.money import ZERO, cents
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
from ponton.payments.models import OnlineRefund, PaymentRequest, StripeAccount
from ponton.sales import services as sales
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


def _sms_hook(structure):
    from ponton.plugins.manager import hooks_for

    hook = hooks_for(structure).ponton_send_sms
    return hook if hook.get_hookimpls() else None


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
    amount = number_format(amount, decimal_pos=2)  # the customer's French: "180,00"
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
        "amount": amount,
        "link": link,
    }
    sms = _("%(structure)s : réglez la facture %(number)s (%(amount)s €) ici : %(link)s") % {
        "structure": structure.display_title,
        "number": document.number,
        "amount": amount,
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


@transaction.atomic
def payment_request_create(
    *,
    document: Document,
    actor: Actor,
    channel: str = PaymentRequest.Channel.EMAIL,
    subject: str = "",
    body: str = "",
) -> PaymentRequest:
    """OR-9 "Demande de C & P" (par mail / par sms): the payer receives the link to our
    payment page; the invoice then shows "Demande active" and the order's history a line.
    `subject`/`body` replace the default email (the participants list's own message)."""
    document = Document.objects.select_for_update().select_related("order").get(pk=document.pk)
    if channel not in PaymentRequest.Channel.values:
        raise PaymentsError(_("Choisissez l'envoi par email ou par SMS."), field="channel")
    due = _check_payable(document)
    if PaymentRequest.objects.filter(document=document, state=PaymentRequest.State.ACTIVE).exists():
        raise PaymentsError(
            _(
                "Une demande de Click & Pay est déjà active pour la facture %(number)s : "
                "relancez-la plutôt."
            )
            % {"number": document.number}
        )
    payer = Customer.objects.get(pk=document.payer_id)
    structure = current_structure()
    if channel == PaymentRequest.Channel.EMAIL:
        to = payer.email
        if not to:
            raise PaymentsError(
                _("%(name)s n'a pas d'adresse email : ajoutez-la sur sa fiche client.")
                % {"name": payer.full_name},
                field="channel",
            )
    else:
        if _sms_hook(structure) is None:
            raise PaymentsError(_("Le module SMS n'est pas activé."), field="channel")
        to = payer.mobile
        if not to:
            raise PaymentsError(
                _("%(name)s n'a pas de numéro de mobile : ajoutez-le sur sa fiche client.")
                % {"name": payer.full_name},
                field="channel",
            )
    request = PaymentRequest.objects.create(
        document=document,
        channel=channel,
        sent_to=to,
        amount=due,
        created_by_id=actor.account_id,
    )
    link = payment_page_url(structure=structure, token=request.token)
    default_subject, default_body, sms = _default_message(
        structure=structure, document=document, amount=due, link=link
    )
    if channel == PaymentRequest.Channel.EMAIL:
        _send_email_after_commit(
            to=to,
            subject=subject.strip() or default_subject,
            body=_with_link(body, link) if body.strip() else default_body,
        )
        message = _("Demande de C & P par mail envoyée à %(to)s pour %(number)s (%(amount)s €).")
    else:
        _send_sms_after_commit(structure=structure, to=to, body=sms)
        message = _("Demande de C & P par sms envoyée au %(to)s pour %(number)s (%(amount)s €).")
    sales._event(
        order=document.order,
        actor=actor,
        action="payment_request",
        message=message % {"to": to, "number": document.number, "amount": due},
        data={"document": document.number, "payment_request": request.pk, "channel": channel},
    )
    return request


@transaction.atomic
def payment_request_cancel(*, request: PaymentRequest, actor: Actor) -> PaymentRequest:
    request = (
        PaymentRequest.objects.select_for_update()
        .select_related("document__order")
        .get(pk=request.pk)
    )
    if request.state != PaymentRequest.State.ACTIVE:
        raise PaymentsError(_("Cette demande de Click & Pay n'est plus active."))
    request.state = PaymentRequest.State.CANCELLED
    request.save(update_fields=["state"])
    sales._event(
        order=request.document.order,
        actor=actor,
        action="payment_request_cancel",
        message=_("Demande de C & P annulée pour %(number)s.")
        % {"number": request.document.number},
        data={"document": request.document.number, "payment_request": request.pk},
    )
    return request


def _check_message(subject: str, body: str) -> tuple[str, str]:
    subject, body = (subject or "").strip(), (body or "").strip()
    if not subject:
        raise PaymentsError(_("Indiquez l'objet de l'email."), field="subject")
    if len(subject) > 200:
        raise PaymentsError(_("L'objet ne doit pas dépasser 200 caractères."), field="subject")
    if not body:
        raise PaymentsError(_("Écrivez le contenu de l'email."), field="body")
    return subject, body


@transaction.atomic
def payment_request_remind(*, requests, subject: str, body: str, actor: Actor) -> int:
    """OR-9 "Relancer Click and Pay": email each active request's payer again with the staff's
    own subject and body (the payment link is added if the body does not hold it). Requests
    that are no longer active, or whose invoice is paid, are left out. Returns how many
    reminders were sent."""
    subject, body = _check_message(subject, body)
    ids = [r.pk for r in requests]
    if not ids:
        raise PaymentsError(_("Cochez au moins une demande à relancer."), field="requests")
    structure = current_structure()
    sent = 0
    now = timezone.now()
    for request in (
        PaymentRequest.objects.select_for_update()
        .select_related("document__order")
        .filter(pk__in=ids, state=PaymentRequest.State.ACTIVE)
        .order_by("pk")
    ):
        document = request.document
        if billing_selectors.document_balance(document=document).due <= ZERO:
            continue
        payer = Customer.objects.get(pk=document.payer_id)
        if not payer.email:
            continue
        link = payment_page_url(structure=structure, token=request.token)
        _send_email_after_commit(to=payer.email, subject=subject, body=_with_link(body, link))
        request.reminders += 1
        request.last_reminded_at = now
        request.save(update_fields=["reminders", "last_reminded_at"])
        sales._event(
            order=document.order,
            actor=actor,
            action="payment_request_reminder",
            message=_("Relance Click & Pay envoyée à %(to)s pour %(number)s.")
            % {"to": payer.email, "number": document.number},
            note=subject,
            data={"document": document.number, "payment_request": request.pk},
        )
        sent += 1
    return sent


def click_and_pay_for_lines(*, line_ids, subject: str, body: str, actor: Actor) -> int:
    """OR-9 "Relancer Click and Pay" on the participants checked in a session's list: each invoice
    holding one of these order lines and still due is reminded (active request) or gets its
    first request, both with the staff's subject and body. Returns how many emails leave."""
    subject, body = _check_message(subject, body)
    document_ids = set(
        DocumentLine.objects.filter(
            order_line_id__in=list(line_ids), document__kind=Document.Kind.INVOICE
        ).values_list("document_id", flat=True)
    )
    if not document_ids:
        raise PaymentsError(
            _("Aucune facture pour les participants cochés : facturez-les d'abord."),
            field="lines",
        )
    sent = 0
    with transaction.atomic():
        for document in Document.objects.filter(pk__in=document_ids).order_by("pk"):
            if billing_selectors.document_balance(document=document).due <= ZERO:
                continue
            active = PaymentRequest.objects.filter(
                document=document, state=PaymentRequest.State.ACTIVE
            ).first()
            if active is not None:
                sent += payment_request_remind(
                    requests=[active], subject=subject, body=body, actor=actor
                )
                continue
            payer = Customer.objects.get(pk=document.payer_id)
            if not payer.email:
                continue
            payment_request_create(document=document, actor=actor, subject=subject, body=body)
            sent += 1
    return sent


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
                "schema": connection.schema_name,
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
    settles any other race. Returns None when the payment cannot be recorded (logged and
    written in the order's history for staff to refund)."""
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
                logger.error(
                    "card payment %s on %s could not be recorded: %s", intent_id, document, exc
                )
                sales._event(
                    order=request.document.order,
                    actor=GATEWAY_ACTOR,
                    action="payment_request_error",
                    message=_(
                        "Paiement en ligne de %(amount)s € reçu sur %(number)s mais non "
                        "enregistré : %(reason)s Remboursez-le depuis Stripe."
                    )
                    % {"amount": amount, "number": document.number, "reason": str(exc)},
                    data={"document": document.number, "gateway_reference": intent_id},
                )
                return None
            request.state = PaymentRequest.State.PAID
            request.payment = payment
            request.paid_at = timezone.now()
            request.save(update_fields=["state", "payment", "paid_at"])
            sales._event(
                order=request.document.order,
                actor=GATEWAY_ACTOR,
                action="payment_request_paid",
                message=_("Paiement Click & Pay reçu : %(amount)s € sur %(number)s.")
                % {"amount": amount, "number": document.number},
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


def stripe_webhook_handle(*, payload: bytes, signature: str) -> str:
    """The structure's Stripe webhook: verify the signature with ITS webhook secret, then
    record a `payment_intent.succeeded`. Returns what was done (for the response and logs);
    raises WebhookError for a bad signature or content."""
    account = StripeAccount.objects.first()
    if account is None or not account.configured:
        raise WebhookError("Stripe is not configured for this structure")
    event = gateway_for_current_structure().verify_webhook(payload, signature)
    if event.get("type") != "payment_intent.succeeded":
        return "ignored"
    intent = (event.get("data") or {}).get("object") or {}
    intent_id = intent.get("id") or ""
    metadata = intent.get("metadata") or {}
    if not intent_id.startswith("pi_") or not str(metadata.get("payment_request", "")).isdigit():
        return "ignored"
    if metadata.get("schema") not in (None, connection.schema_name):
        raise WebhookError("event of another structure")
    if (intent.get("currency") or "").lower() != CURRENCY:
        raise WebhookError("unexpected currency")
    received = intent.get("amount_received") or intent.get("amount")
    if not isinstance(received, int) or received <= 0:
        raise WebhookError("no amount")
    request = PaymentRequest.objects.filter(pk=int(metadata["payment_request"])).first()
    if request is None or request.document.number != metadata.get("document"):
        return "unknown request"
    payment = card_payment_confirmed(
        payment_request_id=request.pk, intent_id=intent_id, amount=from_cents(received)
    )
    return "recorded" if payment is not None else "not recorded"


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
                % {"amount": amount, "left": left},
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
                % {"amount": amount, "left": limit},
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


# Settings --------------------------------------------------------------------------------


@transaction.atomic
def stripe_account_save(
    *, publishable_key: str, secret_key: str, webhook_secret: str, actor: Actor
) -> StripeAccount:
    """Save the structure's Stripe keys. An empty secret keeps the stored one (the form never
    shows secrets back); keys are checked for their Stripe prefixes."""
    account = StripeAccount.objects.select_for_update().first() or StripeAccount()
    publishable_key = (publishable_key or "").strip()
    secret_key = (secret_key or "").strip() or account.secret_key
    webhook_secret = (webhook_secret or "").strip() or account.webhook_secret
    if publishable_key and not publishable_key.startswith("pk_"):
        raise PaymentsError(
            _("La clé publiable Stripe commence par « pk_ »."), field="publishable_key"
        )
    if secret_key and not secret_key.startswith(("sk_", "rk_")):
        raise PaymentsError(
            _("La clé secrète Stripe commence par « sk_ » (ou « rk_ »)."), field="secret_key"
        )
    if webhook_secret and not webhook_secret.startswith("whsec_"):
        raise PaymentsError(
            _("Le secret de signature des webhooks commence par « whsec_ »."),
            field="webhook_secret",
        )
    filled = [bool(publishable_key), bool(secret_key), bool(webhook_secret)]
    if any(filled) and not all(filled):
        field = ("publishable_key", "secret_key", "webhook_secret")[filled.index(False)]
        raise PaymentsError(
            _("Renseignez les trois clés Stripe, ou aucune pour la passerelle de test."),
            field=field,
        )
    account.publishable_key = publishable_key
    account.secret_key = secret_key
    account.webhook_secret = webhook_secret
    account.updated_by_id = actor.account_id
    account.save()
    return account


@transaction.atomic
def stripe_account_clear(*, actor: Actor) -> None:
    """Forget the Stripe keys: the test gateway is used again."""
    StripeAccount.objects.all().delete()
