"""Periods of the statistics (ST-1, ST-2): a range of days in Europe/Paris, a grouping (day,
week, month, year), its buckets and their French labels, and the same period last year.

Buckets are the first day of each day, ISO week (Monday), month or year, as PostgreSQL's
`date_trunc` gives them on Paris wall-clock time. "Last year" is the same calendar days one year
earlier, except by week: 52 weeks earlier, so that Mondays stay Mondays and week k of N faces
week k of N-1."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from django.utils import formats, timezone
from django.utils.translation import gettext as _

Grouping = Literal["day", "week", "month", "year"]
GROUPINGS: tuple[Grouping, ...] = ("day", "week", "month", "year")
MAX_BUCKETS = 400  # a year by day, eight years by week: more is unreadable in a chart


def local_midnight(day: dt.date) -> dt.datetime:
    """The moment a Paris day starts (aware), to filter datetimes stored in UTC."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def year_earlier(day: dt.date) -> dt.date:
    """The same calendar day one year earlier; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def year_later(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def bucket_of(day: dt.date, grouping: Grouping) -> dt.date:
    """The first day of the bucket holding `day` (as `date_trunc` computes it)."""
    if grouping == "day":
        return day
    if grouping == "week":
        return day - dt.timedelta(days=day.weekday())
    if grouping == "month":
        return day.replace(day=1)
    return day.replace(month=1, day=1)


def next_bucket(bucket: dt.date, grouping: Grouping) -> dt.date:
    if grouping == "day":
        return bucket + dt.timedelta(days=1)
    if grouping == "week":
        return bucket + dt.timedelta(days=7)
    if grouping == "month":
        return (bucket.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return bucket.replace(year=bucket.year + 1)


def bucket_label(bucket: dt.date, grouping: Grouping) -> str:
    """French labels: "06/12/2026", "semaine du 30/11/2026", "décembre 2026", "2026"."""
    if grouping == "day":
        return bucket.strftime("%d/%m/%Y")
    if grouping == "week":
        return _("semaine du %(day)s") % {"day": bucket.strftime("%d/%m/%Y")}
    if grouping == "month":
        return formats.date_format(bucket, "F Y")
    return str(bucket.year)


@dataclass(frozen=True)
class Period:
    """Days `start` to `end` (both included, Paris time), grouped by `grouping`."""

    start: dt.date
    end: dt.date
    grouping: Grouping = "month"

    @property
    def since(self) -> dt.datetime:
        return local_midnight(self.start)

    @property
    def until(self) -> dt.datetime:
        """The first moment after the period (exclusive bound)."""
        return local_midnight(self.end + dt.timedelta(days=1))

    def buckets(self) -> list[dt.date]:
        """Every bucket of the period, in order, empty ones included."""
        result = []
        bucket = bucket_of(self.start, self.grouping)
        while bucket <= self.end:
            result.append(bucket)
            bucket = next_bucket(bucket, self.grouping)
        return result

    def bucket_count(self) -> int:
        first, last = bucket_of(self.start, self.grouping), bucket_of(self.end, self.grouping)
        if self.grouping == "day":
            return (last - first).days + 1
        if self.grouping == "week":
            return (last - first).days // 7 + 1
        if self.grouping == "month":
            return (last.year - first.year) * 12 + last.month - first.month + 1
        return last.year - first.year + 1

    def label(self, bucket: dt.date) -> str:
        return bucket_label(bucket, self.grouping)

    def previous(self) -> Period:
        """The same period last year (52 weeks earlier when grouped by week)."""
        if self.grouping == "week":
            weeks = dt.timedelta(weeks=52)
            return Period(self.start - weeks, self.end - weeks, self.grouping)
        return Period(year_earlier(self.start), year_earlier(self.end), self.grouping)

    def to_current(self, bucket: dt.date) -> dt.date:
        """A bucket of `previous()` -> the bucket of this period it is compared with."""
        if self.grouping == "week":
            return bucket + dt.timedelta(weeks=52)
        return bucket_of(year_later(bucket), self.grouping)

    def describe(self) -> str:
        return _("du %(start)s au %(end)s") % {
            "start": self.start.strftime("%d/%m/%Y"),
            "end": self.end.strftime("%d/%m/%Y"),
        }


def default_period(today: dt.date | None = None) -> Period:
    """This year by month: what the pages show before any filter."""
    today = today or timezone.localdate()
    return Period(dt.date(today.year, 1, 1), dt.date(today.year, 12, 31), "month")
