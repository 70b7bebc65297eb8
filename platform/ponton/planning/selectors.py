"""Reads of the planning (PL-2 numbering, PL-3 week view).

The number of a session in its series is computed here, not stored: a correlated subquery counts
the sessions of the same activity starting before it (ties broken by id). A window function
would be renumbered by the WHERE of a date-range filter (the week), the subquery is not."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from ponton.catalogue.models import Product
from ponton.planning.models import Session


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
) -> QuerySet[Session]:
    queryset = Session.objects.select_related("product", "site")
    if product is not None:
        queryset = queryset.filter(product=product)
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


def session_cells(*, start: dt.datetime, end: dt.datetime) -> list[SessionCell]:
    """The sessions starting in [start, end), numbered in their series, in local time."""
    zone = timezone.get_current_timezone()
    rows = session_list(start=start, end=end).values_list(
        "pk", "product_id", "starts_at", "ends_at", "capacity", "sold", "number"
    )
    return [
        SessionCell(pk, product, starts.astimezone(zone), ends.astimezone(zone), cap, sold, n)
        for pk, product, starts, ends, cap, sold, n in rows
    ]


def planning_week(*, monday: dt.date) -> dict:
    """PL-3: every activity with its sessions of the week (Monday to Sunday), one cell per
    activity and day: two queries, whatever the number of activities and sessions."""
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(monday, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(monday + dt.timedelta(days=7), dt.time.min, tzinfo=zone)
    days = [monday + dt.timedelta(days=i) for i in range(7)]
    activities = list(activity_list().only("pk", "name"))
    cells: dict[int, list[list[SessionCell]]] = {a.pk: [[] for _ in days] for a in activities}
    for session in session_cells(start=start, end=end):
        row = cells.get(session.product_id)
        if row is not None:
            row[(session.starts_at.date() - monday).days].append(session)
    return {
        "monday": monday,
        "days": days,
        "rows": [(a, cells[a.pk]) for a in activities],
    }
