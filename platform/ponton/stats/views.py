"""Club Manager > Statistiques: Statistiques de fréquentation (ST-1) and Statistiques
financières (ST-2), their charts and tables, and each table's export to Excel or CSV (the same
figures, as real numbers). Readers: "stats.view" (owner, admin, accountant)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy

from ponton.accounts.access import staff_view
from ponton.stats.forms import StatsFilterForm
from ponton.stats.presenters import (
    attendance_summary,
    attendance_tables,
    finance_summary,
    finance_tables,
)
from ponton.stats.selectors import attendance_statistics, finance_statistics
from ponton.stats.services import revenue_summary_update
from ponton.stats.tables import StatsTable
from ponton.web.spreadsheets import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, csv_lines, xlsx_bytes


@dataclass(frozen=True)
class _Page:
    title: object
    intro: object
    url_name: str
    export_name: str
    file_prefix: str
    activities_only: bool
    compute: Callable  # (period, filters) -> statistics
    tables: Callable  # (statistics, nonce=..., charts=...) -> list[StatsTable]
    summary: Callable  # statistics -> [(label, text)]


ATTENDANCE = _Page(
    title=gettext_lazy("Statistiques de fréquentation"),
    intro=gettext_lazy(
        "Les séances qui commencent dans la période : places offertes (capacité), places "
        "vendues (commandées ou facturées ; ni devis, ni annulations, ni paniers en cours) "
        "et taux de remplissage."
    ),
    url_name="manager:stats_attendance",
    export_name="manager:stats_attendance_export",
    file_prefix="frequentation",
    activities_only=True,
    compute=lambda period, filters: attendance_statistics(period=period, filters=filters),
    tables=attendance_tables,
    summary=attendance_summary,
)
FINANCE = _Page(
    title=gettext_lazy("Statistiques financières"),
    intro=gettext_lazy(
        "Chiffre d'affaires des documents émis dans la période : factures et justificatifs "
        "d'achat moins avoirs (une facture établie d'après un justificatif n'est pas comptée "
        "deux fois), comme le journal des ventes."
    ),
    url_name="manager:stats_finance",
    export_name="manager:stats_finance_export",
    file_prefix="finances",
    activities_only=False,
    compute=lambda period, filters: _finance(period, filters),
    tables=finance_tables,
    summary=finance_summary,
)


def _finance(period, filters):
    """Past days not summarized yet are summarized first (once; docs/adr/0018): the figures
    are the same either way, only faster."""
    revenue_summary_update()
    return finance_statistics(period=period, filters=filters)


def _form(request, page: _Page) -> StatsFilterForm:
    return StatsFilterForm(data=request.GET or None, activities_only=page.activities_only)


def _page(request, page: _Page):
    form = _form(request, page)
    stats = tables = summary = None
    if not (form.is_bound and not form.is_valid()):
        stats = page.compute(form.period(), form.filters())
        if not stats.empty:
            tables = page.tables(stats, nonce=str(request.csp_nonce))
            summary = page.summary(stats)
    return render(
        request,
        "stats/page.html",
        {
            "page": page,
            "form": form,
            "stats": stats,
            "tables": tables,
            "summary": summary,
            "query": request.GET.urlencode(),
        },
    )


def _export(request, page: _Page, table: str, fmt: str):
    if fmt not in ("xlsx", "csv"):
        raise Http404
    form = _form(request, page)
    if form.is_bound and not form.is_valid():
        return redirect(f"{reverse(page.url_name)}?{request.GET.urlencode()}")
    period = form.period()
    stats = page.compute(period, form.filters())
    found: list[StatsTable] = [t for t in page.tables(stats, charts=False) if t.slug == table]
    if not found:
        raise Http404
    (chosen,) = found
    name = f"{page.file_prefix}-{chosen.slug}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.{fmt}"
    response: HttpResponse | StreamingHttpResponse
    if fmt == "xlsx":
        response = HttpResponse(
            xlsx_bytes(chosen.columns, chosen.rows, title=chosen.caption, totals=chosen.totals),
            content_type=XLSX_CONTENT_TYPE,
        )
    else:
        response = StreamingHttpResponse(
            csv_lines(chosen.columns, chosen.rows, totals=chosen.totals),
            content_type=CSV_CONTENT_TYPE,
        )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@staff_view("stats.view")
def attendance(request):
    """ST-1 Statistiques de fréquentation."""
    return _page(request, ATTENDANCE)


@staff_view("stats.view")
def attendance_export(request, table: str, fmt: str):
    """ST-1: one table of the page, with the page's filters, as .xlsx or .csv."""
    return _export(request, ATTENDANCE, table, fmt)


@staff_view("stats.view")
def finance(request):
    """ST-2 Statistiques financières."""
    return _page(request, FINANCE)


@staff_view("stats.view")
def finance_export(request, table: str, fmt: str):
    """ST-2: one table of the page, with the page's filters, as .xlsx or .csv."""
    return _export(request, FINANCE, table, fmt)
