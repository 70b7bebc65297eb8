"""Writes of the planning (PL-1 add dates, PL-2 change a session). Every refusal raises
`PlanningError` before any write, inside one transaction: nothing is half-saved."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ponton.catalogue.models import Product, Site
from ponton.planning.models import Session

SessionSpec = tuple[dt.datetime, dt.datetime, int]  # (starts_at, ends_at, capacity)


class PlanningError(Exception):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def _check_product(product: Product) -> None:
    if product.kind != Product.Kind.ACTIVITY:
        raise PlanningError(_("Seule une activité peut avoir des séances."), "product")


def _check_times(starts_at: dt.datetime, ends_at: dt.datetime) -> None:
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise ValueError("session times must be timezone-aware")
    if ends_at <= starts_at:
        raise PlanningError(_("La fin doit être après le début."), "ends_at")


def _check_capacity(capacity: int) -> None:
    if capacity < 0:
        raise PlanningError(_("Le nombre de places ne peut pas être négatif."), "capacity")


def _build(*, product: Product, site: Site | None, specs: Iterable[SessionSpec]) -> list[Session]:
    sessions = []
    for starts_at, ends_at, capacity in specs:
        _check_times(starts_at, ends_at)
        _check_capacity(capacity)
        sessions.append(
            Session(
                product=product,
                site=site,
                starts_at=starts_at,
                ends_at=ends_at,
                capacity=capacity,
            )
        )
    return sessions


@transaction.atomic
def sessions_add(
    *, product: Product, sessions: Sequence[SessionSpec], site: Site | None = None
) -> list[Session]:
    """PL-1: several sessions at once ("ajouter une autre séance"); all or none."""
    _check_product(product)
    return Session.objects.bulk_create(_build(product=product, site=site, specs=sessions))


def session_add(
    *,
    product: Product,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    capacity: int,
    site: Site | None = None,
) -> Session:
    """PL-1: one session."""
    return sessions_add(product=product, sessions=[(starts_at, ends_at, capacity)], site=site)[0]


def recurrence_specs(
    *,
    start_date: dt.date,
    end_date: dt.date,
    weekdays: Iterable[int],
    times: Sequence[tuple[dt.time, dt.time]],
    capacity: int,
) -> list[SessionSpec]:
    """The sessions of a recurrence: every chosen weekday (0 = Monday) of the period, at each
    (start, end) time, in the structure's time zone."""
    days = set(weekdays)
    if not days:
        raise PlanningError(_("Choisissez au moins un jour de la semaine."), "weekdays")
    if end_date < start_date:
        raise PlanningError(_("La fin de la période doit être après son début."), "end_date")
    if not times:
        raise PlanningError(_("Indiquez au moins un horaire."), "times")
    _check_capacity(capacity)
    zone = timezone.get_current_timezone()
    specs = []
    day = start_date
    while day <= end_date:
        if day.weekday() in days:
            for start, end in times:
                specs.append(
                    (
                        dt.datetime.combine(day, start, tzinfo=zone),
                        dt.datetime.combine(day, end, tzinfo=zone),
                        capacity,
                    )
                )
        day += dt.timedelta(days=1)
    return specs


@transaction.atomic
def sessions_add_recurrence(
    *,
    product: Product,
    start_date: dt.date,
    end_date: dt.date,
    weekdays: Iterable[int],
    times: Sequence[tuple[dt.time, dt.time]],
    capacity: int,
    site: Site | None = None,
) -> list[Session]:
    """PL-1: recurring sessions over a period on chosen weekdays, one bulk insert."""
    _check_product(product)
    specs = recurrence_specs(
        start_date=start_date, end_date=end_date, weekdays=weekdays, times=times, capacity=capacity
    )
    return Session.objects.bulk_create(
        _build(product=product, site=site, specs=specs), batch_size=1000
    )


@transaction.atomic
def session_move(*, session: Session, starts_at: dt.datetime, ends_at: dt.datetime) -> Session:
    """PL-2: move the date/time of a session (its series is renumbered by the selectors)."""
    _check_times(starts_at, ends_at)
    session.starts_at, session.ends_at = starts_at, ends_at
    session.save(update_fields=["starts_at", "ends_at"])
    return session


@transaction.atomic
def session_set_capacity(*, session: Session, capacity: int) -> Session:
    """PL-2: change the capacity, never below the seats sold."""
    _check_capacity(capacity)
    locked = Session.objects.select_for_update().get(pk=session.pk)
    if capacity < locked.sold:
        raise PlanningError(
            _("Impossible de descendre sous les %(sold)s places déjà vendues.")
            % {"sold": locked.sold},
            "capacity",
        )
    locked.capacity = capacity
    locked.save(update_fields=["capacity"])
    session.capacity, session.sold = locked.capacity, locked.sold
    return session


@transaction.atomic
def session_delete(*, session: Session) -> None:
    """PL-2: delete a session, refused once seats are sold."""
    locked = Session.objects.select_for_update().get(pk=session.pk)
    if locked.sold:
        raise PlanningError(
            ngettext(
                "Impossible de supprimer cette séance : %(sold)s place est déjà vendue.",
                "Impossible de supprimer cette séance : %(sold)s places sont déjà vendues.",
                locked.sold,
            )
            % {"sold": locked.sold}
        )
    locked.delete()


@transaction.atomic
def sessions_delete_date(*, product: Product, day: dt.date) -> int:
    """PL-2: delete every session of an activity on one date (structure's time zone); refused,
    deleting nothing, when a seat is sold on one of them. Returns the number deleted."""
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    sessions = list(
        Session.objects.select_for_update()
        .filter(
            product=product,
            starts_at__gte=start,
            starts_at__lt=start + dt.timedelta(days=1),
        )
        .order_by("starts_at")
    )
    sold = sum(s.sold for s in sessions)
    if sold:
        raise PlanningError(
            ngettext(
                "Impossible de supprimer cette date : %(sold)s place est déjà vendue.",
                "Impossible de supprimer cette date : %(sold)s places sont déjà vendues.",
                sold,
            )
            % {"sold": sold}
        )
    Session.objects.filter(pk__in=[s.pk for s in sessions]).delete()
    return len(sessions)
