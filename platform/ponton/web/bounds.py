"""Sensible bounds on what people enter, the same for the Club Manager's forms, the API and
every other channel (the services check them; forms and serializers say so too):

- dates of sessions within a window around today (`YEARS_BACK` years back, `YEARS_AHEAD`
  ahead): no session in year 9999 nor in 0522, whose local time in Europe/Paris had a
  seconds offset that RFC 3339 cannot write;
- a note (of an order, an invoice, a cancellation) at most `NOTE_MAX_LENGTH` characters;
- a line's quantity at most `QUANTITY_MAX`, a session's places between 1 and `CAPACITY_MAX`,
  an order's total at most `TOTAL_MAX` (what the documents' columns hold, with room to spare).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

YEARS_BACK = 10
YEARS_AHEAD = 5
NOTE_MAX_LENGTH = 2000
QUANTITY_MAX = 10_000
CAPACITY_MAX = 100_000
TOTAL_MAX = Decimal("99999999.99")


def _years_from(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def date_window(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The first and last dates accepted, around `today` (the structure's today)."""
    today = today or timezone.localdate()
    return _years_from(today, -YEARS_BACK), _years_from(today, YEARS_AHEAD)


def date_refusal(day: dt.date) -> str | None:
    """Why `day` is refused (French), or None when it lies in the window."""
    first, last = date_window()
    if first <= day <= last:
        return None
    return _("La date doit être comprise entre le %(first)s et le %(last)s.") % {
        "first": f"{first:%d/%m/%Y}",
        "last": f"{last:%d/%m/%Y}",
    }
