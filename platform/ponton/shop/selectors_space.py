"""Reads of the customer space (MP-4), /compte/ on a structure's domain: the logged-in
customer's orders, invoices and credit notes, pending Click & Pay requests, upcoming sessions,
family, and the GDPR export of all of it.

Every read starts from the customer (`request.customer`, set by `customer_view`): an
`access_space_*` selector answers 404 for anything that is not theirs, whether it belongs to
another customer of the structure or does not exist, so an id in a URL tells nothing."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from ponton.billing import selectors as billing_selectors
from ponton.billing.models import Document
from ponton.customers.models import Customer
from ponton.customers.selectors import customer_export
from ponton.payments.models import PaymentRequest
from ponton.sales.models import Order, OrderLine

ZERO = Decimal("0.00")
SPACE_DOCUMENT_KINDS = (
    Document.Kind.INVOICE,
    Document.Kind.CREDIT_NOTE,
    Document.Kind.RECEIPT,
)
BOOKED_STATES = (OrderLine.State.ORDERED, OrderLine.State.INVOICED)


# --- Orders ----------------------------------------------------------------------------------


def space_orders(*, customer: Customer) -> QuerySet[Order]:
    """The customer's orders (they are the payer), newest first; quotes left out."""
    return Order.objects.filter(payer=customer, status=Order.Status.ORDER).order_by(
        "-created_at", "-id"
    )


def access_space_order(*, customer: Customer, order_id: int) -> Order:
    """One of the customer's orders named in a URL; 404 for any other."""
    order = space_orders(customer=customer).filter(pk=order_id).first()
    if order is None:
        raise Http404
    return order


@dataclass(frozen=True)
class OrderSummary:
    """An order as the customer sees it: its lines, what it costs (lines not cancelled) and
    what is left to pay (ordered lines not invoiced yet plus invoices not paid, less credit
    notes not refunded; negative: owed to the customer)."""

    order: Order
    lines: list[OrderLine]
    total: Decimal
    balance: Decimal

    @property
    def to_pay(self) -> Decimal:
        return max(self.balance, ZERO)

    @property
    def to_refund(self) -> Decimal:
        return max(-self.balance, ZERO)


def order_summaries(*, orders: list[Order]) -> list[OrderSummary]:
    """The summaries of a page of orders: their lines in one query, their documents'
    balances order by order (billing's `documents_with_balances`)."""
    lines_by_order: dict[int, list[OrderLine]] = {order.pk: [] for order in orders}
    lines = OrderLine.objects.filter(order_id__in=lines_by_order).select_related(
        "consumer", "session"
    )
    for line in lines.order_by("order_id", "position", "id"):
        lines_by_order[line.order_id].append(line)
    summaries = []
    for order in orders:
        order_lines = lines_by_order[order.pk]
        _documents, balance = billing_selectors.documents_with_balances(order_id=order.pk)
        to_invoice = sum(
            (line.total for line in order_lines if line.state == OrderLine.State.ORDERED), ZERO
        )
        summaries.append(
            OrderSummary(
                order=order,
                lines=order_lines,
                total=sum((line.total for line in order_lines if line.holds), ZERO),
                balance=to_invoice + balance.net,
            )
        )
    return summaries


def order_documents(*, order: Order) -> list[tuple[Document, billing_selectors.Balance]]:
    """The documents of one of the customer's orders, with their balances."""
    documents, _balance = billing_selectors.documents_with_balances(order_id=order.pk)
    return [(d, b) for d, b in documents if d.kind in SPACE_DOCUMENT_KINDS]


# --- Invoices and credit notes ---------------------------------------------------------------


def space_documents(*, customer: Customer) -> QuerySet[Document]:
    """The customer's invoices, credit notes and purchase receipts, newest first."""
    return (
        Document.objects.filter(payer_id=customer.pk, kind__in=SPACE_DOCUMENT_KINDS)
        .select_related("order", "corrects")
        .order_by("-issued_at", "-id")
    )


def access_space_document(*, customer: Customer, document_id: int) -> Document:
    """One of the customer's documents named in a URL; 404 for any other."""
    document = space_documents(customer=customer).filter(pk=document_id).first()
    if document is None:
        raise Http404
    return document


def document_rows(*, documents: list[Document]) -> list[tuple[Document, billing_selectors.Balance]]:
    """A page of documents with what was paid (refunded, for a credit note) and what is left."""
    return [(d, billing_selectors.document_balance(document=d)) for d in documents]


# --- Click & Pay -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PendingPayment:
    request: PaymentRequest
    document: Document
    due: Decimal  # what the payment page asks for now: the invoice's balance


