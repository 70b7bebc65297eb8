"""SM-1 marketing SMS: the hours the operators' charter allows (2026 version): 08:00–21:30
Europe/Paris, no Sundays nor French public holidays unless the structure allows them.
A promotional SMS asked for outside waits for the next allowed moment. Transactional SMS
(Click & Pay, session changes) are not concerned."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import holidays

PARIS = ZoneInfo("Europe/Paris")
OPENS = dt.time(8, 0)
CLOSES = dt.time(21, 30)


def is_day_off(day: dt.date) -> bool:
    return day.weekday() == 6 or day in holidays.country_holidays("FR", years=day.year)


def next_allowed(moment: dt.datetime, *, sundays_and_holidays: bool = False) -> dt.datetime:
    """`moment` itself when a promotional SMS may leave then, else the next allowed moment
    (aware, Europe/Paris)."""
    local = moment.astimezone(PARIS)
    for _ in range(30):  # at most a few days off in a row (e.g. Sunday + Monday holiday)
        day = local.date()
        open_day = sundays_and_holidays or not is_day_off(day)
        if open_day and local.time() < OPENS:
            return dt.datetime.combine(day, OPENS, tzinfo=PARIS)
        if open_day and local.time() <= CLOSES:
            return local
        local = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0, 0), tzinfo=PARIS)
    raise RuntimeError("no allowed moment found")  # pragma: no cover
