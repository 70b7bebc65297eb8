"""Writes of payments and refunds on invoices and credit notes (OR-6), each appended to the
ledger in the same transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ponton.billing import selectors
from ponton.billing.models import Document, Payment
from ponton.billing.money import ZERO, cents, money
from ponton.billing.services.documents import BillingError
from ponton.customers.models import Customer
from ponton.ledger.models import LedgerEntry
from ponton.ledger.services import ledger_append
from ponton.sales import services as sales
from ponton.sales.services import Actor


@dataclass(frozen=True)
class PaymentData:
    kind: str
    method: str
    amount: Decimal
    received_on: dt.date | None = None
    cheque_bank: str = ""
    cheque_number: str = ""
    cheque_issuer: str = ""
    reference: str = ""
    gateway_reference: str = ""


def _check_payment(document: Document, data: PaymentData, balance: selectors.Balance) -> None:
    amount = data.amount
    if data.kind not in Payment.Kind.values:
        raise BillingError(_("Choisissez paiement ou remboursement."), field="kind")
    if data.method not in Payment.Method.values:
        raise BillingError(_("Choisissez un mode de paiement."), field="method")
    if amount is None or amount <= 0:
        raise BillingError(_("Le montant doit être supérieur à zéro."), field="amount")
    if amount != cents(amount):
        raise BillingError(_("Le montant s'exprime en euros et centimes."), field="amount")
    if data.method == Payment.Method.ONLINE_CARD and not data.gateway_reference:
        raise BillingError(
            _(
                "Un paiement « CB en ligne » n'est enregistré que sur confirmation du "
                "paiement en ligne."
            ),
            field="method",
        )
    if data.method == Payment.Method.CHEQUE and data.kind == Payment.Kind.PAYMENT:
        missing = [
            name
            for name, value in (
                ("cheque_bank", data.cheque_bank),
                ("cheque_number", data.cheque_number),
                ("cheque_issuer", data.cheque_issuer),
            )
            if not value.strip()
        ]
        if missing:
            raise BillingError(
                _("Indiquez la banque, le numéro et l'émetteur du chèque."), field=missing[0]
            )
    if document.kind == Document.Kind.CREDIT_NOTE:
        if data.kind == Payment.Kind.PAYMENT:
            raise BillingError(
                _("Un avoir ne se paie pas : ajoutez un remboursement."), field="kind"
            )
        if amount > balance.due:
            raise BillingError(
                _("Le remboursement (%(amount)s €) dépasse le reste à rembourser (%(due)s €).")
                % {"amount": money(amount), "due": money(balance.due)},
                field="amount",
            )
        return
    if data.kind == Payment.Kind.PAYMENT:
        if amount > balance.due:
            raise BillingError(
                _("Le paiement (%(amount)s €) dépasse le reste dû (%(due)s €).")
                % {"amount": money(amount), "due": money(balance.due)},
                field="amount",
            )
        if data.method == Payment.Method.CREDIT:
            available = selectors.customer_credit(payer_id=document.payer_id)
            if amount > available:
                raise BillingError(
                    _("Le client n'a que %(available)s € d'avoir disponible.")
                    % {"available": money(available)},
                    field="amount",
                )
        return
    paid_by_method = balance.paid_by_method.get(data.method, ZERO)
    if amount > paid_by_method:
        raise BillingError(
            _(
                "Le remboursement (%(amount)s €) dépasse ce qui a été payé sur cette facture "
                "en %(method)s (%(paid)s €)."
            )
            % {
                "amount": money(amount),
                "method": Payment.Method(data.method).label,
                "paid": money(paid_by_method),
            },
            field="amount",
        )


@transaction.atomic
def payment_record(*, document: Document, data: PaymentData, actor: Actor) -> Payment:
    """OR-6 "Ajouter un paiement" / "Ajouter un remboursement". Overpaying an invoice,
    refunding more than was paid, or using more credit than the customer holds is refused."""
    document = Document.objects.select_for_update().select_related("order").get(pk=document.pk)
    return payment_write(
        document=document,
        data=data,
        actor=actor,
        balance=selectors.document_balance(document=document),
    )


def payment_write(
    *, document: Document, data: PaymentData, actor: Actor, balance: selectors.Balance
) -> Payment:
    """The checks and writes of `payment_record`, inside the caller's transaction, for a
    document it holds (locked, or issued by this very transaction) whose `balance` it knows."""
    if data.method == Payment.Method.CREDIT:
        # Credit is the payer's, across documents: one use or creation at a time.
        Customer.objects.select_for_update().filter(pk=document.payer_id).first()
    _check_payment(document, data, balance)
    received_on = data.received_on or timezone.localdate()
    payment = Payment.objects.create(
        document=document,
        kind=data.kind,
        method=data.method,
        amount=data.amount,
        received_on=received_on,
        cheque_bank=data.cheque_bank.strip(),
        cheque_number=data.cheque_number.strip(),
        cheque_issuer=data.cheque_issuer.strip(),
        reference=data.reference.strip(),
        gateway_reference=data.gateway_reference,
        actor_id=actor.account_id,
    )
    sign = Decimal(1) if data.kind == Payment.Kind.PAYMENT else Decimal(-1)
    ledger_append(
        kind=LedgerEntry.Kind.PAYMENT if sign > 0 else LedgerEntry.Kind.REFUND,
        reference=document.number,
        payload={
            "document": document.number,
            "document_kind": document.kind,
            "payer_id": document.payer_id,
            "kind": data.kind,
            "method": data.method,
            "amount": data.amount,
            "received_on": received_on,
            "cheque": {
                "bank": payment.cheque_bank,
                "number": payment.cheque_number,
                "issuer": payment.cheque_issuer,
            },
            "reference": payment.reference,
            "gateway_reference": payment.gateway_reference,
        },
        payments_amount=sign * data.amount,
    )
    label = Payment.Method(data.method).label
    if data.kind == Payment.Kind.PAYMENT:
        message = _("Paiement de %(amount)s € (%(method)s) sur %(number)s.")
    else:
        message = _("Remboursement de %(amount)s € (%(method)s) sur %(number)s.")
    sales._event(
        order=document.order,
        actor=actor,
        action=data.kind,
        message=message
        % {"amount": money(data.amount), "method": label, "number": document.number},
        data={"document": document.number, "payment": payment.pk},
    )
    return payment
