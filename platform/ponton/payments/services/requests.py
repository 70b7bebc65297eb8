"""OR-9 "Demande de C & P" by email or SMS, cancelling it, and "Relancer Click and Pay"."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ponton.billing import selectors as billing_selectors
from ponton.billing.models import Document, DocumentLine
from ponton.billing.money import ZERO, money
from ponton.customers.models import Customer
from ponton.payments import selectors as payments_selectors
from ponton.payments.gateway import gateway_for_current_structure
from ponton.payments.models import PaymentRequest
from ponton.payments.services.common import (
    PaymentsError,
    _check_payable,
    _default_message,
    _send_email_after_commit,
    _send_sms_after_commit,
    _with_link,
    current_structure,
    payment_page_url,
)
from ponton.sales import services as sales
from ponton.sales.services import Actor

logger = logging.getLogger("ponton.payments")


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
    if not gateway_for_current_structure().is_available:
        raise PaymentsError(
            _(
                "Le paiement en ligne n'est pas configuré : renseignez le compte Stripe de la "
                "structure (Paramètres > Paiement en ligne) avant d'envoyer un Click & Pay."
            )
        )
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
        refusal = payments_selectors.sms_refusal(structure=structure)
        if refusal:
            raise PaymentsError(refusal, field="channel")
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
    sales.history_add(
        order=document.order,
        actor=actor,
        action="payment_request",
        message=message % {"to": to, "number": document.number, "amount": money(due)},
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
    sales.history_add(
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
        sales.history_add(
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
