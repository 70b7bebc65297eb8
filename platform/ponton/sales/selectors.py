"""Reads of sales: orders, quotes, their lines and history (OR-2, OR-3)."""

from __future__ import annotations

from decimal import Decimal

from django.http import Http404

from ponton.sales.models import Order


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
