"""Writes of resource bookings (RE-1): sessions book what their activity needs, staff assign
resources to a session, moves and capacities re-check them, seats sold follow equipment needed per
participant. (Paramètres > Ressources, absences and needs: `services_resources_settings`.)

Booking, for one session or a whole series, in one transaction:
1. counted equipment rows are locked (`SELECT … FOR UPDATE`, in id order: no deadlock), so the
   sum of what overlapping sessions hold cannot move under us;
2. the bookings of the same resources around the new times, the absences and the availability
   hours are read once, and every wanted booking is checked in Python (a person or a room: no
   overlap; equipment: the peak of what overlapping bookings hold, plus this one, within the
   count), each refusal naming the conflicting session in French;
3. the bookings are inserted in one statement inside a savepoint: for people and rooms the
   exclusion constraint is the last word (two planners at the same moment both pass step 2, the
   second insert waits for the first to commit and is refused: the refusal is read back and
   names the session that won).
Ranges are half-open '[)': 10:00–12:00 then 12:00–14:00 share no minute. Times are compared as
instants (UTC), so a session across a change of summer/winter time is as long as it really is.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ponton.catalogue.models import Product
from ponton.planning.models import (
    Resource,
    ResourceAbsence,
    ResourceNeed,
    Session,
    SessionResource,
)
from ponton.planning.services import PlanningError
from realtime.services import availability_changed


class ResourceError(PlanningError):
    """A refused planning of resources, in French. `problems` are the refusals one by one (one
    line per date of a series); the message says them all. The planning services raise it as
    it is; the views show each problem."""

    def __init__(self, message: str, field: str | None = None, problems: Sequence[str] = ()):
        super().__init__(message, field)
        self.problems = list(problems) or [message]


# --- French words ----------------------------------------------------------------------------


def _hour(moment: dt.datetime | dt.time) -> str:
    """10h, 10h30."""
    return f"{moment.hour}h" if not moment.minute else f"{moment.hour}h{moment.minute:02d}"


def session_words(*, name: str, starts_at: dt.datetime, ends_at: dt.datetime) -> str:
    """ "Stage Optimist du 12/07, 10h–12h" (local times of the structure)."""
    start, end = timezone.localtime(starts_at), timezone.localtime(ends_at)
    return _("%(name)s du %(day)s, %(start)s–%(end)s") % {
        "name": name,
        "day": f"{start:%d/%m}",
        "start": _hour(start),
        "end": _hour(end),
    }


def _date_words(starts_at: dt.datetime, ends_at: dt.datetime) -> str:
    start, end = timezone.localtime(starts_at), timezone.localtime(ends_at)
    return _("Le %(day)s (%(start)s–%(end)s)") % {
        "day": f"{start:%d/%m/%Y}",
        "start": _hour(start),
        "end": _hour(end),
    }


# --- Checking bookings ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Held:
    starts_at: dt.datetime
    ends_at: dt.datetime
    quantity: int
    name: str  # the session's activity

    @property
    def words(self) -> str:
        """ "Stage Optimist du 12/07, 10h–12h" (only for a refusal: not for every row read)."""
        return session_words(name=self.name, starts_at=self.starts_at, ends_at=self.ends_at)


class Timeline:
    """The bookings of one resource, by start, to find those overlapping an interval fast: a
    booking that overlaps [s, e) starts before e and after s minus the longest booking."""

    def __init__(self, items: Iterable[Held]):
        self.items = sorted(items, key=lambda h: h.starts_at)
        self.starts = [h.starts_at for h in self.items]
        self.longest = max((h.ends_at - h.starts_at for h in self.items), default=dt.timedelta())

    def add(self, held: Held) -> None:
        index = bisect.bisect_right(self.starts, held.starts_at)
        self.starts.insert(index, held.starts_at)
        self.items.insert(index, held)
        self.longest = max(self.longest, held.ends_at - held.starts_at)

    def overlapping(self, start: dt.datetime, end: dt.datetime) -> list[Held]:
        first = bisect.bisect_right(self.starts, start - self.longest)
        last = bisect.bisect_left(self.starts, end)
        return [
            h
            for h in self.items[first:last]
            if h.starts_at < end and h.ends_at > start and h.quantity
        ]

    def peak(self, start: dt.datetime, end: dt.datetime) -> tuple[int, str]:
        """The most units held at one moment of [start, end), and the session holding most of
        them at that moment. The peak is reached at `start` or where a booking starts."""
        held = self.overlapping(start, end)
        best, holder = 0, ""
        for moment in [start] + [h.starts_at for h in held if h.starts_at > start]:
            now = [h for h in held if h.starts_at <= moment < h.ends_at]
            total = sum(h.quantity for h in now)
            if total > best:
                best, holder = total, max(now, key=lambda h: h.quantity).words
        return best, holder


def booking_rows(
    *,
    resource_ids: Iterable[int],
    start: dt.datetime,
    end: dt.datetime | None,
    exclude_session_ids: Iterable[int],
) -> dict[int, list[Held]]:
    """The bookings of these resources overlapping [start, end), by resource: one query. Its
    range expression is the GiST index `planning_booking_during`'s, so the index answers; plain
    SQL, as this runs for every booking checked (the ORM's compilation cost more than the
    query)."""
    excluded = [pk for pk in exclude_session_ids if pk is not None]
    sql = (
        "SELECT b.resource_id, b.starts_at, b.ends_at, b.quantity, p.name "
        "FROM planning_sessionresource b "
        "JOIN planning_session s ON s.id = b.session_id "
        "JOIN catalogue_product p ON p.id = s.product_id "
        "WHERE b.resource_id = ANY(%s) "
        "AND tstzrange(b.starts_at, b.ends_at, '[)') && tstzrange(%s, %s, '[)') "
        "AND NOT (b.session_id = ANY(%s))"
    )
    rows: dict[int, list[Held]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, [list(resource_ids), start, end, excluded])
        for resource_id, starts_at, ends_at, quantity, name in cursor.fetchall():
            rows.setdefault(resource_id, []).append(Held(starts_at, ends_at, quantity, name))
    return rows


def booking_words(booking: SessionResource) -> str:
    return session_words(
        name=booking.session.product.name, starts_at=booking.starts_at, ends_at=booking.ends_at
    )


@dataclass
class Want:
    """A resource a session should hold: `quantity` now, or `per_participant` × seats sold."""

    session: Session
    resource: Resource
    quantity: int = 1
    per_participant: int = 0
    problem: str = field(default="", compare=False)


def _absent(resource_absences: list[ResourceAbsence], want: Want) -> ResourceAbsence | None:
    first = timezone.localtime(want.session.starts_at).date()
    last = timezone.localtime(want.session.ends_at - dt.timedelta(microseconds=1)).date()
    for absence in resource_absences:
        if absence.starts_on <= last and absence.ends_on >= first:
            return absence
    return None


def outside_hours(resource: Resource, want: Want) -> str:
    start_bound, end_bound = resource.available_from, resource.available_until
    if start_bound is None and end_bound is None:
        return ""
    start = timezone.localtime(want.session.starts_at)
    end = timezone.localtime(want.session.ends_at)
    fits = (start_bound is None or start.time() >= start_bound) and (
        end_bound is None or (end.date() == start.date() and end.time() <= end_bound)
    )
    if fits:
        return ""
    if start_bound is not None and end_bound is not None:
        return _("%(name)s n'est disponible que de %(start)s à %(end)s.") % {
            "name": resource.name,
            "start": _hour(start_bound),
            "end": _hour(end_bound),
        }
    if start_bound is not None:
        return _("%(name)s n'est disponible qu'à partir de %(start)s.") % {
            "name": resource.name,
            "start": _hour(start_bound),
        }
    assert end_bound is not None
    return _("%(name)s n'est disponible que jusqu'à %(end)s.") % {
        "name": resource.name,
        "end": _hour(end_bound),
    }


def equipment_refusal(*, resource: Resource, taken: int, wanted: int, holder: str) -> str:
    """ "Plus assez de Laser : 6 sur 6 déjà pris par Stage Optimist du 12/07, 10h–12h (il en
    faut 1)." — the same words when planning and when selling a seat."""
    return _(
        "Plus assez de %(name)s : %(taken)s sur %(count)s déjà pris par %(session)s "
        "(il en faut %(wanted)s pour cette séance)."
    ) % {
        "name": resource.name,
        "taken": taken,
        "count": resource.quantity,
        "session": holder,
        "wanted": wanted,
    }


