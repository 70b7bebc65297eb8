"""Reads of resources (RE-1): Paramètres > Ressources, an activity's needs, a session's
resources, and the "free resources" search for a time slot."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from django.db import connection
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from ponton.catalogue.models import Product
from ponton.planning.models import (
    Resource,
    ResourceAbsence,
    ResourceNeed,
    Session,
    SessionResource,
)
from ponton.planning.services_resources import (
    Held,
    Timeline,
    Want,
    booking_rows,
    outside_hours,
)


def resource_list() -> QuerySet[Resource]:
    return Resource.objects.select_related("site").order_by("kind", "name", "id")


def access_resource(*, resource_id: int) -> Resource:
    """A resource of the current structure (its schema), or 404: an id from another structure's
    schema is not one of its resources."""
    resource = Resource.objects.select_related("site").filter(pk=resource_id).first()
    if resource is None:
        raise Http404
    return resource


def access_absence(*, resource: Resource, absence_id: int) -> ResourceAbsence:
    absence = resource.absences.filter(pk=absence_id).first()
    if absence is None:
        raise Http404
    return absence


def access_need(*, product: Product, need_id: int) -> ResourceNeed:
    need = product.resource_needs.select_related("resource").filter(pk=need_id).first()
    if need is None:
        raise Http404
    return need


def access_booking(*, session: Session, booking_id: int) -> SessionResource:
    booking = session.resource_bookings.select_related("resource").filter(pk=booking_id).first()
    if booking is None:
        raise Http404
    return booking


def needs_of(*, product: Product) -> list[ResourceNeed]:
    return list(product.resource_needs.select_related("resource"))


def bookings_of(*, session: Session) -> list[SessionResource]:
    return list(session.resource_bookings.select_related("resource"))


def absences_of(*, resource: Resource) -> list[ResourceAbsence]:
    return list(resource.absences.order_by("starts_on", "id"))


@dataclass(frozen=True)
class FreeResource:
    resource: Resource
    free: int  # units free for the whole slot (1 or 0 for a person or a room)
    reason: str  # why not (all) free, French, empty when free


def free_resources(*, starts_at: dt.datetime, ends_at: dt.datetime) -> list[FreeResource]:
    """RE-1 "Ressources libres": every resource and what of it is free over [starts_at,
    ends_at): people and rooms free or busy (naming the session), equipment's free units. Three
    queries whatever the number of resources."""
    resources = list(resource_list())
    rows = booking_rows(
        resource_ids=[r.pk for r in resources], start=starts_at, end=ends_at, exclude_session_ids=()
    )
    first = timezone.localtime(starts_at).date()
    last = timezone.localtime(ends_at - dt.timedelta(microseconds=1)).date()
    absent = {
        a.resource_id: a
        for a in ResourceAbsence.objects.filter(starts_on__lte=last, ends_on__gte=first)
    }
    probe = Session(starts_at=starts_at, ends_at=ends_at, capacity=1)
    result = []
    for resource in resources:
        absence = absent.get(resource.pk)
        if absence is not None:
            result.append(
                FreeResource(
                    resource,
                    0,
                    _("Absent(e) du %(first)s au %(last)s")
                    % {
                        "first": f"{absence.starts_on:%d/%m/%Y}",
                        "last": f"{absence.ends_on:%d/%m/%Y}",
                    },
                )
            )
            continue
        outside = outside_hours(resource, Want(session=probe, resource=resource))
        if outside:
            result.append(FreeResource(resource, 0, outside))
            continue
        taken, holder = Timeline(rows.get(resource.pk, [])).peak(starts_at, ends_at)
        free = max(resource.quantity - taken, 0)
        reason = _("Pris par %(session)s") % {"session": holder} if taken else ""
        result.append(FreeResource(resource, free, reason))
    return result


def equipment_seats_left(*, sold: Mapping[int, int]) -> dict[int, int]:
    """RE-1: the seats the equipment per participant still allows, for those of these sessions
    (id -> seats sold) that take some: the fewest over their per-participant bookings, after
    what overlapping sessions hold at their peak. Other sessions are left out (their seats are
    their capacity's). One query when no session takes equipment, two otherwise.

    A session's own booking covers its whole interval, so what the others hold at the peak is
    the peak of all the bookings minus its own."""
    # Plain SQL: every live count of the shop asks (the ORM's compilation cost more).
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT b.session_id, b.resource_id, b.starts_at, b.ends_at, b.quantity, "
            "b.per_participant, r.quantity FROM planning_sessionresource b "
            "JOIN planning_resource r ON r.id = b.resource_id "
            "WHERE b.session_id = ANY(%s) AND b.per_participant > 0",
            [list(sold)],
        )
        bookings = cursor.fetchall()
    if not bookings:
        return {}
    start = min(b[2] for b in bookings)
    end = max(b[3] for b in bookings)
    timelines: dict[int, list[Held]] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT resource_id, starts_at, ends_at, quantity FROM planning_sessionresource "
            "WHERE resource_id = ANY(%s) "
            "AND tstzrange(starts_at, ends_at, '[)') && tstzrange(%s, %s, '[)')",
            [sorted({b[1] for b in bookings}), start, end],
        )
        for resource_id, starts_at, ends_at, quantity in cursor.fetchall():
            timelines.setdefault(resource_id, []).append(Held(starts_at, ends_at, quantity, ""))
    built = {pk: Timeline(rows) for pk, rows in timelines.items()}
    left: dict[int, int] = {}
    for session_id, resource_id, starts_at, ends_at, own, per_participant, units in bookings:
        peak, _holder = (
            built[resource_id].peak(starts_at, ends_at) if resource_id in built else (0, "")
        )
        others = max(peak - own, 0)
        seats = max((units - others) // per_participant - sold[session_id], 0)
        left[session_id] = min(seats, left.get(session_id, seats))
    return left
