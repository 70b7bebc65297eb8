"""Compta > E-reporting (CO-5): the B2C sales of a period per day, as a page, a CSV for French
spreadsheets and a JSON named after the DGFiP's flow 10.3 (`ponton.compta.ereporting`)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from urllib.parse import urlencode

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ponton.accounts.access import staff_view
from ponton.catalogue import vat
from ponton.compta.ereporting import (
    CURRENCY,
    GOODS,
    SERVICES,
    EReportingDay,
    EReportingError,
    check_period,
    ereporting_days,
)
from ponton.web.spreadsheets import CSV_CONTENT_TYPE, Column, csv_bytes

CATEGORY_LABELS = {
    GOODS: gettext_lazy("Livraisons de biens"),
    SERVICES: gettext_lazy("Prestations de services"),
}
EXEMPT = "EXO"  # our own code: exempt sales, out of the flow, given apart


def _date_field(label) -> forms.DateField:
    return forms.DateField(
        label=label,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": gettext_lazy("Indiquez une date."),
            "invalid": gettext_lazy("Indiquez une date valide, au format JJ/MM/AAAA."),
        },
    )


class PeriodForm(forms.Form):
    start = _date_field(gettext_lazy("Du"))
    end = _date_field(gettext_lazy("Au"))

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end"):
            try:
                check_period(start=data["start"], end=data["end"])
            except EReportingError as exc:
                self.add_error("end", str(exc))
        return data


def _default_period() -> dict[str, str]:
    """The previous month, the usual period of a declaration."""
    first = timezone.localdate().replace(day=1)
    last_month_end = first - dt.timedelta(days=1)
    return {
        "start": last_month_end.replace(day=1).isoformat(),
        "end": last_month_end.isoformat(),
    }


def flat_rows(days: list[EReportingDay]) -> list[dict]:
    """One row per day, category and VAT rate (exempt sales: per day and reason)."""
    rows = []
    for day in days:
        for category in day.categories:
            for rate in category.rates:
                rows.append(
                    {
                        "day": day.day,
                        "currency": day.currency,
                        "category": category.category,
                        "label": str(CATEGORY_LABELS[category.category]),
                        "transactions": category.transactions,
                        "rate": rate.rate,
                        "taxable": rate.taxable,
                        "tax": rate.tax,
                        "total": rate.total,
                        "reason": "",
                    }
                )
        for exempt in day.exempt:
            rows.append(
                {
                    "day": day.day,
                    "currency": day.currency,
                    "category": EXEMPT,
                    "label": str(_("Ventes exonérées ou sans TVA (hors e-reporting)")),
                    "transactions": exempt.transactions,
                    "rate": Decimal("0.00"),
                    "taxable": exempt.amount,
                    "tax": Decimal("0.00"),
                    "total": exempt.amount,
                    "reason": f"{exempt.mention} ({exempt.vatex})",
                }
            )
    return rows


def columns() -> list[Column]:
    return [
        Column(_("Date (TT-77)"), "date", lambda r: r["day"]),
        Column(_("Devise (TT-78)"), "text", lambda r: r["currency"], width=10),
        Column(_("Catégorie (TT-81)"), "text", lambda r: r["category"], width=12),
        Column(_("Libellé de la catégorie"), "text", lambda r: r["label"], width=40),
        Column(_("Nombre de transactions (TT-85)"), "integer", lambda r: r["transactions"]),
        Column(_("Taux de TVA (TT-86)"), "number", lambda r: r["rate"]),
        Column(_("Montant HT (TT-87)"), "money", lambda r: r["taxable"]),
        Column(_("TVA (TT-88)"), "money", lambda r: r["tax"]),
        Column(_("Total TTC"), "money", lambda r: r["total"]),
        Column(_("Motif d'exonération"), "text", lambda r: r["reason"], width=50),
    ]


def as_json(days: list[EReportingDay], *, start: dt.date, end: dt.date) -> dict:
    """The period in the words of flow 10.3 (TG-31 per day and category, TG-32 per rate);
    amounts are strings with two decimals, exempt sales apart."""

    def amount(value: Decimal) -> str:
        return f"{value:.2f}"

    return {
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "currency": CURRENCY,
        "days": [
            {
                "date": day.day.isoformat(),
                "transactions_count": day.transactions,
                "credit_notes_count": day.credit_notes,
                "transactions": [
                    {
                        "date": day.day.isoformat(),  # TT-77
                        "currency_code": day.currency,  # TT-78
                        "category_code": category.category,  # TT-81
                        "tax_exclusive_amount": amount(category.taxable),  # TT-82
                        "tax_total": amount(category.tax),  # TT-83
                        "transactions_count": category.transactions,  # TT-85
                        "tax_subtotals": [  # TG-32
                            {
                                "percent": amount(rate.rate),  # TT-86
                                "taxable_amount": amount(rate.taxable),  # TT-87
                                "tax_amount": amount(rate.tax),  # TT-88
                            }
                            for rate in category.rates
                        ],
                    }
                    for category in day.categories
                ],
                "exempt": [
                    {
                        "reason": exempt.reason,
                        "mention": exempt.mention,
                        "vatex": exempt.vatex,
                        "transactions_count": exempt.transactions,
                        "amount": amount(exempt.amount),
                    }
                    for exempt in day.exempt
                ],
            }
            for day in days
        ],
    }


def _totals(days: list[EReportingDay]) -> dict[str, Decimal | int]:
    return {
        "taxable": sum((d.taxable for d in days), Decimal("0.00")),
        "tax": sum((d.tax for d in days), Decimal("0.00")),
        "exempt": sum((d.exempt_amount for d in days), Decimal("0.00")),
        "total": sum((d.total for d in days), Decimal("0.00")),
        "transactions": sum(d.transactions for d in days),
    }


@staff_view("compta.view")
def ereporting(request):
    """The page; `?format=csv` or `?format=json` downloads the same period."""
    form = PeriodForm(data=request.GET or _default_period())
    context: dict = {"form": form, "exemptions": vat.RULES}
    if not form.is_valid():
        return render(request, "compta/ereporting.html", context, status=400)
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    days = ereporting_days(start=start, end=end)
    export = request.GET.get("format", "")
    if days and export == "csv":
        response = HttpResponse(csv_bytes(columns(), flat_rows(days)), CSV_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="e-reporting-{start}-{end}.csv"'
        return response
    if days and export == "json":
        body = json.dumps(as_json(days, start=start, end=end), ensure_ascii=False, indent=2)
        response = HttpResponse(body, "application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="e-reporting-{start}-{end}.json"'
        return response
    context.update(
        days=days,
        start=start,
        end=end,
        totals=_totals(days),
        category_labels=CATEGORY_LABELS,
        query=urlencode({"start": start.isoformat(), "end": end.isoformat()}),
        empty_message=_(
            "Aucune vente à des particuliers (B2C) du %(start)s au %(end)s : rien à déclarer "
            "ni à exporter pour cette période."
        )
        % {"start": start.strftime("%d/%m/%Y"), "end": end.strftime("%d/%m/%Y")},
    )
    status = 400 if export and not days else 200
    return render(request, "compta/ereporting.html", context, status=status)
