"""The accountant's files (CO-3): the FEC and the plain entries workbook, written to a file
whole before anyone downloads them (a journal that cannot be built, or an empty period,
leaves nothing half-written)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, cast

from django.utils.translation import gettext as _

from ponton.compta.accounting.entries import ZERO, Entry, EntryLine, JournalError, Period
from ponton.compta.accounting.fec import FecError, FecSummary, fec_filename, fec_write
from ponton.compta.accounting.fec import structure_siren as structure_siren
from ponton.compta.accounting.selectors import entries_stream
from ponton.web.spreadsheets import Column, write_xlsx


def empty_period(period: Period) -> str:
    return _("Aucune écriture %(period)s : il n'y a rien à exporter.") % {"period": period.text()}


def fec_export(*, structure, period: Period, out: IO[bytes]) -> FecSummary:
    """The FEC of every journal for the period, written to `out`. FecError without a SIREN
    or when the period has no entry; JournalError naming the documents that cannot be
    posted."""
    siren = structure_siren(structure)
    entries, records = fec_write(entries=entries_stream(period=period), out=out)
    if not entries:
        raise FecError(empty_period(period))
    return FecSummary(name=fec_filename(siren=siren, period=period), entries=entries, lines=records)


@dataclass(frozen=True, slots=True)
class EntryRow:
    number: int
    entry: Entry
    line: EntryLine


def entry_columns() -> list[Column]:
    """The workbook's columns, titled in the active language."""
    return [
        Column(_("N° d'écriture"), "integer", lambda r: r.number),
        Column(_("Date"), "date", lambda r: r.entry.date),
        Column(_("Journal"), "text", lambda r: r.entry.journal_code, width=8),
        Column(_("Pièce"), "text", lambda r: r.entry.piece_ref, width=16),
        Column(_("Date de la pièce"), "date", lambda r: r.entry.piece_date),
        Column(_("Compte"), "text", lambda r: r.line.account, width=10),
        Column(_("Libellé du compte"), "text", lambda r: r.line.account_label, width=30),
        Column(_("Compte auxiliaire"), "text", lambda r: r.line.aux_number, width=12),
        Column(_("Libellé auxiliaire"), "text", lambda r: r.line.aux_label, width=24),
        Column(_("Libellé"), "text", lambda r: r.line.label, width=48),
        Column(_("Débit"), "money", lambda r: r.line.debit),
        Column(_("Crédit"), "money", lambda r: r.line.credit),
    ]


def entry_rows(entries: Iterable[Entry]) -> Iterator[EntryRow]:
    for number, entry in enumerate(entries, start=1):
        for item in entry.lines:
            yield EntryRow(number, entry, item)


def entries_xlsx(*, period: Period, journals: list[str] | None, out: IO[bytes] | str) -> int:
    """The entries of the period (all journals, or those named) as an Excel sheet with real
    dates and euro amounts and a totals line, streamed; returns the number of lines."""
    debit, credit, label = _("Débit"), _("Crédit"), _("Libellé")
    totals: dict[str, object] = {label: _("Total"), debit: ZERO, credit: ZERO}

    failures: list[JournalError] = []

    def counted(entries: Iterable[Entry]) -> Iterator[Entry]:
        try:
            for entry in entries:
                totals[debit] = cast(Decimal, totals[debit]) + entry.debit
                totals[credit] = cast(Decimal, totals[credit]) + entry.credit
                yield entry
        except JournalError as exc:  # ends the sheet cleanly; the caller drops the file
            failures.append(exc)

    rows = entry_rows(counted(entries_stream(period=period, journals=journals)))
    count = write_xlsx(entry_columns(), rows, out, title=_("Écritures"), totals=totals)
    if failures:
        raise failures[0]
    if not count:
        raise FecError(empty_period(period))
    return count
