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


def document_balance(*, document: Document) -> Balance:
    by_method: dict[str, Decimal] = {}
    for method, kind, amount in document.payments.values_list("method", "kind").annotate(
        s=Sum("amount")
    ):
        sign = 1 if kind == Payment.Kind.PAYMENT else -1
        by_method[method] = by_method.get(method, ZERO) + sign * amount
    if document.kind == Document.Kind.CREDIT_NOTE:
        refunded = -sum(by_method.values(), ZERO)
        return Balance(total=document.total, paid=refunded, due=document.total - refunded)
    paid = sum(by_method.values(), ZERO)
    return Balance(
        total=document.total, paid=paid, due=document.total - paid, paid_by_method=by_method
    )


def order_balance(*, order_id: int) -> Decimal:
    """What the customer still owes on the order (negative: what is owed to them)."""
    due = ZERO
    for document in Document.objects.filter(order_id=order_id).prefetch_related("payments"):
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


def order_documents(*, order_id: int):
    return Document.objects.filter(order_id=order_id).order_by("issued_at", "pk")
