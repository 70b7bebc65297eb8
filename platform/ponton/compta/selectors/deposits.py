"""Reads of cheque deposits (CO-1): the cheques waiting to be deposited, the deposits, the
bank accounts, and a cheque's deposit for the document page.

What "a cheque" is: a billing `Payment` of kind "payment" and method "cheque". It waits to be
deposited ("pending") while it is in no *active* deposit (a line of a deposit that is not
cancelled) and it was not refunded.

A refunded cheque (never deposited): payments never change, and a refund is not linked to
the payment it corrects, so the link is made here by a precise rule. A refund by cheque
recorded on the cheque's document (the invoice or purchase receipt it paid) or on a credit
note correcting that document — the correction billing prescribes for a payment recorded in
the wrong method, or the cheque handed back when the sale is cancelled — cancels one cheque
of **exactly its amount** of that document: the oldest one recorded before the refund that
was not in an active deposit at the moment of the refund and that no earlier refund
cancelled. A refund of another amount, or one recorded while the cheque was in the bank, is
money paid back by the structure: it cancels no cheque, and the cheque is deposited (or stays
deposited) as usual. A refund of the same amount in another method cancels nothing either:
the customer was paid back in cash (or by card), the cheque is still to be cashed."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.http import Http404

from ponton.billing.models import Document, Payment
from ponton.compta.models.deposits import BankAccount, ChequeDeposit, ChequeDepositLine

PENDING_LIMIT = 500


def cheques() -> QuerySet[Payment]:
    """Every cheque received (payments by cheque, refunds excluded)."""
    return Payment.objects.filter(kind=Payment.Kind.PAYMENT, method=Payment.Method.CHEQUE)


def _in_active_deposit() -> Exists:
    return Exists(ChequeDepositLine.objects.filter(payment=OuterRef("pk"), active=True))


@dataclass(frozen=True)
class _Cheque:
    pk: int
    amount: Decimal
    deposits: tuple[tuple[dt.datetime, dt.datetime | None], ...]  # (created_at, cancelled_at)

    def in_bank_at(self, moment: dt.datetime) -> bool:
        return any(
            created <= moment and (cancelled is None or moment < cancelled)
            for created, cancelled in self.deposits
        )


def refunded_cheque_ids(*, document_ids: Iterable[int]) -> set[int]:
    """The cheques of these documents that a refund by cheque cancelled (module docstring)."""
    ids = set(document_ids)
    if not ids:
        return set()
    refunds: dict[int, list[tuple[int, Decimal, dt.datetime]]] = defaultdict(list)
    for pk, amount, at, document_id, corrects_id in (
        Payment.objects.filter(kind=Payment.Kind.REFUND, method=Payment.Method.CHEQUE)
        .filter(
            Q(document_id__in=ids)
            | Q(document_id__in=Document.objects.filter(corrects_id__in=ids).values("pk"))
        )
        .order_by("pk")
        .values_list("pk", "amount", "recorded_at", "document_id", "document__corrects_id")
    ):
        root = document_id if document_id in ids else corrects_id
        if root is not None:
            refunds[root].append((pk, amount, at))
    if not refunds:
        return set()
    deposits: dict[int, list[tuple[dt.datetime, dt.datetime | None]]] = defaultdict(list)
    for payment_id, created, cancelled_at in ChequeDepositLine.objects.filter(
        payment__document_id__in=refunds.keys()
    ).values_list("payment_id", "deposit__created_at", "deposit__cancelled_at"):
        deposits[payment_id].append((created, cancelled_at))
    by_document: dict[int, list[_Cheque]] = defaultdict(list)
    for pk, amount, document_id in (
        cheques()
        .filter(document_id__in=refunds.keys())
        .order_by("pk")
        .values_list("pk", "amount", "document_id")
    ):
        by_document[document_id].append(_Cheque(pk, amount, tuple(deposits[pk])))
    cancelled: set[int] = set()
    for document_id, document_refunds in refunds.items():
        for refund_pk, amount, at in document_refunds:
            match = next(
                (
                    cheque
                    for cheque in by_document[document_id]
                    if cheque.pk < refund_pk
                    and cheque.amount == amount
                    and cheque.pk not in cancelled
                    and not cheque.in_bank_at(at)
                ),
                None,
            )
            if match is not None:
                cancelled.add(match.pk)
    return cancelled


@dataclass(frozen=True)
class PendingCheques:
    cheques: list[Payment]
    truncated: bool  # more than PENDING_LIMIT: the oldest are shown, narrow the period

    @property
    def total(self) -> Decimal:
        return sum((cheque.amount for cheque in self.cheques), Decimal("0.00"))


def cheques_pending(
    *, start: dt.date | None = None, end: dt.date | None = None, limit: int = PENDING_LIMIT
) -> PendingCheques:
    """CO-1 "Compta > Chèques": the cheques received in the period ("période d'encaissement",
    both days included) and waiting to be deposited, oldest first, each with its document's
    number and customer name (`document_number`, `customer_name`). Served by the partial
    index of compta migration 0001 on cheque payments (received_on, id)."""
    candidates = cheques().filter(~_in_active_deposit())
    if start is not None:
        candidates = candidates.filter(received_on__gte=start)
    if end is not None:
        candidates = candidates.filter(received_on__lte=end)
    # What the list shows of the document, without decoding its JSON snapshots.
    candidates = candidates.annotate(
        document_number=F("document__number"),
        customer_name=KeyTextTransform("name", "document__customer"),
    ).order_by("received_on", "pk")
    found: list[Payment] = []
    after: tuple[dt.date, int] | None = None
    while True:  # one batch in the common case; refunded cheques (few) are skipped
        page = candidates
        if after is not None:
            page = page.filter(
                Q(received_on__gt=after[0]) | Q(received_on=after[0], pk__gt=after[1])
            )
        batch = list(page[: limit + 1])
        refunded = refunded_cheque_ids(document_ids={cheque.document_id for cheque in batch})
        for cheque in batch:
            if cheque.pk in refunded:
                continue
            if len(found) == limit:
                return PendingCheques(cheques=found, truncated=True)
            found.append(cheque)
        if len(batch) <= limit:
            break
        after = (batch[-1].received_on, batch[-1].pk)
    return PendingCheques(cheques=found, truncated=False)


def deposit_list() -> QuerySet[ChequeDeposit]:
    """CO-1 "Remises de chèques": every deposit, the latest first, with its bank account."""
    return ChequeDeposit.objects.select_related("bank_account").order_by("-deposited_on", "-pk")


def access_deposit(*, deposit_id: int) -> ChequeDeposit:
    """A deposit of the current structure named in a URL; 404 else."""
    deposit = ChequeDeposit.objects.select_related("bank_account").filter(pk=deposit_id).first()
    if deposit is None:
        raise Http404
    return deposit


def deposit_lines(*, deposit: ChequeDeposit) -> list[ChequeDepositLine]:
    return list(
        deposit.lines.select_related("payment", "payment__document").order_by(
            "payment__received_on", "payment_id"
        )
    )


def deposit_of_cheque(*, payment_id: int) -> ChequeDeposit | None:
    """The active deposit holding this cheque, if any ("Remis en banque le … (RC…)")."""
    line = (
        ChequeDepositLine.objects.filter(payment_id=payment_id, active=True)
        .select_related("deposit")
        .first()
    )
    return line.deposit if line is not None else None


def bank_accounts() -> QuerySet[BankAccount]:
    return BankAccount.objects.order_by("-is_default", "label", "pk")