def per_participant_refusal(*, resource: Resource, per_participant: int, capacity: int) -> str:
    """A session whose places alone would need more units than the structure has."""
    needed = per_participant * capacity
    if needed <= resource.quantity:
        return ""
    return ngettext(
        "%(name)s : il en faut %(needed)s pour les %(capacity)s places de la séance "
        "(%(per)s par participant), il n'y en a que %(count)s.",
        "%(name)s : il en faut %(needed)s pour les %(capacity)s places de la séance "
        "(%(per)s par participant), il n'y en a que %(count)s.",
        capacity,
    ) % {
        "name": resource.name,
        "needed": needed,
        "capacity": capacity,
        "per": per_participant,
        "count": resource.quantity,
    }


def _lock(resources: Iterable[Resource]) -> dict[int, Resource]:
    """Every resource, counted equipment locked (id order) and read again (its count now)."""
    by_id = {r.pk: r for r in resources}
    equipment = [pk for pk, r in by_id.items() if not r.exclusive]
    if equipment:
        for locked in Resource.objects.select_for_update().filter(pk__in=equipment).order_by("pk"):
            by_id[locked.pk] = locked
    return by_id


def _check(wants: Sequence[Want], *, exclude_session_ids: Iterable[int] = ()) -> list[Want]:
    """Check every wanted booking against the others (booked, and wanted before it in the
    list); return those refused, each with its `problem`. Locks counted equipment until the
    end of the transaction."""
    if not wants:
        return []
    resources = _lock(w.resource for w in wants)
    start = min(w.session.starts_at for w in wants)
    end = max(w.session.ends_at for w in wants)
    rows = booking_rows(
        resource_ids=resources, start=start, end=end, exclude_session_ids=exclude_session_ids
    )
    timelines = {pk: Timeline(rows.get(pk, [])) for pk in resources}
    absences: dict[int, list[ResourceAbsence]] = {}
    for absence in ResourceAbsence.objects.filter(
        resource_id__in=list(resources),
        starts_on__lte=timezone.localtime(end).date(),
        ends_on__gte=timezone.localtime(start).date(),
    ):
        absences.setdefault(absence.resource_id, []).append(absence)
    refused = []
    for want in wants:
        resource = resources[want.resource.pk]
        want.resource = resource
        want.problem = _problem(want, resource, timelines[resource.pk], absences)
        if want.problem:
            refused.append(want)
            continue
        session = want.session
        timelines[resource.pk].add(
            Held(
                session.starts_at,
                session.ends_at,
                want.quantity if not resource.exclusive else 1,
                session.product.name,
            )
        )
    return refused


