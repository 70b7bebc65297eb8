"""CO-2 "Factures et avoirs": invoices, credit notes and purchase receipts, one row each.

Amounts are signed the way they count for the structure: a credit note's total, VAT and
refunds are negative, so every money column sums to the period's net figure. "Réglé" is what
was paid on the document (payments − refunds) and "Reste dû" what is left; an invoice issued
from a purchase receipt shares the receipt's payments (one sale, `billing.selectors`), so its
"Reste dû" is 0 and the sale's balance shows on the receipt, as on the order card."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ponton.billing.models import Document, DocumentLine, Payment
from ponton.compta.lists.base import (
    MONEY,
    Field,
    ListDefinition,
    ListFilters,
    label_of,
    moment_range,
)
from ponton.web.spreadsheets import Column

ZERO = Value(0, output_field=MONEY)
# The VAT of a document: the sum of its per-rate amounts (the `vat` JSON, frozen at issue).
_VAT_SQL = (
    "(SELECT COALESCE(SUM((e->>'vat')::numeric), 0) "
    "FROM jsonb_array_elements(billing_document.vat) AS e)"
)


class SettlementState:
    SETTLED = "settled"
    OPEN = "open"
    choices = [
        ("", gettext_lazy("Tous")),
        (SETTLED, gettext_lazy("Soldé")),
        (OPEN, gettext_lazy("Non soldé")),
    ]


class DocumentFilters(ListFilters):
    kind = forms.ChoiceField(
        label=gettext_lazy("Type"),
        required=False,
        choices=[("", gettext_lazy("Tous")), *Document.Kind.choices],
    )
    state = forms.ChoiceField(
        label=gettext_lazy("Règlement"), required=False, choices=SettlementState.choices
    )
    customer = forms.CharField(
        label=gettext_lazy("Client"), required=False, max_length=100, strip=True
    )


def _signed(expression) -> Case:
    return Case(
        When(kind=Document.Kind.CREDIT_NOTE, then=-expression),
        default=expression,
        output_field=MONEY,
    )


def _local_day(moment):
    return timezone.localtime(moment).date() if moment else None


class DocumentList(ListDefinition):
    slug = "factures"
    title = gettext_lazy("Factures et avoirs")
    description = gettext_lazy(
        "Factures, avoirs et justificatifs d'achat : totaux HT, TVA, TTC, réglé et reste dû."
    )
    form_class = DocumentFilters
    default_sort = "-date"
    total_labels = [
        ("count", gettext_lazy("Documents"), "integer"),
        ("base", gettext_lazy("Total HT"), "money"),
        ("vat", gettext_lazy("TVA"), "money"),
        ("total", gettext_lazy("Total TTC"), "money"),
        ("settled", gettext_lazy("Réglé"), "money"),
        ("due", gettext_lazy("Reste dû"), "money"),
    ]

    def fields(self) -> list[Field]:
        kind = label_of(Document.Kind.choices)
        return [
            Field(
                "number",
                Column(_("Numéro"), "text", lambda r: r["number"], width=16),
                ("number",),
                link=lambda r: reverse("manager:document_pdf", args=[r["pk"]]),
            ),
            Field(
                "kind", Column(_("Type"), "text", lambda r: kind(r["kind"]), width=20), ("kind",)
            ),
            Field(
                "date",
                Column(_("Date"), "date", lambda r: _local_day(r["issued_at"])),
                ("issued_at",),
            ),
            Field(
                "customer",
                Column(_("Client"), "text", lambda r: r["customer_name"], width=28),
                ("customer_name",),
            ),
            Field(
                "order",
                Column(_("Commande"), "text", lambda r: r["order__number"], width=16),
                ("order__number",),
            ),
            Field(
                "corrects",
                Column(_("Facture corrigée"), "text", lambda r: r["corrects__number"], width=16),
            ),
            Field("base", Column(_("Total HT"), "money", lambda r: r["base_amount"]), total="base"),
            Field("vat", Column(_("TVA"), "money", lambda r: r["vat_amount"]), total="vat"),
            Field(
                "total",
                Column(_("Total TTC"), "money", lambda r: r["signed_total"]),
                ("signed_total",),
                total="total",
            ),
            Field(
                "settled",
                Column(_("Réglé"), "money", lambda r: r["settled_amount"]),
                ("settled_amount",),
                total="settled",
            ),
            Field(
                "due",
                Column(_("Reste dû"), "money", lambda r: r["due_amount"]),
                ("due_amount",),
                total="due",
            ),
        ]

    def values(self) -> list[str]:
        return [
            "pk",
            "number",
            "kind",
            "issued_at",
            "customer_name",
            "order__number",
            "corrects__number",
            "base_amount",
            "vat_amount",
            "signed_total",
            "settled_amount",
            "due_amount",
        ]

    def queryset(self, filters: dict[str, Any]) -> QuerySet:
        paid = (
            Payment.objects.filter(document=OuterRef("pk"))
            .order_by()
            .values("document")
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
        from_receipt = DocumentLine.objects.filter(
            document=OuterRef("pk"),
            order_line__document_lines__document__kind=Document.Kind.RECEIPT,
        )
        documents = Document.objects.annotate(
            signed_total=_signed(F("total")),
            vat_amount=_signed(RawSQL(_VAT_SQL, [], output_field=MONEY)),  # noqa: S611
            settled_amount=Coalesce(Subquery(paid, output_field=MONEY), ZERO),
        ).annotate(
            base_amount=F("signed_total") - F("vat_amount"),
            due_amount=Case(
                When(Q(kind=Document.Kind.INVOICE) & Exists(from_receipt), then=ZERO),
                default=F("signed_total") - F("settled_amount"),
                output_field=MONEY,
            ),
        )
        documents = documents.filter(
            moment_range("issued_at", filters.get("start"), filters.get("end"))
        )
        if filters.get("kind"):
            documents = documents.filter(kind=filters["kind"])
        if filters.get("customer"):
            for word in filters["customer"].split()[:5]:
                documents = documents.filter(
                    Q(customer__name__icontains=word) | Q(customer__email__icontains=word)
                )
        if filters.get("amount_min") is not None:
            documents = documents.filter(total__gte=filters["amount_min"])
        if filters.get("amount_max") is not None:
            documents = documents.filter(total__lte=filters["amount_max"])
        if filters.get("state") == SettlementState.SETTLED:
            documents = documents.filter(due_amount=0)
        elif filters.get("state") == SettlementState.OPEN:
            documents = documents.exclude(due_amount=0)
        return documents

    def for_rows(self, queryset: QuerySet) -> QuerySet:
        return queryset.annotate(customer_name=KeyTextTransform("name", "customer"))

    def totals(self, queryset: QuerySet) -> dict[str, Any]:
        return queryset.aggregate(
            count=Count("pk"),
            base=Sum("base_amount", default=0),
            vat=Sum("vat_amount", default=0),
            total=Sum("signed_total", default=0),
            settled=Sum("settled_amount", default=0),
            due=Sum("due_amount", default=0),
        )
