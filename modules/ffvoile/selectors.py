"""FF-1 reads: the log of calls ("Appel FF Voile") with its search, the licences of a customer
and of an order's lines."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from modules.ffvoile.models import Call, Licence, LicenceProduct, LicenseeIdentity


def calls_search(
    *,
    ordered_from: dt.date | None = None,
    ordered_to: dt.date | None = None,
    customer: str = "",
    result: str = "",
) -> QuerySet[Call]:
    """The calls, newest first, by the date of their order, the customer's name or email and
    the result."""
    calls = Call.objects.select_related("customer", "order_line__order", "licence")
    if ordered_from:
        calls = calls.filter(order_line__order__created_at__date__gte=ordered_from)
    if ordered_to:
        calls = calls.filter(order_line__order__created_at__date__lte=ordered_to)
    for word in customer.split():
        calls = calls.filter(
            Q(customer__last_name__icontains=word)
            | Q(customer__first_name__icontains=word)
            | Q(customer__email__icontains=word)
        )
    if result:
        calls = calls.filter(result=result)
    return calls


def access_call(*, call_id: int) -> Call:
    return get_object_or_404(
        Call.objects.select_related("customer", "order_line__order", "licence"), pk=call_id
    )


def access_licence(*, licence_id: int) -> Licence:
    return get_object_or_404(Licence.objects.select_related("order_line"), pk=licence_id)


def licences_of_customer(*, customer_ids: list[int]) -> QuerySet[Licence]:
    return Licence.objects.filter(customer_id__in=customer_ids).select_related("customer")


def licences_of_lines(*, line_ids: list[int]) -> dict[int, Licence]:
    return {
        licence.order_line_id: licence
        for licence in Licence.objects.filter(order_line_id__in=line_ids)
    }


def licence_kind_of(*, product) -> str:
    return (
        LicenceProduct.objects.filter(product=product).values_list("kind", flat=True).first() or ""
    )


def sexes_of(*, customer_ids: list[int]) -> dict[int, str]:
    return dict(
        LicenseeIdentity.objects.filter(customer_id__in=customer_ids).values_list(
            "customer_id", "sex"
        )
    )
