"""ST-1 Statistiques de fréquentation: sessions, seats offered, seats sold and fill rate of
the sessions that start in a period, by period (with the same period last year), activity,
site and rate.

A seat is sold by an order line booked on the session that is "commandé" or "facturé": a
quote's line takes no seat, a cancelled (or replaced) line gave its seat back, and seats held
in an online basket are not sold yet (`Session.sold` counts them as taken, so it is not read
here). Seats offered are the sessions' capacities. Two grouped queries (sessions, sold seats)
per period, whatever the number of sessions; Python only merges their grouped rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, DateField, Sum
from django.db.models.functions import Trunc
from django.utils import timezone
from django.utils.translation import gettext as _

from ponton.planning.models import Session
from ponton.sales.models import OrderLine
from ponton.stats.periods import Period
from ponton.stats.selectors.common import Filters, product_names, rate_percent, site_names

SOLD_STATES = (OrderLine.State.ORDERED, OrderLine.State.INVOICED)


@dataclass
class Attendance:
    """Figures of one group of sessions."""

    sessions: int = 0
    offered: int = 0
    sold: int = 0

    @property
    def fill_rate(self) -> Decimal | None:
        """Seats sold / seats offered, in percent (one decimal); None without seats."""
        return rate_percent(self.sold, self.offered)

    def add(self, sessions: int = 0, offered: int = 0, sold: int = 0) -> None:
        self.sessions += sessions
        self.offered += offered
        self.sold += sold


@dataclass
class AttendanceRow:
    key: object
    label: str
    figures: Attendance = field(default_factory=Attendance)
    previous: Attendance | None = None  # the same bucket last year (rows by period only)


@dataclass
class RateRow:
    label: str
    sold: int
    share: Decimal | None  # percent of the seats sold in the period


@dataclass
class AttendanceStatistics:
    period: Period
    total: Attendance
    previous_total: Attendance
    by_period: list[AttendanceRow]
    by_activity: list[AttendanceRow]
    by_site: list[AttendanceRow]
    by_rate: list[RateRow]

    @property
    def empty(self) -> bool:
        return self.total.sessions == 0


def _sessions(period: Period, filters: Filters):
    sessions = Session.objects.filter(
        starts_at__gte=period.since, starts_at__lt=period.until
    ).filter(filters.product_q("product"))
    if filters.site_id is not None:
        sessions = sessions.filter(site_id=filters.site_id)
    return sessions


def _bucket(field_name: str, period: Period) -> Trunc:
    return Trunc(
        field_name,
        period.grouping,
        output_field=DateField(),
        tzinfo=timezone.get_current_timezone(),
    )


def _session_rows(period: Period, filters: Filters) -> Iterable[tuple]:
    """(bucket, activity id, site id, sessions, seats offered) per group."""
    return (
        _sessions(period, filters)
        .annotate(bucket=_bucket("starts_at", period))
        .values_list("bucket", "product_id", "site_id")
        .annotate(count=Count("pk"), offered=Sum("capacity"))
        .order_by()
    )


def _sold_rows(period: Period, filters: Filters) -> Iterable[tuple]:
    """(bucket, activity id, site id, rate name, seats sold) per group."""
    lines = OrderLine.objects.filter(
        state__in=SOLD_STATES,
        session__starts_at__gte=period.since,
        session__starts_at__lt=period.until,
    ).filter(filters.product_q("session__product"))
    if filters.site_id is not None:
        lines = lines.filter(session__site_id=filters.site_id)
    return (
        lines.annotate(bucket=_bucket("session__starts_at", period))
        .values_list("bucket", "session__product_id", "session__site_id", "rate_name")
        .annotate(seats=Sum("quantity"))
        .order_by()
    )


def _by_bucket(period: Period, filters: Filters) -> dict[dt.date, Attendance]:
    figures: dict[dt.date, Attendance] = {}
    for bucket, _product, _site, count, offered in _session_rows(period, filters):
        figures.setdefault(bucket, Attendance()).add(sessions=count, offered=offered)
    for bucket, _product, _site, _rate, seats in _sold_rows(period, filters):
        figures.setdefault(bucket, Attendance()).add(sold=seats)
    return figures


def attendance_statistics(
    *, period: Period, filters: Filters | None = None
) -> AttendanceStatistics:
    """ST-1: the figures of the sessions starting in `period`, and of the same period last
    year by bucket."""
    filters = filters or Filters()
    by_bucket: dict[dt.date, Attendance] = {}
    by_activity: dict[int, Attendance] = {}
    by_site: dict[int | None, Attendance] = {}
    by_rate: dict[str, int] = {}
    total = Attendance()
    for bucket, product_id, site_id, count, offered in _session_rows(period, filters):
        for group in (
            by_bucket.setdefault(bucket, Attendance()),
            by_activity.setdefault(product_id, Attendance()),
            by_site.setdefault(site_id, Attendance()),
            total,
        ):
            group.add(sessions=count, offered=offered)
    for bucket, product_id, site_id, rate_name, seats in _sold_rows(period, filters):
        for group in (
            by_bucket.setdefault(bucket, Attendance()),
            by_activity.setdefault(product_id, Attendance()),
            by_site.setdefault(site_id, Attendance()),
            total,
        ):
            group.add(sold=seats)
        by_rate[rate_name] = by_rate.get(rate_name, 0) + seats

    previous = period.previous()
    previous_by_bucket: dict[dt.date, Attendance] = {}
    previous_total = Attendance()
    for bucket, figures in _by_bucket(previous, filters).items():
        previous_by_bucket.setdefault(period.to_current(bucket), Attendance()).add(
            figures.sessions, figures.offered, figures.sold
        )
        previous_total.add(figures.sessions, figures.offered, figures.sold)

    activities = product_names(by_activity, none_label=_("Sans activité"))
    sites = site_names(by_site)
    return AttendanceStatistics(
        period=period,
        total=total,
        previous_total=previous_total,
        by_period=[
            AttendanceRow(
                key=bucket,
                label=period.label(bucket),
                figures=by_bucket.get(bucket, Attendance()),
                previous=previous_by_bucket.get(bucket, Attendance()),
            )
            for bucket in period.buckets()
        ],
        by_activity=sorted(
            (
                AttendanceRow(key=pk, label=activities[pk], figures=f)
                for pk, f in by_activity.items()
            ),
            key=lambda row: (-row.figures.sold, row.label),
        ),
        by_site=sorted(
            (AttendanceRow(key=pk, label=sites[pk], figures=f) for pk, f in by_site.items()),
            key=lambda row: (row.key is None, row.label),
        ),
        by_rate=sorted(
            (
                RateRow(
                    label=name or _("Sans tarif"), sold=seats, share=rate_percent(seats, total.sold)
                )
                for name, seats in by_rate.items()
            ),
            key=lambda row: (-row.sold, row.label),
        ),
    )
