"""Planning benchmarks (PL-1, PL-3).

recurrence_1000_s: one recurrence (every day of a 250-day period, 4 time slots) generating
exactly 1,000 sessions through `services.sessions_add_recurrence` (one transaction, one bulk
insert); median of 5 runs, the sessions deleted between runs. Goal 2 s.
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys
import time
from decimal import Decimal

RUNS = 5
SESSIONS = 1_000
GOAL_S = 2


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def bench_recurrence_1000_s(*, env: dict[str, str], emit) -> None:
    from django_tenants.utils import schema_context

    from ponton.catalogue.models import Product
    from ponton.planning import services
    from ponton.planning.models import Session
    from tenants.services import StructureData, structure_create

    stamp = int(time.time())
    structure, _owner = structure_create(
        data=StructureData(
            name="Club du planning",
            slug=f"planning{stamp}",
            owner_email=f"owner@planning{stamp}.test",
        )
    )
    slots = [(dt.time(h), dt.time(h + 1, 30)) for h in (9, 11, 14, 16)]
    start = dt.date(2027, 1, 4)
    end = start + dt.timedelta(days=SESSIONS // len(slots) - 1)
    times = []
    with schema_context(structure.schema_name):
        activity = Product.objects.create(
            kind=Product.Kind.ACTIVITY, name="Stage catamaran", price=Decimal("250.00")
        )
        for run in range(RUNS):
            t0 = time.perf_counter()
            created = services.sessions_add_recurrence(
                product=activity,
                start_date=start,
                end_date=end,
                weekdays=range(7),
                times=slots,
                capacity=12,
            )
            times.append(time.perf_counter() - t0)
            count = Session.objects.filter(product=activity).count()
            if len(created) != SESSIONS or count != SESSIONS:
                raise RuntimeError(f"expected {SESSIONS} sessions, got {len(created)}/{count}")
            log(f"  run {run + 1}: {SESSIONS} sessions in {times[-1]:.3f} s")
            Session.objects.filter(product=activity).delete()
    median = statistics.median(times)
    log(f"recurrence of {SESSIONS} sessions: median {median:.3f} s, max {max(times):.3f} s")
    emit(
        "recurrence_1000_s",
        round(median, 3),
        "s",
        GOAL_S,
        max=round(max(times), 3),
        runs=RUNS,
        sessions=SESSIONS,
    )


def bench_planning_week_p95_ms(*, env: dict[str, str], emit) -> None:
    """PL-3: server time of the general planning's week view with 50 activities x 7 days x
    4 sessions a day (1,400 sessions that week), p95 over 200 requests after 10 warm-ups."""
    from django.test import Client
    from django_tenants.utils import schema_context

    from ponton.catalogue.models import Product
    from ponton.planning import services
    from tenants.services import StructureData, structure_create

    stamp = int(time.time())
    structure, owner = structure_create(
        data=StructureData(
            name="Club de la semaine chargée",
            slug=f"semaine{stamp}",
            owner_email=f"owner@semaine{stamp}.test",
        )
    )
    monday = dt.date(2027, 3, 1)
    slots = [(dt.time(h), dt.time(h + 1, 30)) for h in (9, 11, 14, 16)]
    with schema_context(structure.schema_name):
        for i in range(50):
            activity = Product.objects.create(
                kind=Product.Kind.ACTIVITY, name=f"Activité {i:02d}", price=Decimal("20.00")
            )
            services.sessions_add_recurrence(
                product=activity,
                start_date=monday,
                end_date=monday + dt.timedelta(days=6),
                weekdays=range(7),
                times=slots,
                capacity=10,
            )
    from django.db import connection

    connection.set_schema_to_public()
    client = Client(HTTP_HOST=structure.get_primary_domain().domain)
    client.force_login(owner)
    url = f"/manager/planning/?week={monday.isoformat()}"

    def get() -> float:
        t0 = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - t0) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}")
        return elapsed

    for _ in range(10):
        get()
    times = sorted(get() for _ in range(200))
    p95 = times[int(0.95 * len(times)) - 1]
    log(f"planning week: median {statistics.median(times):.1f} ms, p95 {p95:.1f} ms")
    emit(
        "planning_week_p95_ms",
        round(p95, 2),
        "ms",
        100,
        median=round(statistics.median(times), 2),
        activities=50,
        sessions=1400,
    )