def _problem(
    want: Want, resource: Resource, timeline: Timeline, absences: dict[int, list[ResourceAbsence]]
) -> str:
    session = want.session
    absence = _absent(absences.get(resource.pk, []), want)
    if absence is not None:
        words = _("%(name)s est absent(e) du %(first)s au %(last)s") % {
            "name": resource.name,
            "first": f"{absence.starts_on:%d/%m/%Y}",
            "last": f"{absence.ends_on:%d/%m/%Y}",
        }
        return f"{words} ({absence.reason})." if absence.reason else f"{words}."
    outside = outside_hours(resource, want)
    if outside:
        return outside
    if resource.exclusive:
        overlapping = timeline.overlapping(session.starts_at, session.ends_at)
        if overlapping:
            return _("%(name)s est déjà sur %(session)s.") % {
                "name": resource.name,
                "session": overlapping[0].words,
            }
        return ""
    if want.per_participant:
        refusal = per_participant_refusal(
            resource=resource, per_participant=want.per_participant, capacity=session.capacity
        )
        if refusal:
            return refusal
    elif want.quantity > resource.quantity:
        return _("%(name)s : il en faut %(wanted)s, il n'y en a que %(count)s.") % {
            "name": resource.name,
            "wanted": want.quantity,
            "count": resource.quantity,
        }
    if want.quantity:
        taken, holder = timeline.peak(session.starts_at, session.ends_at)
        if taken + want.quantity > resource.quantity:
            return equipment_refusal(
                resource=resource, taken=taken, wanted=want.quantity, holder=holder
            )
    return ""


