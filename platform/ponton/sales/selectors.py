"""Reads of sales: orders, quotes, their lines and history (OR-2, OR-3)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q
from django.http import Http404

from ponton.sales.models import Order, OrderLine


def access_order(*, order_id: int) -> Order:
    order = Order.objects.select_related("payer").filter(pk=order_id).first()
    if order is None:
        raise Http404
    return order


def quote_list():
    return Order.objects.filter(status=Order.Status.QUOTE).select_related("payer")


def order_list():
    return Order.objects.filter(status=Order.Status.ORDER).select_related("payer")


def order_search(*, status: str, query: str = ""):
    """Gérer > Commandes / Devis: by number (or the quote's number) or the payer's name."""
    from django.db.models import Q

    orders = Order.objects.filter(status=status).select_related("payer")
    for word in query.split()[:5]:
        orders = orders.filter(
            Q(number__icontains=word)
            | Q(quote_number__icontains=word)
            | Q(payer__last_name__icontains=word)
            | Q(payer__first_name__icontains=word)
            | Q(payer__email__icontains=word)
        )
    return orders.order_by("-created_at", "-id")


def order_card(*, order: Order) -> dict:
    """OR-3: the order's lines (with product, session, consumer), its history, and what is
    ordered and not invoiced yet ("Reste à facturer")."""
    from ponton.sales.models import OrderEvent, OrderLine

    lines = list(
        OrderLine.objects.filter(order=order).select_related("product", "session", "consumer")
    )
    events = list(OrderEvent.objects.filter(order=order).order_by("at", "id"))
    to_invoice = sum(
        (line.total for line in lines if line.state == OrderLine.State.ORDERED), Decimal("0.00")
    )
    return {"lines": lines, "events": events, "to_invoice": to_invoice}


@dataclass(frozen=True, slots=True)
class Registration:
    """A consumer's active booking on a session: an ordered or invoiced line of an order."""

    session_id: int
    consumer_id: int
    consumer_name: str
    order_id: int
    order_number: str


def session_registrations(
    *, pairs: Iterable[tuple[int, int]]
) -> dict[tuple[int, int], list[Registration]]:
    """The existing active registrations of each (session id, consumer id): lines still
    ordered or invoiced, of orders (not quotes). A line without a consumer is its payer's, as in
    the participants list. One query whatever the number of pairs."""
    wanted = set(pairs)
    if not wanted:
        return {}
    match = Q()
    for session_id, consumer_id in wanted:
        match |= Q(session_id=session_id) & (
            Q(consumer_id=consumer_id) | Q(consumer__isnull=True, order__payer_id=consumer_id)
        )
    lines = (
        OrderLine.objects.filter(match)
        .filter(
            state__in=[OrderLine.State.ORDERED, OrderLine.State.INVOICED],
            order__status=Order.Status.ORDER,
        )
        .select_related("consumer", "order__payer")
        .order_by("order__created_at", "order_id", "pk")
    )
    found: dict[tuple[int, int], list[Registration]] = {}
    for line in lines:
        assert line.session_id is not None  # filtered on it
        person = line.consumer or line.order.payer
        key = (line.session_id, person.pk)
        if key not in wanted:
            continue
        known = found.setdefault(key, [])
        if all(r.order_id != line.order_id for r in known):
            known.append(
                Registration(
                    session_id=line.session_id,
                    consumer_id=person.pk,
                    consumer_name=person.full_name,
                    order_id=line.order_id,
                    order_number=line.order.number,
                )
            )
    return found
