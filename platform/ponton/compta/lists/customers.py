"""CO-2 "Clients": the customer base (erased customers left out), one row each, with the
number of their orders and what they have paid net (payments − refunds on their documents)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ponton.billing.models import Payment
from ponton.compta.lists.base import (
    MONEY,
    Field,
    ListDefinition,
    ListFilters,
    moment_range,
    words_filter,
)
from ponton.customers.models import Customer
from ponton.sales.models import Order
from ponton.web.formats import phone_text
from ponton.web.spreadsheets import Column


class CustomerFilters(ListFilters):
    customer = forms.CharField(
        label=gettext_lazy("Nom ou email"), required=False, max_length=100, strip=True
    )
    orders = forms.ChoiceField(
        label=gettext_lazy("Commandes"),
        required=False,
        choices=[
            ("", gettext_lazy("Tous les clients")),
            ("with", gettext_lazy("Avec au moins une commande")),
            ("without", gettext_lazy("Sans commande")),
        ],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["start"].label = _("Client depuis le")
        self.fields["end"].label = _("Client créé jusqu'au")
        self.fields["amount_min"].label = _("Réglé minimum (€)")
        self.fields["amount_max"].label = _("Réglé maximum (€)")


class CustomerList(ListDefinition):
    slug = "clients"
    title = gettext_lazy("Clients")
    description = gettext_lazy(
        "Le fichier clients : coordonnées, nombre de commandes et montant réglé."
    )
    form_class = CustomerFilters
    default_sort = "name"
    total_labels = [
        ("count", gettext_lazy("Clients"), "integer"),
        ("orders", gettext_lazy("Commandes"), "integer"),
        ("paid", gettext_lazy("Réglé"), "money"),
    ]

    def fields(self) -> list[Field]:
        return [
            Field(
                "name",
                Column(_("Nom"), "text", lambda r: r["last_name"], width=20),
                ("last_name", "first_name"),
            ),
            Field(
                "first_name",
                Column(_("Prénom"), "text", lambda r: r["first_name"], width=18),
                ("first_name", "last_name"),
            ),
            Field(
                "email",
                Column(_("Email"), "text", lambda r: r["email"], width=30),
                ("email",),
            ),
            Field("mobile", Column(_("Mobile"), "text", lambda r: phone_text(r["mobile"]))),
            Field("phone", Column(_("Téléphone"), "text", lambda r: phone_text(r["phone"]))),
            Field(
                "birth_date",
                Column(_("Date de naissance"), "date", lambda r: r["birth_date"], width=14),
                ("birth_date",),
            ),
            Field(
                "created",
                Column(
                    _("Client depuis"), "date", lambda r: timezone.localtime(r["created_at"]).date()
                ),
                ("created_at",),
            ),
            Field(
                "orders",
                Column(_("Commandes"), "integer", lambda r: r["order_count"]),
                ("order_count",),
                total="orders",
            ),
            Field(
                "paid",
                Column(_("Réglé"), "money", lambda r: r["paid_amount"]),
                ("paid_amount",),
                total="paid",
            ),
        ]

    def values(self) -> list[str]:
        return [
            "pk",
            "last_name",
            "first_name",
            "email",
            "mobile",
            "phone",
            "birth_date",
            "created_at",
            "order_count",
            "paid_amount",
        ]

    def queryset(self, filters: dict[str, Any]) -> QuerySet:
        orders = (
            Order.objects.filter(payer=OuterRef("pk"), status=Order.Status.ORDER)
            .order_by()
            .values("payer")
            .annotate(n=Count("pk"))
            .values("n")
        )
        paid = (
            Payment.objects.filter(document__payer_id=OuterRef("pk"))
            .order_by()
            .values("document__payer_id")
            .annotate(
                s=Sum(
                    Case(
                        When(kind=Payment.Kind.REFUND, then=-F("amount")),
                        default=F("amount"),
                        output_field=MONEY,
                    )
                )
            )
            .values("s")
        )
        customers = Customer.objects.filter(erased_at__isnull=True).annotate(
            order_count=Coalesce(Subquery(orders, output_field=IntegerField()), Value(0)),
            paid_amount=Coalesce(Subquery(paid, output_field=MONEY), Value(0, output_field=MONEY)),
        )
        customers = customers.filter(
            moment_range("created_at", filters.get("start"), filters.get("end"))
        )
        if filters.get("customer"):
            customers = customers.filter(words_filter(filters["customer"], ""))
        if filters.get("orders") == "with":
            customers = customers.filter(order_count__gt=0)
        elif filters.get("orders") == "without":
            customers = customers.filter(order_count=0)
        if filters.get("amount_min") is not None:
            customers = customers.filter(paid_amount__gte=filters["amount_min"])
        if filters.get("amount_max") is not None:
            customers = customers.filter(paid_amount__lte=filters["amount_max"])
        return customers

    def totals(self, queryset: QuerySet) -> dict[str, Any]:
        return queryset.aggregate(
            count=Count("pk"),
            orders=Sum("order_count", default=0),
            paid=Sum("paid_amount", default=0),
        )
