"""Club Manager > Compta > Listes (CO-2): the five lists, each filtered by GET parameters (a
bookmarkable URL), sorted by a whitelisted column, paginated, with the totals of every
filtered row; "Excel" and "CSV" export exactly those rows — at once up to
`COMPTA_EXPORT_BACKGROUND_THRESHOLD` rows, else as a background job with its progress and its
file kept in "Mes exports"."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ponton.accounts.access import staff_view
from ponton.compta import services_exports
from ponton.compta.lists import LISTS, list_definition
from ponton.compta.lists.base import (
    PAGE_SIZE,
    Field,
    ListDefinition,
    ListRequest,
    export_rows,
    list_page,
    list_request,
)
from ponton.compta.models import ExportJob
from ponton.compta.selectors_exports import access_export_job, my_exports
from ponton.web.formats import money_text
from ponton.web.spreadsheets import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, csv_lines, xlsx_bytes

NUMERIC = ("money", "number", "integer", "percent")


def display(kind: str, value: object) -> str:
    """A cell of a list as the page shows it: "1 234,50 €", "06/12/2026"…"""
    if value is None or value == "":
        return ""
    if kind == "money":
        return money_text(value)
    if kind == "number":
        return number_format(Decimal(str(value)), decimal_pos=2, use_l10n=True, force_grouping=True)
    if kind == "integer":
        return number_format(int(str(value)), use_l10n=True, force_grouping=True)
    if isinstance(value, dt.datetime):
        moment = timezone.localtime(value)
        return moment.strftime("%d/%m/%Y") if kind == "date" else moment.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return str(value)


@dataclass(frozen=True)
class Header:
    title: str
    numeric: bool
    url: str  # sorts by this column ("" when not sortable)
    direction: str  # "ascending", "descending" or "" (aria-sort of the current sort)


def _query(params, **changes) -> str:
    query = params.copy()
    for name, value in changes.items():
        query.pop(name, None)
        if value:
            query[name] = value
    return query.urlencode()


def _headers(request, fields: list[Field], sort: str) -> list[Header]:
    headers = []
    for field in fields:
        direction = ""
        url = ""
        if field.sort:
            current = sort.lstrip("-") == field.key
            descending = sort.startswith("-")
            if current:
                direction = "descending" if descending else "ascending"
            target = f"-{field.key}" if current and not descending else field.key
            url = "?" + _query(request.GET, sort=target, page="")
        headers.append(
            Header(str(field.column.title), field.column.kind in NUMERIC, url, direction)
        )
    return headers


def _cells(fields: list[Field], row: dict) -> list[tuple[str, bool, str]]:
    cells = []
    for field in fields:
        text = display(field.column.kind, field.column.value(row))
        link = field.link(row) if field.link is not None and text else None
        cells.append((text, field.column.kind in NUMERIC, link or ""))
    return cells


@staff_view("compta.view")
def lists_index(request):
    """Compta > Listes: the five lists, each with "Ouvrir"."""
    return render(request, "compta/lists/index.html", {"lists": list(LISTS.values())})


@staff_view("compta.view")
def list_detail(request, slug: str):
    definition = list_definition(slug)
    asked = list_request(definition, request.GET)
    page = list_page(asked) if asked.valid else None
    fields = definition.fields()
    context = {
        "definition": definition,
        "form": asked.form,
        "notices": asked.errors,
        "headers": _headers(request, fields, asked.sort),
        "page": page,
        "rows": [_cells(fields, row) for row in page.rows] if page else [],
        "footer": _footer(definition, fields, page.totals) if page else [],
        "totals": _totals(definition, page.totals) if page else [],
        "query": request.GET.urlencode(),
        "page_size": PAGE_SIZE,
        "threshold": services_exports.background_threshold(),
    }
    if page is not None:
        context["previous_url"] = (
            "?" + _query(request.GET, page=str(page.page - 1)) if page.page > 1 else ""
        )
        context["next_url"] = (
            "?" + _query(request.GET, page=str(page.page + 1)) if page.page < page.pages else ""
        )
    return render(request, "compta/lists/list.html", context)


def _totals(definition: ListDefinition, totals: dict) -> list[tuple[str, str, str]]:
    return [
        (name, str(label), display(kind, totals.get(name)))
        for name, label, kind in definition.total_labels
    ]


def _footer(definition: ListDefinition, fields: list[Field], totals: dict) -> list[str]:
    """The totals line under the table: each total under its column."""
    return [display(f.column.kind, totals.get(f.total)) if f.total else "" for f in fields]


def _download(asked: ListRequest, fmt: str) -> HttpResponse | StreamingHttpResponse:
    definition = asked.definition
    name = services_exports.export_file_name(definition, fmt)
    response: HttpResponse | StreamingHttpResponse
    if fmt == ExportJob.Format.XLSX:
        content = xlsx_bytes(definition.columns(), export_rows(asked), title=str(definition.title))
        response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    else:
        response = StreamingHttpResponse(
            csv_lines(definition.columns(), export_rows(asked)), content_type=CSV_CONTENT_TYPE
        )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@staff_view("compta.view")
@require_POST
def list_export(request, slug: str):
    """ "Excel" / "CSV" on a list: the filters are the list's own (the query string of this
    URL). Small lists download at once; larger ones become a kept export."""
    definition = list_definition(slug)
    fmt = request.POST.get("format", "")
    asked = list_request(definition, request.GET)
    back = reverse("manager:compta_list", args=[slug]) + "?" + request.GET.urlencode()
    if fmt not in services_exports.FORMATS or not asked.valid:
        messages.error(request, _("Corrigez les filtres de la liste avant de l'exporter."))
        return redirect(back)
    count = definition.queryset(asked.filters).count()
    if count == 0:
        messages.error(request, _("Aucune ligne ne correspond à ces filtres : rien à exporter."))
        return redirect(back)
    if count <= services_exports.background_threshold():
        return _download(asked, fmt)
    try:
        job = services_exports.export_job_start(
            slug=slug, params=request.GET, fmt=fmt, created_by_id=request.user.pk
        )
    except services_exports.ExportError as exc:
        messages.error(request, str(exc))
        return redirect(back)
    messages.success(
        request,
        _("L'export de %(count)s lignes est en préparation : il restera dans « Mes exports ».")
        % {"count": number_format(count, use_l10n=True, force_grouping=True)},
    )
    return redirect("manager:compta_export", job_id=job.pk)


@staff_view("compta.view")
def exports_mine(request):
    """ "Mes exports": the exports this person asked for, newest first."""
    return render(
        request, "compta/exports/list.html", {"jobs": list(my_exports(account_id=request.user.pk))}
    )


@staff_view("compta.view")
def export_detail(request, job_id: int):
    job = access_export_job(job_id=job_id, account_id=request.user.pk)
    return render(request, "compta/exports/detail.html", {"job": job})


@staff_view("compta.view")
def export_progress(request, job_id: int):
    """The progress fragment: htmx swaps it in place every second until the file is ready."""
    job = access_export_job(job_id=job_id, account_id=request.user.pk)
    response = render(request, "compta/exports/progress.html", {"job": job})
    response["Cache-Control"] = "no-store"
    return response


@staff_view("compta.view")
def export_download(request, job_id: int):
    """The kept file, for its author only (private storage, never served by path)."""
    job = access_export_job(job_id=job_id, account_id=request.user.pk)
    if job.state != ExportJob.State.DONE or not job.file:
        raise Http404
    content_type = XLSX_CONTENT_TYPE if job.format == ExportJob.Format.XLSX else CSV_CONTENT_TYPE
    response = FileResponse(
        job.file.open("rb"), as_attachment=True, filename=job.file_name, content_type=content_type
    )
    response["Cache-Control"] = "private, no-store"
    return response