def pending_payments(*, customer: Customer, limit: int = 50) -> list[PendingPayment]:
    """The customer's active Click & Pay requests whose invoice still has something to pay,
    oldest first (at most `limit`)."""
    requests = (
        PaymentRequest.objects.filter(
            state=PaymentRequest.State.ACTIVE, document__payer_id=customer.pk
        )
        .select_related("document")
        .order_by("created_at", "id")[:limit]
    )
    pending = []
    for request in requests:
        due = billing_selectors.document_balance(document=request.document).due
        if due > 0:
            pending.append(PendingPayment(request=request, document=request.document, due=due))
    return pending


# --- Sessions and family ---------------------------------------------------------------------


def family_members(*, customer: Customer) -> QuerySet[Customer]:
    """The customers the customer pays for (their family), by name."""
    return Customer.objects.filter(payer=customer, erased_at__isnull=True).order_by(
        "last_name", "first_name", "id"
    )


def access_family_member(*, customer: Customer, member_id: int) -> Customer:
    """One of the customer's family members named in a URL; 404 for anyone else."""
    member = family_members(customer=customer).filter(pk=member_id).first()
    if member is None:
        raise Http404
    return member


def upcoming_bookings(*, customer: Customer) -> QuerySet[OrderLine]:
    """Booked lines (ordered or invoiced, not cancelled) on sessions still to come, for the
    customer or one of their family, or on the customer's own orders without a named
    participant; soonest first."""
    family = list(family_members(customer=customer).values_list("pk", flat=True))
    return (
        OrderLine.objects.filter(
            Q(consumer_id__in=[customer.pk, *family])
            | Q(consumer__isnull=True, order__payer=customer),
            state__in=BOOKED_STATES,
            order__status=Order.Status.ORDER,
            session__starts_at__gt=timezone.now(),
        )
        .select_related("session", "session__product", "session__site", "consumer", "order")
        .order_by("session__starts_at", "session_id", "id")
    )


# --- GDPR export -----------------------------------------------------------------------------


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def _when(value) -> str | None:
    return value.isoformat() if value is not None else None


def _export_orders(customer: Customer) -> list[dict]:
    orders = list(space_orders(customer=customer))
    return [
        {
            "numero": summary.order.number,
            "date": _when(summary.order.ordered_at or summary.order.created_at),
            "canal": summary.order.channel,
            "total": _money(summary.total),
            "solde": _money(summary.balance),
            "lignes": [
                {
                    "designation": line.label,
                    "tarif": line.rate_name,
                    "participant": line.consumer.full_name if line.consumer else None,
                    "seance": _when(line.session.starts_at) if line.session else None,
                    "quantite": line.quantity,
                    "prix_unitaire": _money(line.unit_price),
                    "remise": _money(line.discount),
                    "montant": _money(line.total),
                    "etat": line.state,
                }
                for line in summary.lines
            ],
        }
        for summary in order_summaries(orders=orders)
    ]


def _export_documents(customer: Customer) -> list[dict]:
    return [
        {
            "numero": document.number,
            "type": document.kind,
            "commande": document.order.number,
            "date": _when(document.issued_at),
            "total": _money(balance.total),
            "regle": _money(balance.paid),
            "reste": _money(balance.due),
        }
        for document, balance in document_rows(documents=list(space_documents(customer=customer)))
    ]


def _export_payment_requests(customer: Customer) -> list[dict]:
    requests = (
        PaymentRequest.objects.filter(document__payer_id=customer.pk)
        .select_related("document")
        .order_by("created_at", "id")
    )
    return [
        {
            "facture": request.document.number,
            "montant": _money(request.amount),
            "etat": request.state,
            "envoyee_a": request.sent_to,
            "creee_le": _when(request.created_at),
            "payee_le": _when(request.paid_at),
        }
        for request in requests
    ]


def _export_participations(customer: Customer) -> list[dict]:
    """Bookings naming the customer as participant, whoever paid (without the order)."""
    lines = (
        OrderLine.objects.filter(consumer=customer, order__status=Order.Status.ORDER)
        .select_related("session")
        .order_by("id")
    )
    return [
        {
            "designation": line.label,
            "seance": _when(line.session.starts_at) if line.session else None,
            "etat": line.state,
        }
        for line in lines
    ]


def customer_space_export(*, customer: Customer) -> dict:
    """MP-4/CU-2 "Export RGPD": everything this structure holds on the logged-in customer, as
    JSON-ready data: their record (`customer_export`), their family members, their orders
    with lines, their documents, their Click & Pay requests and the bookings naming them."""
    data = customer_export(customer=customer)
    data["famille"] = [
        {
            "id": member.pk,
            "prenom": member.first_name,
            "nom": member.last_name,
            "date_de_naissance": _when(member.birth_date),
        }
        for member in family_members(customer=customer)
    ]
    data["commandes"] = _export_orders(customer)
    data["documents"] = _export_documents(customer)
    data["demandes_de_paiement"] = _export_payment_requests(customer)
    data["participations"] = _export_participations(customer)
    return data
