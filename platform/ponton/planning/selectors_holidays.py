"""PL-1 "Ajouter des dates": the French public holidays of a period (the `holidays` package),
flagged in the recurrence's preview so that staff may leave them out, and the preview itself."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import holidays
from django.utils.translation import get_language


def public_holidays(*, start: dt.date, end: dt.date) -> dict[dt.date, str]:
    """France's public holidays between `start` and `end` (included), named in the active
    language (French, or English for an English page)."""
    if end < start:
        return {}
    language = "en_US" if (get_language() or "fr").startswith("en") else "fr"
    calendar = holidays.country_holidays(
        "FR", years=range(start.year, end.year + 1), language=language
    )
    return {day: str(name) for day, name in sorted(calendar.items()) if start <= day <= end}


@dataclass(frozen=True)
class HolidayInPeriod:
    day: dt.date
    name: str
    sessions: int  # sessions of the recurrence on that day


@dataclass(frozen=True)
class RecurrencePreview:
    """What "Ajouter les dates" will create: how many sessions, from when to when, and the
    public holidays among their days (left out when `skip_holidays`)."""

    count: int
    first: dt.date | None
    last: dt.date | None
    holidays: list[HolidayInPeriod] = field(default_factory=list)
    skip_holidays: bool = False

    @property
    def skipped(self) -> int:
        return sum(h.sessions for h in self.holidays) if self.skip_holidays else 0

    @property
    def holidays_key(self) -> str:
        """The holidays shown, as posted back by the preview: a change of period or weekdays
        that brings other holidays shows the preview again."""
        return ",".join(h.day.isoformat() for h in self.holidays)


def recurrence_preview(
    *,
    start_date: dt.date,
    end_date: dt.date,
    weekdays: Iterable[int],
    times: Sequence[tuple[dt.time, dt.time]],
    capacity: int,
    skip_holidays: bool = False,
) -> RecurrencePreview:
    """PL-1: the preview of a recurrence (refused like the services refuse it)."""
    from ponton.planning.services import recurrence_specs

    specs = recurrence_specs(
        start_date=start_date, end_date=end_date, weekdays=weekdays, times=times, capacity=capacity
    )
    days = [starts_at.date() for starts_at, _ends_at, _capacity in specs]
    named = public_holidays(start=start_date, end=end_date)
    found = [
        HolidayInPeriod(day=day, name=name, sessions=days.count(day))
        for day, name in named.items()
        if day in days
    ]
    kept = [day for day in days if not (skip_holidays and day in named)]
    return RecurrencePreview(
        count=len(kept),
        first=kept[0] if kept else None,
        last=kept[-1] if kept else None,
        holidays=found,
        skip_holidays=skip_holidays,
    )
