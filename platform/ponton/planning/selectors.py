"""Reads of the planning (PL-2 numbering and session page, PL-3 day, week and month views of
the general and dedicated plannings).

The number of a session in its series is computed here, not stored: a correlated subquery counts
the sessions of the same activity starting before it (ties broken by id). A window function
would be renumbered by the WHERE of a date-range filter (the week), the subquery is not."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Max, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from ponton.catalogue.models import Product
from ponton.planning.models import Resource, Session


def with_number(queryset: QuerySet[Session]) -> QuerySet[Session]:
    before = (
        Session.objects.filter(product=OuterRef("product"))
        .filter(
            Q(starts_at__lt=OuterRef("starts_at"))
            | Q(starts_at=OuterRef("starts_at"), id__lte=OuterRef("id"))
        )
        .order_by()
        .values("product")
        .annotate(n=Count("id"))
        .values("n")
    )
    return queryset.annotate(number=Coalesce(Subquery(before), 0))


def session_list(
    *,
    product: Product | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    resource: Resource | None = None,
) -> QuerySet[Session]:
    queryset = Session.objects.select_related("product", "site")
    if product is not None:
        queryset = queryset.filter(product=product)
    if resource is not None:  # RE-1: the sessions a resource is booked on
        queryset = queryset.filter(resource_bookings__resource=resource)
    if start is not None:
        queryset = queryset.filter(starts_at__gte=start)
    if end is not None:
        queryset = queryset.filter(starts_at__lt=end)
    return with_number(queryset).order_by("starts_at", "id")


def access_session(*, session_id: int) -> Session:
    session = with_number(Session.objects.select_related("product")).filter(pk=session_id).first()
    if session is None:
        raise Http404
    return session


def activity_list() -> QuerySet[Product]:
    return (
        Product.objects.filter(kind=Product.Kind.ACTIVITY)
        .exclude(status=Product.Status.ARCHIVED)
        .order_by("name", "id")
    )


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


@dataclass(frozen=True, slots=True)
class SessionCell:
    """One session as the planning views show it (no model instance: 1,400 of them a week)."""

    pk: int
    product_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    capacity: int
    sold: int
    number: int

    @property
    def free(self) -> int:
        return self.capacity - self.sold


def session_cells(
    *,
    start: dt.datetime,
    end: dt.datetime,
    product: Product | None = None,
    resource: Resource | None = None,
) -> list[SessionCell]:
    """The sessions starting in [start, end) (of one activity if given), numbered in their
    series, in local time."""
    zone = timezone.get_current_timezone()
    rows = session_list(product=product, start=start, end=end, resource=resource).values_list(  # type: ignore[misc]
        "pk", "product_id", "starts_at", "ends_at", "capacity", "sold", "number"
    )
    return [
        SessionCell(pk, product, starts.astimezone(zone), ends.astimezone(zone), cap, sold, n)
        for pk, product, starts, ends, cap, sold, n in rows
    ]


def _local_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def _planned_activities(
    product: Product | None, cells: list[SessionCell] | None = None
) -> list[Product]:
    """The rows of a planning: one activity, every activity, or (the planning of a resource,
    `cells` given) the activities of its sessions."""
    if product is not None:
        return [product]
    if cells is not None:
        ids = {cell.product_id for cell in cells}
        return list(Product.objects.filter(pk__in=ids).only("pk", "name").order_by("name", "pk"))
    return list(activity_list().only("pk", "name"))


def planning_days(
    *,
    first: dt.date,
    count: int,
    product: Product | None = None,
    resource: Resource | None = None,
) -> dict:
    """PL-3: every activity (general planning) or one activity (dedicated planning) with its
    sessions of `count` days from `first`, one cell per activity and day: two queries (one for
    a dedicated planning), whatever the number of activities and sessions. RE-1: with
    `resource`, the sessions it is booked on, one row per activity."""
    days = [first + dt.timedelta(days=i) for i in range(count)]
    start, end = _local_midnight(first), _local_midnight(first + dt.timedelta(days=count))
    found = session_cells(start=start, end=end, product=product, resource=resource)
    activities = _planned_activities(product, found if resource is not None else None)
    cells: dict[int, list[list[SessionCell]]] = {a.pk: [[] for _ in days] for a in activities}
    for session in found:
        row = cells.get(session.product_id)
        if row is not None:
            row[(session.starts_at.date() - first).days].append(session)
    return {"days": days, "rows": [(a, cells[a.pk]) for a in activities]}


def planning_week(
    *, monday: dt.date, product: Product | None = None, resource: Resource | None = None
) -> dict:
    """PL-3: the week (Monday to Sunday) of the general or a dedicated planning (RE-1: or of
    a resource)."""
    return {
        "monday": monday,
        **planning_days(first=monday, count=7, product=product, resource=resource),
    }


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def previous_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


@dataclass(frozen=True, slots=True)
class MonthDay:
    """One square of the month calendar: its sessions as (activity, cell), by start time."""

    day: dt.date
    in_month: bool
    sessions: list[tuple[Product, SessionCell]]


def planning_month(
    *, month: dt.date, product: Product | None = None, resource: Resource | None = None
) -> dict:
    """PL-3: the calendar of a month (whole weeks, Monday first) of the general or a dedicated
    planning: two queries (one for a dedicated planning), whatever its size."""
    first = month_start(month)
    grid_start = week_start(first)
    grid_end = week_start(next_month(first) - dt.timedelta(days=1)) + dt.timedelta(days=7)
    by_day: dict[dt.date, list[tuple[Product, SessionCell]]] = {
        grid_start + dt.timedelta(days=i): [] for i in range((grid_end - grid_start).days)
    }
    cells = session_cells(
        start=_local_midnight(grid_start),
        end=_local_midnight(grid_end),
        product=product,
        resource=resource,
    )
    activities = {
        a.pk: a for a in _planned_activities(product, cells if resource is not None else None)
    }
    for session in cells:
        activity = activities.get(session.product_id)
        if activity is not None:
            by_day[session.starts_at.date()].append((activity, session))
    days = [MonthDay(day, day.month == first.month, sessions) for day, sessions in by_day.items()]
    return {
        "month": first,
        "weeks": [days[i : i + 7] for i in range(0, len(days), 7)],
        "weekdays": [grid_start + dt.timedelta(days=i) for i in range(7)],
    }


def access_activity(*, product_id: int) -> Product:
    """The activity of a dedicated planning (archived ones too: their past sessions)."""
    product = Product.objects.filter(pk=product_id, kind=Product.Kind.ACTIVITY).first()
    if product is None:
        raise Http404
    return product


@dataclass(frozen=True, slots=True)
class SeriesSummary:
    count: int
    first: dt.datetime | None
    last: dt.datetime | None
    same_day: int


def series_summary(*, session: Session) -> SeriesSummary:
    """PL-2: the series of a session's activity (how many, from when to when) and how many of
    its sessions share the session's date (what "Supprimer cette date" deletes): one query."""
    day = timezone.localtime(session.starts_at).date()
    start = _local_midnight(day)
    totals = Session.objects.filter(product_id=session.product_id).aggregate(
        count=Count("id"),
        first=Min("starts_at"),
        last=Max("ends_at"),
        same_day=Count(
            "id", filter=Q(starts_at__gte=start, starts_at__lt=start + dt.timedelta(days=1))
        ),
    )
    return SeriesSummary(**totals)
