"""Reads of billing: balances of documents, orders and customers' credit (OR-3, OR-6)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, Sum

from ponton.billing.models import Document, Payment
from ponton.billing.money import ZERO


@dataclass(frozen=True)
class Balance:
    total: Decimal
    paid: Decimal  # invoices: payments − refunds; credit notes: refunds
    due: Decimal  # invoices: left to pay; credit notes: left to refund
    paid_by_method: dict[str, Decimal] = field(default_factory=dict)

    @classmethod
    def unpaid(cls, document: Document) -> Balance:
        """The balance of a document just issued: nothing paid yet."""
        return cls(total=document.total, paid=ZERO, due=document.total)

    @classmethod
    def of_sale(cls, total: Decimal, by_method: dict[str, Decimal]) -> Balance:
        """An invoice's or receipt's balance from what was paid net, by method."""
        paid = sum(by_method.values(), ZERO)
        return cls(total=total, paid=paid, due=total - paid, paid_by_method=by_method)

    def after(self, payment: Payment) -> Balance:
        """The balance of an invoice or receipt once `payment` (or refund) is recorded."""
        by_method = dict(self.paid_by_method)
        by_method[payment.method] = by_method.get(payment.method, ZERO) + _signed(
            payment.kind, payment.amount
        )
        return Balance.of_sale(self.total, by_method)


def _signed(kind: str, amount: Decimal) -> Decimal:
    return amount if kind == Payment.Kind.PAYMENT else -amount


_TWIN_KINDS: dict[str, str] = {
    Document.Kind.RECEIPT: Document.Kind.INVOICE,
    Document.Kind.INVOICE: Document.Kind.RECEIPT,
}


def sale_twin(*, document: Document) -> Document | None:
    """A purchase receipt and the invoice issued from it on request record one sale
    (`services.receipts`): given one, the other, if any. They share their order lines."""
    kind = _TWIN_KINDS.get(document.kind)
    if kind is None:
        return None
    if not Document.objects.filter(order_id=document.order_id, kind=kind).exists():
        return None  # the common case, read cheaply: no receipt (or no invoice) in the order
    return (
        Document.objects.filter(kind=kind, lines__order_line__document_lines__document=document)
        .distinct()
        .first()
    )


def document_balance(*, document: Document) -> Balance:
    """What was paid and what is due on a document. A receipt and the invoice issued from
    it share one balance: a payment on either counts for both (one sale)."""
    twin = sale_twin(document=document)
    payments = (
        Payment.objects.filter(document_id__in=(document.pk, twin.pk))
        if twin is not None
        else document.payments
    )
    by_method: dict[str, Decimal] = {}
    for method, kind, amount in (
        payments.values_list("method", "kind").annotate(s=Sum("amount")).order_by()
    ):
        by_method[method] = by_method.get(method, ZERO) + _signed(kind, amount)
    if document.kind == Document.Kind.CREDIT_NOTE:
        refunded = -sum(by_method.values(), ZERO)
        return Balance(total=document.total, paid=refunded, due=document.total - refunded)
    return Balance.of_sale(document.total, by_method)


def order_balance(*, order_id: int) -> Decimal:
    """What the customer still owes on the order (negative: what is owed to them). An
    invoice issued from a purchase receipt is not counted again: it shares the receipt's
    balance (`document_balance`)."""
    due = ZERO
    documents = Document.objects.filter(order_id=order_id).exclude(
        kind=Document.Kind.INVOICE,
        lines__order_line__document_lines__document__kind=Document.Kind.RECEIPT,
    )
    for document in documents.distinct().prefetch_related("payments"):
        balance = document_balance(document=document)
        due += -balance.due if document.kind == Document.Kind.CREDIT_NOTE else balance.due
    return due


def customer_credit(*, payer_id: int) -> Decimal:
    """Credit ("avoir") the customer holds: refunds kept as credit minus credit spent."""
    sums = Payment.objects.filter(
        document__payer_id=payer_id, method=Payment.Method.CREDIT
    ).aggregate(
        kept=Sum("amount", filter=Q(kind=Payment.Kind.REFUND)),
        spent=Sum("amount", filter=Q(kind=Payment.Kind.PAYMENT)),
    )
    return (sums["kept"] or ZERO) - (sums["spent"] or ZERO)


@dataclass(frozen=True)
class OpenCreditNote:
    document: Document
    due: Decimal  # left to refund or to use as "avoir"


def open_credit_notes(*, payer_id: int) -> list[OpenCreditNote]:
    """The customer's credit notes with something left to refund, oldest first: what the
    "Avoir" method offers on their invoices (OR-5, OR-6)."""
    notes = (
        Document.objects.filter(kind=Document.Kind.CREDIT_NOTE, payer_id=payer_id)
        .select_related("order")
        .annotate(
            refunded=Sum("payments__amount", filter=Q(payments__kind=Payment.Kind.REFUND)),
            taken_back=Sum("payments__amount", filter=Q(payments__kind=Payment.Kind.PAYMENT)),
        )
        .order_by("issued_at", "pk")
    )
    result = []
    for note in notes:
        due = note.total - ((note.refunded or ZERO) - (note.taken_back or ZERO))
        if due > 0:
            result.append(OpenCreditNote(document=note, due=due))
    return result


def order_documents(*, order_id: int):
    return Document.objects.filter(order_id=order_id).order_by("issued_at", "pk")


def access_document(*, document_id: int) -> Document:
    """An invoice, credit note or receipt of the current structure named in a URL; 404 else."""
    from django.http import Http404

    document = Document.objects.select_related("order", "corrects").filter(pk=document_id).first()
    if document is None:
        raise Http404
    return document


@dataclass(frozen=True)
class OrderBalance:
    """What the order card says about its documents (OR-3): what the invoices and receipts
    still ask for, what the credit notes still owe the customer, and, once one is set against
    the other, what is left to pay or to refund."""

    invoiced_due: Decimal  # invoices and receipts, not yet paid
    credit_due: Decimal  # credit notes, not yet refunded
    has_credit_notes: bool = False

    @property
    def net(self) -> Decimal:
        """As `order_balance`: positive, owed by the customer; negative, owed to them."""
        return self.invoiced_due - self.credit_due

    @property
    def to_pay(self) -> Decimal:
        return max(self.net, ZERO)

    @property
    def to_refund(self) -> Decimal:
        return max(-self.net, ZERO)

    @property
    def can_offset(self) -> bool:
        """An unpaid invoice and an unrefunded credit note: the credit note can pay it."""
        return self.invoiced_due > 0 and self.credit_due > 0


def documents_with_balances(
    *, order_id: int
) -> tuple[list[tuple[Document, Balance]], OrderBalance]:
    """The order's documents with their balances, and the order's balance (its `net` is
    `order_balance`), in two queries whatever the number of documents and payments (the
    order card)."""
    documents = list(order_documents(order_id=order_id))
    # Invoices issued from a purchase receipt are not counted again (as `order_balance`).
    from_receipts = set(
        Document.objects.filter(
            order_id=order_id,
            kind=Document.Kind.INVOICE,
            lines__order_line__document_lines__document__kind=Document.Kind.RECEIPT,
        ).values_list("pk", flat=True)
    )
    sums: dict[int, dict[str, Decimal]] = {}
    for document_id, method, kind, amount in (
        Payment.objects.filter(document__order_id=order_id)
        .values_list("document_id", "method", "kind")
        .annotate(s=Sum("amount"))
        .order_by()
    ):
        sign = 1 if kind == Payment.Kind.PAYMENT else -1
        by_method = sums.setdefault(document_id, {})
        by_method[method] = by_method.get(method, ZERO) + sign * amount
    result = []
    due = credit_due = ZERO
    for document in documents:
        by_method = sums.get(document.pk, {})
        if document.kind == Document.Kind.CREDIT_NOTE:
            refunded = -sum(by_method.values(), ZERO)
            balance = Balance(total=document.total, paid=refunded, due=document.total - refunded)
            credit_due += balance.due
        elif document.pk in from_receipts:
            # Shares its receipt's payments (one sale), counted once, on the receipt.
            balance = document_balance(document=document)
        elif document.kind == Document.Kind.RECEIPT:
            balance = document_balance(document=document)  # with its invoice's payments, if any
            due += balance.due
        else:
            paid = sum(by_method.values(), ZERO)
            balance = Balance(
                total=document.total, paid=paid, due=document.total - paid, paid_by_method=by_method
            )
            due += balance.due
        result.append((document, balance))
    return result, OrderBalance(
        invoiced_due=due,
        credit_due=credit_due,
        has_credit_notes=any(d.kind == Document.Kind.CREDIT_NOTE for d in documents),
    )


def document_search(
    *,
    kind: str = "",
    start=None,
    end=None,
    customer: str = "",
):
    """OR-7: documents filtered by kind, issue date range (Europe/Paris days, inclusive)
    and customer name or email, newest first."""
    documents = Document.objects.select_related("order", "corrects").order_by("-issued_at", "-pk")
    if kind:
        documents = documents.filter(kind=kind)
    if start is not None:
        documents = documents.filter(issued_at__date__gte=start)
    if end is not None:
        documents = documents.filter(issued_at__date__lte=end)
    if customer:
        documents = documents.filter(
            Q(customer__name__icontains=customer) | Q(customer__email__icontains=customer)
        )
    return documents
