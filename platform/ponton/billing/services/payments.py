"""Writes of payments and refunds on invoices and credit notes (OR-6), each appended to the
ledger in the same transaction."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
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
    # Where the money was taken, recorded with it in the ledger (the till: its till, device
    # and session; PO-7). Empty for the Club Manager, the API and online payments.
    taken_at: dict = field(default_factory=dict)


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


def change_message(change: Decimal) -> str:
    return _("Rendu : %(change)s €.") % {"change": money(change)}


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


def _change(document: Document, data: PaymentData, balance: selectors.Balance) -> Decimal:
    """Cash handed over beyond the balance due is given back: what is kept is the balance,
    the rest is the change ("Rendu"). Other methods stay refused above the balance."""
    if (
        data.kind != Payment.Kind.PAYMENT
        or data.method != Payment.Method.CASH
        or document.kind == Document.Kind.CREDIT_NOTE
        or data.amount is None
        or data.amount != cents(data.amount)
        or balance.due <= 0
        or data.amount <= balance.due
    ):
        return ZERO
    return data.amount - balance.due


def payment_write(
    *, document: Document, data: PaymentData, actor: Actor, balance: selectors.Balance
) -> Payment:
    """The checks and writes of `payment_record`, inside the caller's transaction, for a
    document it holds (locked, or issued by this very transaction) whose `balance` it knows.
    Cash above the balance records the balance and the change (`Payment.change_given`)."""
    if data.method == Payment.Method.CREDIT:
        # Credit is the payer's, across documents: one use or creation at a time.
        Customer.objects.select_for_update().filter(pk=document.payer_id).first()
    change = _change(document, data, balance)
    if change:
        data = dataclasses.replace(data, amount=data.amount - change)
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
        change_given=change,
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
            **({"change_given": change} if change else {}),
            **({"taken_at": data.taken_at} if data.taken_at else {}),
        },
        payments_amount=sign * data.amount,
    )
    label = Payment.Method(data.method).label
    if data.kind == Payment.Kind.PAYMENT:
        message = _("Paiement de %(amount)s € (%(method)s) sur %(number)s.")
    else:
        message = _("Remboursement de %(amount)s € (%(method)s) sur %(number)s.")
    message %= {"amount": money(data.amount), "method": label, "number": document.number}
    if change:
        message = f"{message} {change_message(change)}"
    sales.history_add(
        order=document.order,
        actor=actor,
        action=data.kind,
        message=message,
        data={"document": document.number, "payment": payment.pk},
    )
    return payment


@transaction.atomic
def payment_by_credit_note(
    *,
    document: Document,
    credit_note: Document,
    amount: Decimal,
    actor: Actor,
    received_on: dt.date | None = None,
) -> tuple[Payment, Payment]:
    """OR-5, OR-6 "Avoir" with one of the customer's credit notes, in one step: the credit
    note is refunded "by avoir" and the invoice (or receipt) paid "by avoir" for the same
    amount, both in the ledger, in one transaction: both or neither. Refused when the credit
    note is not the payer's, or has less left than the amount, or the invoice less due."""
    locked = {
        d.pk: d
        for d in Document.objects.select_for_update()
        .select_related("order")
        .filter(pk__in=(document.pk, credit_note.pk))
        .order_by("pk")
    }
    document, credit_note = locked[document.pk], locked[credit_note.pk]
    if document.kind == Document.Kind.CREDIT_NOTE:
        raise BillingError(_("Un avoir ne se paie pas : ajoutez un remboursement."), field="kind")
    if credit_note.kind != Document.Kind.CREDIT_NOTE or credit_note.payer_id != document.payer_id:
        raise BillingError(_("Choisissez un avoir de ce client."), field="credit_note")
    if amount is None or amount <= 0:
        raise BillingError(_("Le montant doit être supérieur à zéro."), field="amount")
    note_balance = selectors.document_balance(document=credit_note)
    if amount > note_balance.due:
        raise BillingError(
            _("L'avoir %(number)s n'a plus que %(due)s € à utiliser.")
            % {"number": credit_note.number, "due": money(note_balance.due)},
            field="amount",
        )
    balance = selectors.document_balance(document=document)
    if amount > balance.due:
        raise BillingError(
            _("Le paiement (%(amount)s €) dépasse le reste dû (%(due)s €).")
            % {"amount": money(amount), "due": money(balance.due)},
            field="amount",
        )
    refund = payment_write(
        document=credit_note,
        data=PaymentData(
            kind=Payment.Kind.REFUND,
            method=Payment.Method.CREDIT,
            amount=amount,
            received_on=received_on,
            reference=document.number,
        ),
        actor=actor,
        balance=note_balance,
    )
    payment = payment_write(
        document=document,
        data=PaymentData(
            kind=Payment.Kind.PAYMENT,
            method=Payment.Method.CREDIT,
            amount=amount,
            received_on=received_on,
            reference=credit_note.number,
        ),
        actor=actor,
        balance=balance,
    )
    return refund, payment
