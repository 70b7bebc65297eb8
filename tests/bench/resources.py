"""Resource benchmarks (RE-1), on one structure with 50 resources (20 instructors, 20 counted
equipment ×10, 10 rooms) and 20,000 sessions over two years, each booking an instructor (never
two at once), 1 unit of an equipment and, one in four, a room.

resource_check_p95_ms: assigning 3 resources (an instructor, 2 boats of a counted equipment
already partly taken by overlapping sessions, a room) to a session through
`services_resources.session_resources_add` (one check, one insert, as planning a session with
its activity's needs does), checks and inserts included; p95 over 200 runs at
random dates of the two years, each rolled back. Goal 20 ms.

recurrence_with_resources_1000_s: one recurrence of 1,000 dated sessions whose activity needs 3
resources (instructor, 2 boats, room) through `services.sessions_add_recurrence`: every date
checked, 3,000 bookings inserted; median of 5 runs, the sessions deleted between runs. Goal 3 s.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import random
import statistics
import sys
import time
from decimal import Decimal
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
SESSIONS = 20_000
PEOPLE, EQUIPMENT, ROOMS = 20, 20, 10
PARALLEL = 7  # sessions at the same time, each with its own instructor
SLOTS = [
    (dt.time(9), dt.time(10, 30)),
    (dt.time(11), dt.time(12, 30)),
    (dt.time(14), dt.time(15, 30)),
    (dt.time(16), dt.time(17, 30)),
]
CHECK_RUNS, CHECK_WARMUP, CHECK_GOAL_MS = 200, 10, 20
RECURRENCE_RUNS, RECURRENCE_SESSIONS, RECURRENCE_GOAL_S = 5, 1_000, 3
FIRST_DAY = dt.date(2027, 1, 4)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _structure():
    from tenants.services import StructureData, structure_create

    stamp = int(time.time() * 1000) % 10**9
    structure, _owner = structure_create(
        data=StructureData(
            name="Club des ressources",
            slug=f"ressources{stamp}",
            owner_email=f"owner@ressources{stamp}.test",
        )
    )
    return structure


def _fill() -> dict:
    """50 resources, 20,000 sessions and their bookings, by bulk inserts (the setup is not what
    is measured)."""
    from django.db import connection

    from ponton.catalogue.models import Product
    from ponton.planning.models import Resource, Session, SessionResource

    people = Resource.objects.bulk_create(
        Resource(kind="person", name=f"Moniteur {i + 1}") for i in range(PEOPLE)
    )
    equipment = Resource.objects.bulk_create(
        Resource(kind="equipment", name=f"Bateau {i + 1}", quantity=10) for i in range(EQUIPMENT)
    )
    rooms = Resource.objects.bulk_create(
        Resource(kind="room", name=f"Salle {i + 1}") for i in range(ROOMS)
    )
    activities = Product.objects.bulk_create(
        Product(kind=Product.Kind.ACTIVITY, name=f"Activité {i + 1}", price=Decimal("30.00"))
        for i in range(PARALLEL)
    )
    sessions = []
    for i in range(SESSIONS):
        day = FIRST_DAY + dt.timedelta(days=i // (PARALLEL * len(SLOTS)))
        slot = (i // PARALLEL) % len(SLOTS)
        start, end = SLOTS[slot]
        sessions.append(
            Session(
                product=activities[i % PARALLEL],
                starts_at=dt.datetime.combine(day, start, tzinfo=PARIS),
                ends_at=dt.datetime.combine(day, end, tzinfo=PARIS),
                capacity=10,
            )
        )
    sessions = Session.objects.bulk_create(sessions, batch_size=5000)
    bookings = []
    for i, session in enumerate(sessions):
        k, slot = i % PARALLEL, (i // PARALLEL) % len(SLOTS)
        # Slot s uses instructors 7s .. 7s+6 (mod 20): never one twice in a slot.
        person = people[(k + PARALLEL * slot) % PEOPLE]
        times = {"starts_at": session.starts_at, "ends_at": session.ends_at}
        bookings.append(SessionResource(session=session, resource=person, **times))
        bookings.append(
            SessionResource(
                session=session, resource=equipment[k % 3], quantity=1, exclusive=False, **times
            )
        )
        if k == 0:
            bookings.append(SessionResource(session=session, resource=rooms[slot], **times))
    SessionResource.objects.bulk_create(bookings, batch_size=5000)
    with connection.cursor() as cursor:  # statistics, as a table in use has them
        cursor.execute("ANALYZE planning_session, planning_sessionresource, planning_resource")
    log(f"  {len(sessions)} sessions, {len(bookings)} bookings")
    return {"people": people, "equipment": equipment, "rooms": rooms, "activity": activities[0]}


def _show_queries(session, made) -> None:
    """RE_BENCH_QUERIES=1: the queries of one more assignment, with their times (stderr)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ponton.planning.services_resources import session_resource_add

    with CaptureQueriesContext(connection) as queries:
        session_resource_add(session=session, resource=made["people"][11])
    for query in queries.captured_queries:
        log(f"  {query['time']} s  {query['sql'][:300]}")


