"""CO-2 "Commandes": the orders (not the quotes), one row each, with what they amount to
(lines not cancelled), what is invoiced and what is left to invoice."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Concat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ponton.compta.lists.base import (
    MONEY,
    Field,
    ListDefinition,
    ListFilters,
    label_of,
    moment_range,
    product_field,
    site_field,
    words_filter,
)
from ponton.sales.models import Order, OrderLine
from ponton.web.spreadsheets import Column

ZERO = Value(0, output_field=MONEY)
State = OrderLine.State


class OrderState:
    TO_INVOICE = "to_invoice"
    INVOICED = "invoiced"
    CANCELLED = "cancelled"
    choices = [
        (TO_INVOICE, gettext_lazy("À facturer")),
        (INVOICED, gettext_lazy("Facturée")),
        (CANCELLED, gettext_lazy("Annulée")),
    ]


class OrderFilters(ListFilters):
    state = forms.ChoiceField(
        label=gettext_lazy("État"),
        required=False,
        choices=[("", gettext_lazy("Tous")), *OrderState.choices],
    )
    channel = forms.ChoiceField(
        label=gettext_lazy("Canal"),
        required=False,
        choices=[("", gettext_lazy("Tous")), *Order.Channel.choices],
    )
    product = product_field()
    site = site_field()
    customer = forms.CharField(
        label=gettext_lazy("Client"), required=False, max_length=100, strip=True
    )


def _lines(*states: str) -> QuerySet:
    return OrderLine.objects.filter(order=OuterRef("pk"), state__in=states)


def _lines_total(*states: str) -> Coalesce:
    amount = (
        _lines(*states)
        .order_by()
        .values("order")
        .annotate(s=Sum(F("unit_price") * F("quantity") - F("discount"), output_field=MONEY))
        .values("s")
    )
    return Coalesce(Subquery(amount, output_field=MONEY), ZERO)


class OrderList(ListDefinition):
    slug = "commandes"
    title = gettext_lazy("Commandes")
    description = gettext_lazy(
        "Les commandes par date, état, canal, produit, site, client et montant."
    )
    form_class = OrderFilters
    default_sort = "-date"
    total_labels = [
        ("count", gettext_lazy("Commandes"), "integer"),
        ("amount", gettext_lazy("Montant"), "money"),
        ("invoiced", gettext_lazy("Facturé"), "money"),
        ("to_invoice", gettext_lazy("À facturer"), "money"),
    ]

    def fields(self) -> list[Field]:
        state = label_of(OrderState.choices)
        channel = label_of(Order.Channel.choices)
        return [
            Field(
                "number", Column(_("Numéro"), "text", lambda r: r["number"], width=16), ("number",)
            ),
            Field(
                "date",
                Column(_("Date"), "date", lambda r: timezone.localtime(r["ordered_at"]).date()),
                ("ordered_at",),
            ),
            Field(
                "customer",
                Column(_("Client"), "text", lambda r: r["customer_name"], width=28),
                ("payer__last_name", "payer__first_name"),
            ),
            Field(
                "channel",
                Column(_("Canal"), "text", lambda r: channel(r["channel"]), width=14),
                ("channel",),
            ),
            Field("state", Column(_("État"), "text", lambda r: state(r["state"]), width=14)),
            Field(
                "lines",
                Column(_("Lignes"), "integer", lambda r: r["line_count"]),
                ("line_count",),
                total="lines",
            ),
            Field(
                "amount",
                Column(_("Montant"), "money", lambda r: r["order_amount"]),
                ("order_amount",),
                total="amount",
            ),
            Field(
                "invoiced",
                Column(_("Facturé"), "money", lambda r: r["invoiced_amount"]),
                ("invoiced_amount",),
                total="invoiced",
            ),
            Field(
                "to_invoice",
                Column(_("À facturer"), "money", lambda r: r["to_invoice_amount"]),
                ("to_invoice_amount",),
                total="to_invoice",
            ),
        ]

    def values(self) -> list[str]:
        return [
            "pk",
            "number",
            "ordered_at",
            "customer_name",
            "channel",
            "state",
            "line_count",
            "order_amount",
            "invoiced_amount",
            "to_invoice_amount",
        ]

    def queryset(self, filters: dict[str, Any]) -> QuerySet:
        count = (
            _lines(State.ORDERED, State.INVOICED)
            .order_by()
            .values("order")
            .annotate(n=Count("pk"))
            .values("n")
        )
        orders = Order.objects.filter(status=Order.Status.ORDER).annotate(
            order_amount=_lines_total(State.ORDERED, State.INVOICED),
            invoiced_amount=_lines_total(State.INVOICED),
            to_invoice_amount=_lines_total(State.ORDERED),
            line_count=Coalesce(Subquery(count, output_field=IntegerField()), Value(0)),
            state=Case(
                When(Exists(_lines(State.ORDERED)), then=Value(OrderState.TO_INVOICE)),
                When(Exists(_lines(State.INVOICED)), then=Value(OrderState.INVOICED)),
                default=Value(OrderState.CANCELLED),
                output_field=CharField(),
            ),
        )
        orders = orders.filter(moment_range("ordered_at", filters.get("start"), filters.get("end")))
        if filters.get("state"):
            orders = orders.filter(state=filters["state"])
        if filters.get("channel"):
            orders = orders.filter(channel=filters["channel"])
        if filters.get("product") is not None:
            orders = orders.filter(
                Exists(OrderLine.objects.filter(order=OuterRef("pk"), product=filters["product"]))
            )
        if filters.get("site") is not None:
            orders = orders.filter(
                Exists(
                    OrderLine.objects.filter(order=OuterRef("pk"), session__site=filters["site"])
                )
            )
        if filters.get("customer"):
            orders = orders.filter(words_filter(filters["customer"], "payer"))
        if filters.get("amount_min") is not None:
            orders = orders.filter(order_amount__gte=filters["amount_min"])
        if filters.get("amount_max") is not None:
            orders = orders.filter(order_amount__lte=filters["amount_max"])
        return orders

    def for_rows(self, queryset: QuerySet) -> QuerySet:
        return queryset.annotate(
            customer_name=Concat(
                "payer__first_name", Value(" "), "payer__last_name", output_field=CharField()
            )
        )

    def totals(self, queryset: QuerySet) -> dict[str, Any]:
        return queryset.aggregate(
            count=Count("pk"),
            lines=Sum("line_count", default=0),
            amount=Sum("order_amount", default=0),
            invoiced=Sum("invoiced_amount", default=0),
            to_invoice=Sum("to_invoice_amount", default=0),
        )
