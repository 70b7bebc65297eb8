"""CO-2 "Paiements": the payments received and the refunds paid out, one row each. The
amount is signed (a refund is negative), so the column sums to what was collected net."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Case, CharField, Count, F, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Concat
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ponton.billing.models import Payment
from ponton.compta.lists.base import (
    Field,
    ListDefinition,
    ListFilters,
    label_of,
    words_filter,
)
from ponton.web.spreadsheets import Column


class PaymentFilters(ListFilters):
    kind = forms.ChoiceField(
        label=gettext_lazy("Type"),
        required=False,
        choices=[("", gettext_lazy("Paiements et remboursements")), *Payment.Kind.choices],
    )
    method = forms.ChoiceField(
        label=gettext_lazy("Mode de paiement"),
        required=False,
        choices=[("", gettext_lazy("Tous")), *Payment.Method.choices],
    )
    customer = forms.CharField(
        label=gettext_lazy("Client"), required=False, max_length=100, strip=True
    )


def _pdf_link(row: dict) -> str | None:
    return reverse("manager:document_pdf", args=[row["document_id"]])


class PaymentList(ListDefinition):
    slug = "paiements"
    title = gettext_lazy("Paiements")
    description = gettext_lazy(
        "Les paiements reçus et les remboursements, par date, mode, client et montant."
    )
    form_class = PaymentFilters
    default_sort = "-date"
    total_labels = [
        ("count", gettext_lazy("Lignes"), "integer"),
        ("payments", gettext_lazy("Paiements"), "money"),
        ("refunds", gettext_lazy("Remboursements"), "money"),
        ("net", gettext_lazy("Total net"), "money"),
    ]

    def fields(self) -> list[Field]:
        kind = label_of(Payment.Kind.choices)
        method = label_of(Payment.Method.choices)
        return [
            Field("date", Column(_("Date"), "date", lambda r: r["received_on"]), ("received_on",)),
            Field("kind", Column(_("Type"), "text", lambda r: kind(r["kind"])), ("kind",)),
            Field(
                "method",
                Column(_("Mode de paiement"), "text", lambda r: method(r["method"]), width=18),
                ("method",),
            ),
            Field(
                "amount",
                Column(_("Montant"), "money", lambda r: r["signed"]),
                ("signed",),
                total="net",
            ),
            Field(
                "document",
                Column(_("Pièce"), "text", lambda r: r["document__number"], width=16),
                ("document__number",),
                link=_pdf_link,
            ),
            Field(
                "customer",
                Column(_("Client"), "text", lambda r: r["customer_name"], width=28),
                ("document__order__payer__last_name", "document__order__payer__first_name"),
            ),
            Field(
                "order",
                Column(_("Commande"), "text", lambda r: r["document__order__number"], width=16),
                ("document__order__number",),
            ),
            Field("bank", Column(_("Banque"), "text", lambda r: r["cheque_bank"], width=18)),
            Field(
                "cheque",
                Column(_("N° de chèque"), "text", lambda r: r["cheque_number"], width=14),
            ),
            Field("issuer", Column(_("Émetteur"), "text", lambda r: r["cheque_issuer"])),
            Field("reference", Column(_("Référence"), "text", lambda r: r["reference"])),
            Field(
                "recorded",
                Column(_("Enregistré le"), "datetime", lambda r: r["recorded_at"], width=17),
                ("recorded_at",),
            ),
        ]

    def values(self) -> list[str]:
        return [
            "pk",
            "received_on",
            "kind",
            "method",
            "signed",
            "document_id",
            "document__number",
            "customer_name",
            "document__order__number",
            "cheque_bank",
            "cheque_number",
            "cheque_issuer",
            "reference",
            "recorded_at",
        ]

    def queryset(self, filters: dict[str, Any]) -> QuerySet:
        payments = Payment.objects.annotate(
            signed=Case(
                When(kind=Payment.Kind.REFUND, then=-F("amount")),
                default=F("amount"),
            )
        )
        if filters.get("start"):
            payments = payments.filter(received_on__gte=filters["start"])
        if filters.get("end"):
            payments = payments.filter(received_on__lte=filters["end"])
        if filters.get("kind"):
            payments = payments.filter(kind=filters["kind"])
        if filters.get("method"):
            payments = payments.filter(method=filters["method"])
        if filters.get("customer"):
            payments = payments.filter(words_filter(filters["customer"], "document__order__payer"))
        if filters.get("amount_min") is not None:
            payments = payments.filter(amount__gte=filters["amount_min"])
        if filters.get("amount_max") is not None:
            payments = payments.filter(amount__lte=filters["amount_max"])
        return payments

    def for_rows(self, queryset: QuerySet) -> QuerySet:
        return queryset.annotate(
            customer_name=Concat(
                "document__order__payer__first_name",
                Value(" "),
                "document__order__payer__last_name",
                output_field=CharField(),
            )
        )

    def totals(self, queryset: QuerySet) -> dict[str, Any]:
        return queryset.aggregate(
            count=Count("pk"),
            payments=Sum("amount", filter=Q(kind=Payment.Kind.PAYMENT), default=0),
            refunds=Sum("amount", filter=Q(kind=Payment.Kind.REFUND), default=0),
            net=Sum("signed", default=0),
        )