def _refuse(refused: Sequence[Want], *, series: bool) -> None:
    if not refused:
        return
    if not series:
        raise ResourceError(refused[0].problem, "resources")
    problems = [
        f"{_date_words(w.session.starts_at, w.session.ends_at)} : {w.problem}" for w in refused
    ]
    dates = len({w.session.starts_at for w in refused})
    header = ngettext(
        "Aucune séance n'a été créée : les ressources ne sont pas disponibles pour %(count)s date.",
        "Aucune séance n'a été créée : les ressources ne sont pas disponibles pour %(count)s "
        "dates.",
        dates,
    ) % {"count": dates}
    raise ResourceError(" ".join([header, *problems]), "resources", [header, *problems])


def _insert(wants: Sequence[Want]) -> list[SessionResource]:
    """Insert the checked bookings; the exclusion constraint has the last word on people and
    rooms (a planner who checked at the same moment and committed first)."""
    bookings = [
        SessionResource(
            session=w.session,
            resource=w.resource,
            quantity=1 if w.resource.exclusive else w.quantity,
            per_participant=w.per_participant,
            exclusive=w.resource.exclusive,
            starts_at=w.session.starts_at,
            ends_at=w.session.ends_at,
        )
        for w in wants
    ]
    try:
        with transaction.atomic():
            return SessionResource.objects.bulk_create(bookings, batch_size=1000)
    except IntegrityError:
        for want in wants:
            if not want.resource.exclusive:
                continue
            other = (
                SessionResource.objects.filter(
                    resource=want.resource,
                    exclusive=True,
                    starts_at__lt=want.session.ends_at,
                    ends_at__gt=want.session.starts_at,
                )
                .exclude(session_id=want.session.pk)
                .select_related("session__product")
                .first()
            )
            if other is not None:
                raise ResourceError(
                    _("%(name)s est déjà sur %(session)s.")
                    % {"name": want.resource.name, "session": booking_words(other)},
                    "resources",
                ) from None
        raise


def _needs_of(product: Product) -> list[ResourceNeed]:
    return list(ResourceNeed.objects.filter(product=product).select_related("resource"))


def _wants(sessions: Sequence[Session], needs: Sequence[ResourceNeed]) -> list[Want]:
    return [
        Want(
            session=session,
            resource=need.resource,
            quantity=0 if need.per_participant else need.quantity,
            per_participant=need.quantity if need.per_participant else 0,
        )
        for session in sessions
        for need in needs
    ]


def sessions_check_needs(*, product: Product, sessions: Sequence[Session]) -> None:
    """RE-1: refuse (per date) the sessions, not saved yet, whose activity's resources are not
    all free; writes nothing (a background generation checks its whole series first)."""
    needs = _needs_of(product)
    if needs:
        _refuse(_check(_wants(sessions, needs)), series=len(sessions) > 1)


def sessions_book_needs(*, sessions: Sequence[Session]) -> list[SessionResource]:
    """RE-1: planning saved sessions of one activity books what the activity needs for each;
    refused per date (naming what is busy) when one is missing. The caller's transaction rolls
    the sessions back with it: nothing of the series is half-created."""
    if not sessions:
        return []
    needs = _needs_of(sessions[0].product)
    if not needs:
        return []
    wants = _wants(sessions, needs)
    _refuse(_check(wants), series=len(sessions) > 1)
    return _insert(wants)


@dataclass(frozen=True)
class Assignment:
    """A resource to assign to a session: `quantity` units, or per participant."""

    resource: Resource
    quantity: int = 1
    per_participant: bool = False


@transaction.atomic
def session_resources_add(
    *, session: Session, assignments: Sequence[Assignment]
) -> list[SessionResource]:
    """RE-1: assign resources to a planned session, checked together like planning (one
    check, one insert), all or none."""
    resource_ids = [a.resource.pk for a in assignments]
    already = (
        SessionResource.objects.filter(session=session, resource_id__in=resource_ids)
        .order_by()
        .values_list("resource__name", flat=True)
        .first()
    )
    if already is not None or len(set(resource_ids)) < len(resource_ids):
        name = already or next(
            a.resource.name for a in assignments if resource_ids.count(a.resource.pk) > 1
        )
        raise ResourceError(_("%(name)s est déjà sur cette séance.") % {"name": name}, "resource")
    wants = []
    for assignment in assignments:
        quantity, per_participant = assignment.quantity, assignment.per_participant
        if quantity < 1:
            raise ResourceError(_("La quantité doit être au moins 1."), "quantity")
        if assignment.resource.exclusive:
            quantity, per_participant = 1, False
        wants.append(
            Want(
                session=session,
                resource=assignment.resource,
                quantity=quantity * session.sold if per_participant else quantity,
                per_participant=quantity if per_participant else 0,
            )
        )
    _refuse(_check(wants, exclude_session_ids=[session.pk]), series=False)
    return _insert(wants)


