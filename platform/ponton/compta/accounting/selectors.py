"""Reads of the accounting (CO-3): the settings (created with the French defaults on first
read), the plan the journals post to, and the entries of a period, merged by date."""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator

from django.utils.translation import gettext as _

from ponton.compta.accounting import deposits as _deposits_journal  # noqa: F401  (registers RC)
from ponton.compta.accounting.chart import AccountPlan
from ponton.compta.accounting.entries import Entry, JournalError, Period
from ponton.compta.accounting.journals import JOURNALS
from ponton.compta.models import AccountingSettings

MAX_PROBLEMS = 20


def accounting_settings_get() -> AccountingSettings:
    """The structure's accounting settings; the row is created with the defaults the first
    time anyone reads it."""
    settings, _created = AccountingSettings.objects.get_or_create(singleton=True)
    return settings


def account_plan() -> AccountPlan:
    return AccountPlan.of(accounting_settings_get())


def journal_choices() -> list[tuple[str, str]]:
    """(key, "VE - Ventes") for every registered journal, with the structure's codes."""
    plan = account_plan()
    return [(key, f"{j.code(plan)} - {j.label}") for key, j in JOURNALS.items()]


def entries_stream(
    *, period: Period, journals: Iterable[str] | None = None, plan: AccountPlan | None = None
) -> Iterator[Entry]:
    """The entries of the period in date order (journals merged; within one day, in the
    registry's order), streamed. Raises JournalError at the end, naming every document that
    could not be posted: a caller writes its file to a temporary place and keeps it only
    when the stream ends cleanly."""
    plan = plan or account_plan()
    keys = list(journals) if journals else list(JOURNALS)
    unknown = [key for key in keys if key not in JOURNALS]
    if unknown:
        raise JournalError([_("Journal inconnu : %(key)s.") % {"key": ", ".join(unknown)}])
    problems: list[str] = []
    builders = [JOURNALS[key].build(period, plan, problems) for key in keys]
    yield from heapq.merge(*builders, key=lambda entry: entry.date)
    if problems:
        shown = problems[:MAX_PROBLEMS]
        if len(problems) > MAX_PROBLEMS:
            shown.append(
                _("… et %(count)s autres problèmes.") % {"count": len(problems) - MAX_PROBLEMS}
            )
        raise JournalError(shown)


def journal_entries(*, period: Period, journals: Iterable[str] | None = None) -> list[Entry]:
    """Every entry of the period (JournalError when one cannot be posted)."""
    return list(entries_stream(period=period, journals=journals))
