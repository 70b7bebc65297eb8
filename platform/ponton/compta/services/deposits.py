"""Writes of cheque deposits (CO-1): save a deposit of chosen cheques, cancel it, and the bank
accounts cheques are deposited into.

A deposit is created whole in one transaction, or not at all: the cheques named by the form
are re-read under lock (their documents, then the payments, `SELECT … FOR UPDATE`) and each is
checked again — a cheque of this structure, not in an active deposit, not refunded
(`selectors.deposits` says precisely what that means). Two deposits of the same cheque at the
same moment: the second waits for the first's locks, then sees its line and is refused; the
partial unique index on active lines refuses it in the database in any case. The number
(RC<year>-<nnnn>, per deposit year) is taken last, its counter row locked until commit: no
gap, no duplicate. A deposit never changes afterwards, except its one cancellation."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ponton.billing.models import Document, Payment
from ponton.compta.models.deposits import (
    DEFAULT_BANK_ACCOUNTING_CODE,
    BankAccount,
    ChequeDeposit,
    ChequeDepositLine,
    DepositCounter,
)
from ponton.compta.selectors.deposits import refunded_cheque_ids
from ponton.sales import services as sales
from ponton.sales.services import Actor
from ponton.web.formats import money_text

MAX_CHEQUES = 500
LATEST_DEPOSIT_DAYS_AHEAD = 31


class DepositError(Exception):
    """A refused deposit, cancellation or bank account; its message is French, for people."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class DepositData:
    payment_ids: tuple[int, ...]
    bank_account_id: int | None
    deposited_on: dt.date | None


def _cheque_name(payment: Payment) -> str:
    return _("chèque n° %(number)s (%(bank)s, %(amount)s)") % {
        "number": payment.cheque_number,
        "bank": payment.cheque_bank,
        "amount": money_text(payment.amount),
    }


def _deposit_number(year: int) -> str:
    table = connection.ops.quote_name(DepositCounter._meta.db_table)
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {table} (year, last) VALUES (%s, 1) "  # noqa: S608 - quoted name
            f"ON CONFLICT (year) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [year],
        )
        (last,) = cur.fetchone()
    return f"RC{year}-{last:04d}"


def _check_data(data: DepositData) -> tuple[BankAccount, dt.date]:
    if not data.payment_ids:
        raise DepositError(_("Sélectionnez au moins un chèque à remettre en banque."))
    if len(set(data.payment_ids)) > MAX_CHEQUES:
        raise DepositError(_("Une remise compte au plus %(max)s chèques.") % {"max": MAX_CHEQUES})
    account = (
        BankAccount.objects.filter(pk=data.bank_account_id).first()
        if data.bank_account_id is not None
        else None
    )
    if account is None:
        raise DepositError(_("Choisissez le compte bancaire de la remise."), field="bank_account")
    if data.deposited_on is None:
        raise DepositError(_("Indiquez la date de la remise."), field="deposited_on")
    latest = timezone.localdate() + dt.timedelta(days=LATEST_DEPOSIT_DAYS_AHEAD)
    if data.deposited_on > latest:
        raise DepositError(
            _("La date de remise ne peut pas dépasser le %(day)s.")
            % {"day": latest.strftime("%d/%m/%Y")},
            field="deposited_on",
        )
    return account, data.deposited_on