def session_resource_add(
    *, session: Session, resource: Resource, quantity: int = 1, per_participant: bool = False
) -> SessionResource:
    """RE-1: assign one resource to a planned session (from its page)."""
    assignment = Assignment(resource=resource, quantity=quantity, per_participant=per_participant)
    return session_resources_add(session=session, assignments=[assignment])[0]


def session_resource_remove(*, booking: SessionResource) -> None:
    booking.delete()


def session_resources_recheck(*, session: Session) -> None:
    """RE-1: after a session moved (its times already saved in this transaction), its
    resources are booked again at the new times, refused with the same messages."""
    bookings = list(session.resource_bookings.select_related("resource").order_by("pk"))
    if not bookings:
        return
    wants = [
        Want(
            session=session,
            resource=b.resource,
            quantity=b.quantity,
            per_participant=b.per_participant,
        )
        for b in bookings
    ]
    SessionResource.objects.filter(pk__in=[b.pk for b in bookings]).delete()
    _refuse(_check(wants, exclude_session_ids=[session.pk]), series=False)
    _insert(wants)


def session_resources_capacity_check(*, session: Session, capacity: int) -> None:
    """RE-1: a new capacity whose places alone would need more equipment than there is (per
    participant) is refused with the planning's message."""
    for booking in session.resource_bookings.filter(per_participant__gt=0).select_related(
        "resource"
    ):
        refusal = per_participant_refusal(
            resource=booking.resource,
            per_participant=booking.per_participant,
            capacity=capacity,
        )
        if refusal:
            raise ResourceError(refusal, "capacity")


def _hold_equipment(session_ids: list[int]) -> bool:
    """Whether any of these sessions holds equipment per participant: plain SQL, as every sale
    asks (most sessions hold none, and the ORM's compilation cost more than the query)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM planning_sessionresource "
            "WHERE session_id = ANY(%s) AND per_participant > 0)",
            [session_ids],
        )
        return bool(cursor.fetchone()[0])


def resources_follow_seats(*, session_ids: Iterable[int], check: bool) -> None:
    """RE-1: the seats of these sessions just changed (in this transaction): what they hold per
    participant follows, and with `check` a seat that would take equipment beyond its count on
    overlapping sessions is refused (`ResourceError`, "Plus assez de Laser …"). Called by the
    one seat-taking path of every channel (`sales.services.seats_take` / `seats_release`).
    The sessions sharing the equipment then have their live availability sent too."""
    ids = list(session_ids)
    if not _hold_equipment(ids):
        return
    bookings = list(
        SessionResource.objects.filter(session_id__in=ids, per_participant__gt=0)
        .select_related("session", "resource")
        .order_by("resource_id", "session_id")
    )
    resources = _lock(b.resource for b in bookings)
    for booking in bookings:
        resource = resources[booking.resource_id]
        session = booking.session
        session.refresh_from_db(fields=["sold"])
        quantity = booking.per_participant * session.sold
        if check and quantity > booking.quantity:
            rows = booking_rows(
                resource_ids=[resource.pk],
                start=booking.starts_at,
                end=booking.ends_at,
                exclude_session_ids=[session.pk],
            )
            taken, holder = Timeline(rows.get(resource.pk, [])).peak(
                booking.starts_at, booking.ends_at
            )
            if taken + quantity > resource.quantity:
                raise ResourceError(
                    equipment_refusal(
                        resource=resource,
                        taken=taken,
                        wanted=quantity,
                        holder=holder,
                    )
                )
        SessionResource.objects.filter(pk=booking.pk).update(quantity=quantity)
    # The sessions sharing this equipment over these hours have more or fewer seats left too.
    sharing = SessionResource.objects.filter(
        resource_id__in=list(resources),
        per_participant__gt=0,
        starts_at__lt=max(b.ends_at for b in bookings),
        ends_at__gt=min(b.starts_at for b in bookings),
    ).exclude(session_id__in=ids)
    availability_changed(session_ids=sharing.values_list("session_id", flat=True))