def bench_resource_check_p95_ms(*, env: dict[str, str], emit) -> None:
    from django.db import transaction
    from django_tenants.utils import schema_context

    from ponton.planning.models import Session
    from ponton.planning.services_resources import Assignment, session_resources_add

    structure = _structure()
    rng = random.Random(16)
    times = []
    with schema_context(structure.schema_name):
        made = _fill()
        days = SESSIONS // (PARALLEL * len(SLOTS))
        for run in range(CHECK_WARMUP + CHECK_RUNS):
            day = FIRST_DAY + dt.timedelta(days=rng.randrange(days))
            start, end = SLOTS[0]
            with transaction.atomic():
                session = Session.objects.create(
                    product=made["activity"],
                    starts_at=dt.datetime.combine(day, start, tzinfo=PARIS),
                    ends_at=dt.datetime.combine(day, end, tzinfo=PARIS),
                    capacity=10,
                )
                t0 = time.perf_counter()
                # Instructor 11 is free in the first slot; Bateau 1 has 3 of 10 taken then.
                session_resources_add(
                    session=session,
                    assignments=[
                        Assignment(resource=made["people"][10]),
                        Assignment(resource=made["equipment"][0], quantity=2),
                        Assignment(resource=made["rooms"][5]),
                    ],
                )
                elapsed = (time.perf_counter() - t0) * 1000
                if os.environ.get("RE_BENCH_QUERIES") and run == CHECK_WARMUP:
                    _show_queries(session, made)
                transaction.set_rollback(True)
            if run >= CHECK_WARMUP:
                times.append(elapsed)
    times.sort()
    p95 = times[math.ceil(0.95 * len(times)) - 1]
    log(
        f"assign 3 resources: p95 {p95:.2f} ms, median {statistics.median(times):.2f} ms, "
        f"p99 {times[math.ceil(0.99 * len(times)) - 1]:.2f} ms, max {times[-1]:.2f} ms"
    )
    emit(
        "resource_check_p95_ms",
        round(p95, 2),
        "ms",
        CHECK_GOAL_MS,
        median=round(statistics.median(times), 2),
        runs=CHECK_RUNS,
        sessions=SESSIONS,
        resources=PEOPLE + EQUIPMENT + ROOMS,
    )


def bench_recurrence_with_resources_1000_s(*, env: dict[str, str], emit) -> None:
    from django_tenants.utils import schema_context

    from ponton.catalogue.models import Product
    from ponton.planning import services
    from ponton.planning.models import Resource, Session, SessionResource
    from ponton.planning.services_resources_settings import need_set

    structure = _structure()
    times = []
    with schema_context(structure.schema_name):
        _fill()
        # Its own instructor and room, and 2 of a counted equipment the others use too.
        activity = Product.objects.create(
            kind=Product.Kind.ACTIVITY, name="Stage catamaran", price=Decimal("250.00")
        )
        for resource, quantity in (
            (Resource.objects.create(kind="person", name="Marie"), 1),
            (Resource.objects.get(name="Bateau 1"), 2),
            (Resource.objects.create(kind="room", name="Salle de briefing"), 1),
        ):
            need_set(product=activity, resource=resource, quantity=quantity, per_participant=False)
        slots = [(dt.time(h), dt.time(h + 1, 30)) for h in (9, 11, 14, 16)]
        end = FIRST_DAY + dt.timedelta(days=RECURRENCE_SESSIONS // len(slots) - 1)
        for run in range(RECURRENCE_RUNS):
            t0 = time.perf_counter()
            created = services.sessions_add_recurrence(
                product=activity,
                start_date=FIRST_DAY,
                end_date=end,
                weekdays=range(7),
                times=slots,
                capacity=12,
            )
            times.append(time.perf_counter() - t0)
            booked = SessionResource.objects.filter(session__product=activity).count()
            if len(created) != RECURRENCE_SESSIONS or booked != 3 * RECURRENCE_SESSIONS:
                raise RuntimeError(f"expected 1,000 sessions and 3,000 bookings, got {booked}")
            log(f"  run {run + 1}: {len(created)} sessions, {booked} bookings in {times[-1]:.3f} s")
            Session.objects.filter(product=activity).delete()
    median = statistics.median(times)
    log(f"recurrence of 1,000 sessions with 3 resources: median {median:.3f} s")
    emit(
        "recurrence_with_resources_1000_s",
        round(median, 3),
        "s",
        RECURRENCE_GOAL_S,
        max=round(max(times), 3),
        runs=RECURRENCE_RUNS,
        sessions=RECURRENCE_SESSIONS,
        bookings=3 * RECURRENCE_SESSIONS,
    )
