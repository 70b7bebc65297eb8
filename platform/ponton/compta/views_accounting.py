"""Compta > Écritures comptables and Paramètres comptables (CO-3): a period's entries per
journal with their totals, the entries as Excel, the FEC; the accounts and journal codes.

Files are written whole to a temporary file before they are sent: a journal that cannot be
built, a period without entries or a structure without SIREN gives a French message on the
page, never half a file."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from ponton.accounts.access import staff_view
from ponton.accounts.permissions import role_has
from ponton.compta.accounting import exports
from ponton.compta.accounting.entries import ZERO, Entry, JournalError
from ponton.compta.accounting.fec import CONTENT_TYPE, FecError
from ponton.compta.accounting.selectors import (
    accounting_settings_get,
    entries_stream,
    journal_choices,
)
from ponton.compta.accounting.services import SettingsError, accounting_settings_update
from ponton.compta.forms_accounting import AccountingSettingsForm, JournalFilterForm
from ponton.sales.services import Actor
from ponton.web.spreadsheets import XLSX_CONTENT_TYPE

SHOWN_ENTRIES = 300


def _actor(request) -> Actor:
    user = request.user
    return Actor(account_id=user.pk, name=user.get_full_name() or user.email)


def _filter_form(request) -> JournalFilterForm:
    return JournalFilterForm(
        request.GET or None,
        journals=journal_choices(),
        initial=JournalFilterForm.month_so_far(),
    )


def _journals(form: JournalFilterForm) -> list[str] | None:
    key = form.cleaned_data.get("journal")
    return [key] if key else None


def _summary(entries: Iterable[Entry], shown: int) -> dict:
    """Totals per journal and overall over every entry, streamed (a year is hundreds of
    thousands of entries); the page keeps only the first `shown`."""
    per_journal: dict[str, dict] = {}
    debit = credit = ZERO
    first: list[tuple[int, Entry]] = []
    count = 0
    for count, entry in enumerate(entries, start=1):
        if count <= shown:
            first.append((count, entry))
        row = per_journal.get(entry.journal_code)
        if row is None:
            row = per_journal[entry.journal_code] = {
                "code": entry.journal_code,
                "label": entry.journal_label,
                "entries": 0,
                "debit": ZERO,
                "credit": ZERO,
            }
        entry_debit, entry_credit = entry.debit, entry.credit
        row["entries"] += 1
        row["debit"] += entry_debit
        row["credit"] += entry_credit
        debit += entry_debit
        credit += entry_credit
    return {
        "journals": sorted(per_journal.values(), key=lambda r: r["code"]),
        "count": count,
        "debit": debit,
        "credit": credit,
        "shown": first,
        "cut": count > shown,
    }


@staff_view("compta.view")
def journals(request):
    """Choose a period and a journal, see the entries and their totals (at first, the month
    so far's entries of every journal)."""
    form = _filter_form(request)
    if not form.is_bound:
        form = JournalFilterForm(
            {k: v.isoformat() for k, v in JournalFilterForm.month_so_far().items()},
            journals=journal_choices(),
        )
    context: dict = {"form": form, "limit": SHOWN_ENTRIES}
    if form.is_bound and form.is_valid():
        period = form.cleaned_data["period"]
        try:
            summary = _summary(
                entries_stream(period=period, journals=_journals(form)), SHOWN_ENTRIES
            )
        except JournalError as exc:
            context["problems"] = exc.messages
        else:
            context["summary"] = summary
            context["period"] = period
            context["query"] = request.GET.urlencode()
    return render(request, "compta/accounting/journals.html", context)


def _back_with(request, problems: list[str]):
    for problem in problems:
        messages.error(request, problem)
    query = request.GET.urlencode()
    return redirect(reverse("manager:compta_journals") + (f"?{query}" if query else ""))


def _file_response(file, *, name: str, content_type: str) -> FileResponse:
    file.seek(0)
    return FileResponse(file, as_attachment=True, filename=name, content_type=content_type)


@staff_view("compta.view")
def entries_excel(request):
    """The period's entries (the chosen journal, or all) as an Excel workbook."""
    form = _filter_form(request)
    if not form.is_valid():
        return _back_with(request, [e for errors in form.errors.values() for e in errors])
    period = form.cleaned_data["period"]
    file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by FileResponse
    try:
        exports.entries_xlsx(period=period, journals=_journals(form), out=file)
    except (JournalError, FecError) as exc:
        file.close()
        return _back_with(request, getattr(exc, "messages", [str(exc)]))
    name = f"ecritures-{period.start:%Y%m%d}-{period.end:%Y%m%d}.xlsx"
    return _file_response(file, name=name, content_type=XLSX_CONTENT_TYPE)


@staff_view("compta.view")
def fec(request):
    """The FEC of the period: every journal (a FEC is never one journal alone)."""
    form = _filter_form(request)
    if not form.is_valid():
        return _back_with(request, [e for errors in form.errors.values() for e in errors])
    file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by FileResponse
    try:
        summary = exports.fec_export(
            structure=request.tenant, period=form.cleaned_data["period"], out=file
        )
    except (JournalError, FecError) as exc:
        file.close()
        return _back_with(request, getattr(exc, "messages", [str(exc)]))
    return _file_response(file, name=summary.name, content_type=CONTENT_TYPE)


@staff_view("compta.view")
def settings(request):
    """Paramètres comptables: seen by those who keep the books, changed by those who may
    change the structure's settings."""
    may_edit = role_has(request.membership.role, "structure.settings")
    instance = accounting_settings_get()
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied("role may not change the structure's settings")
        form = AccountingSettingsForm(request.POST, instance=instance)
        if form.is_valid():
            try:
                accounting_settings_update(values=form.cleaned_data, actor=_actor(request))
            except SettingsError as exc:
                for field, message in exc.errors.items():
                    form.add_error(field, message)
            else:
                messages.success(request, _("Paramètres comptables enregistrés."))
                return redirect("manager:compta_settings")
    else:
        form = AccountingSettingsForm(instance=instance, read_only=not may_edit)
    return render(request, "compta/accounting/settings.html", {"form": form, "may_edit": may_edit})