def _locked_cheques(ids: set[int]) -> list[Payment]:
    """The payments, their documents and the credit notes correcting those locked (documents
    first, in id order, as billing's payment services lock them): no refund can be recorded
    on them until this transaction ends."""
    document_ids = set(
        Payment.objects.filter(pk__in=ids).values_list("document_id", flat=True).distinct()
    )
    list(
        Document.objects.select_for_update()
        .filter(Q(pk__in=document_ids) | Q(corrects_id__in=document_ids))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return list(
        Payment.objects.select_for_update(of=("self",))
        .select_related("document", "document__order")
        .filter(pk__in=ids)
        .order_by("received_on", "pk")
    )


def _refusal(cheques: list[Payment], ids: set[int], deposited_on: dt.date) -> str | None:
    if len(cheques) != len(ids):
        return _(
            "Un des chèques choisis n'existe pas dans cette structure : rechargez la liste "
            "des chèques à remettre."
        )
    for payment in cheques:
        if payment.kind != Payment.Kind.PAYMENT or payment.method != Payment.Method.CHEQUE:
            return _("Le paiement de %(amount)s sur %(number)s n'est pas un chèque.") % {
                "amount": money_text(payment.amount),
                "number": payment.document.number,
            }
    taken = dict(
        ChequeDepositLine.objects.filter(payment_id__in=ids, active=True).values_list(
            "payment_id", "deposit__number"
        )
    )
    refunded = refunded_cheque_ids(document_ids={payment.document_id for payment in cheques})
    for payment in cheques:
        if payment.pk in taken:
            return _("Le %(cheque)s est déjà dans la remise %(deposit)s.") % {
                "cheque": _cheque_name(payment),
                "deposit": taken[payment.pk],
            }
        if payment.pk in refunded:
            return _("Le %(cheque)s a été remboursé : il ne peut pas être remis en banque.") % {
                "cheque": _cheque_name(payment)
            }
        if payment.received_on > deposited_on:
            return _("La date de remise précède la réception du %(cheque)s, le %(day)s.") % {
                "cheque": _cheque_name(payment),
                "day": payment.received_on.strftime("%d/%m/%Y"),
            }
    return None


@transaction.atomic
def deposit_create(*, data: DepositData, actor: Actor) -> ChequeDeposit:
    """CO-1 "Enregistrer": a numbered deposit of the chosen cheques into a bank account, on a
    date. Refused whole, with a French message, when a cheque is not a cheque of this
    structure, is already in an active deposit, was refunded, or was received after the
    deposit date; or when the bank account or the date is missing."""
    account, deposited_on = _check_data(data)
    ids = set(data.payment_ids)
    cheques = _locked_cheques(ids)
    refusal = _refusal(cheques, ids, deposited_on)
    if refusal is not None:
        raise DepositError(refusal, field="cheques")
    total = sum((payment.amount for payment in cheques), Decimal("0.00"))
    deposit = ChequeDeposit.objects.create(
        number=_deposit_number(deposited_on.year),
        deposited_on=deposited_on,
        bank_account=account,
        total=total,
        cheque_count=len(cheques),
        created_by_id=actor.account_id,
        created_by_name=actor.name,
    )
    try:
        with transaction.atomic():
            ChequeDepositLine.objects.bulk_create(
                ChequeDepositLine(deposit=deposit, payment=payment, amount=payment.amount)
                for payment in cheques
            )
    except IntegrityError as exc:  # the database's own guard: one active line per cheque
        raise DepositError(
            _("Un des chèques choisis vient d'être remis en banque : rechargez la liste."),
            field="cheques",
        ) from exc
    with sales.history_batch():
        for payment in cheques:
            sales.history_add(
                order=payment.document.order,
                actor=actor,
                action="cheque_deposited",
                message=_(
                    "Chèque n° %(number)s (%(bank)s, %(amount)s) remis en banque : "
                    "remise %(deposit)s du %(day)s."
                )
                % {
                    "number": payment.cheque_number,
                    "bank": payment.cheque_bank,
                    "amount": money_text(payment.amount),
                    "deposit": deposit.number,
                    "day": deposited_on.strftime("%d/%m/%Y"),
                },
                data={"deposit": deposit.number, "payment": payment.pk},
            )
    return deposit


@transaction.atomic
def deposit_cancel(*, deposit: ChequeDeposit, reason: str, actor: Actor) -> ChequeDeposit:
    """CO-1 "Annuler la remise": the deposit is marked cancelled (who, when, why) and its
    cheques wait to be deposited again. Nothing else of it ever changes."""
    reason = (reason or "").strip()
    if not reason:
        raise DepositError(_("Indiquez le motif de l'annulation."), field="reason")
    if len(reason) > 300:
        raise DepositError(_("Le motif tient en 300 caractères au plus."), field="reason")
    deposit = ChequeDeposit.objects.select_for_update().get(pk=deposit.pk)
    if deposit.cancelled_at is not None:
        raise DepositError(_("La remise %(number)s est déjà annulée.") % {"number": deposit.number})
    deposit.cancelled_at = timezone.now()
    deposit.cancelled_by_id = actor.account_id
    deposit.cancelled_by_name = actor.name
    deposit.cancel_reason = reason
    deposit.save(
        update_fields=["cancelled_at", "cancelled_by_id", "cancelled_by_name", "cancel_reason"]
    )
    lines = list(deposit.lines.select_related("payment", "payment__document__order"))
    deposit.lines.filter(active=True).update(active=False)
    with sales.history_batch():
        for line in lines:
            sales.history_add(
                order=line.payment.document.order,
                actor=actor,
                action="cheque_deposit_cancelled",
                message=_("Remise %(deposit)s annulée : %(cheque)s de nouveau à remettre.")
                % {"deposit": deposit.number, "cheque": _cheque_name(line.payment)},
                note=reason,
                data={"deposit": deposit.number, "payment": line.payment_id},
            )
    return deposit


@dataclass(frozen=True)
class BankAccountData:
    label: str
    holder: str
    iban: str  # already checked and compacted by the form (tenants.validators)
    bic: str
    accounting_code: str = DEFAULT_BANK_ACCOUNTING_CODE
    is_default: bool = False


@transaction.atomic
def bank_account_create(*, data: BankAccountData) -> BankAccount:
    """A bank account to deposit cheques into; the first one, or one marked so, becomes the
    default (the previous default stays, no longer default)."""
    if not data.label.strip():
        raise DepositError(_("Donnez un libellé au compte."), field="label")
    if not data.iban.strip():
        raise DepositError(_("Indiquez l'IBAN du compte."), field="iban")
    if not data.accounting_code.strip().isdigit():
        raise DepositError(
            _("Le compte comptable s'écrit en chiffres (ex. 512000)."), field="accounting_code"
        )
    if BankAccount.objects.filter(iban=data.iban).exists():
        raise DepositError(_("Un compte avec cet IBAN existe déjà."), field="iban")
    defaults = BankAccount.objects.select_for_update().filter(is_default=True)
    is_default = data.is_default or not BankAccount.objects.exists()
    if is_default:
        defaults.update(is_default=False)
    try:
        with transaction.atomic():
            return BankAccount.objects.create(
                label=data.label.strip(),
                holder=data.holder.strip(),
                iban=data.iban,
                bic=data.bic,
                accounting_code=data.accounting_code.strip(),
                is_default=is_default,
            )
    except IntegrityError as exc:
        raise DepositError(_("Un compte avec cet IBAN existe déjà."), field="iban") from exc


def bank_account_ensure_default(*, structure) -> BankAccount | None:
    """The default bank account; when the structure has none at all, one is made from its
    bank details (Structure.iban, bic, bank_account_holder). None without an IBAN."""
    account = BankAccount.objects.filter(is_default=True).first()
    if account is not None or BankAccount.objects.exists() or not structure.iban:
        return account or BankAccount.objects.order_by("pk").first()
    try:
        with transaction.atomic():
            return BankAccount.objects.create(
                label=_("Compte principal"),
                holder=structure.bank_account_holder or structure.legal_name or structure.name,
                iban=structure.iban,
                bic=structure.bic,
                is_default=True,
            )
    except IntegrityError:  # made at the same moment by another request
        return BankAccount.objects.filter(is_default=True).first()
