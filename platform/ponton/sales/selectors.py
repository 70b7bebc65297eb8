"""Reads of sales: orders, quotes, their lines and history (OR-2, OR-3)."""

from __future__ import annotations

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
