"""FF-1 with real concurrency: a REAL Celery worker process (Redis DB 6) retries a federation
outage with its backoff and delivers once; two workers racing for the same line call the
federation once (the claim is a conditional UPDATE)."""

from __future__ import annotations

import threading
import time

from django.db import connection
from django_tenants.utils import schema_context

from modules.ffvoile import services
from modules.ffvoile.models import Call, Licence
from tests.support.celery_worker import celery_worker_for

REDIS_DB = 6


def test_real_worker_retries_an_outage_with_backoff_and_delivers_once(transactional_db, club):
    """FF-1: the federation answers 500 once: the worker's task is retried after the backoff
    (base 1 s here) with the same request id, and the licence is delivered exactly once."""
    club.emulator.faults = ["500"]
    with celery_worker_for(
        db=REDIS_DB,
        name="ffvoile",
        extra_env={"FFVOILE_BASE_URL": club.emulator.base_url, "FFVOILE_RETRY_BASE_SECONDS": "1"},
    ):
        sale = club.sell(club.anne)
        deadline = time.monotonic() + 40
        state = ""
        while time.monotonic() < deadline:
            with schema_context(club.structure.schema_name):
                state = Licence.objects.get(order_line__order=sale.order).state
            if state == "delivered":
                break
            time.sleep(0.3)
        time.sleep(0.5)  # a duplicate call would show now
    assert state == "delivered"
    with schema_context(club.structure.schema_name):
        calls = list(Call.objects.order_by("at", "id").values_list("result", "reason"))
    assert calls == [
        ("error", "Le service de la FF Voile est en panne (erreur 500)."),
        ("delivered", ""),
    ]
    assert len(club.emulator.requests) == 2 and club.emulator.errors == []
    assert len({r["body"]["request_id"] for r in club.emulator.requests}) == 1
    assert len(club.emulator.issued) == 1


def test_two_workers_racing_for_a_line_call_the_federation_once(transactional_db, club):
    """FF-1: two runs of the task for the same line at the same moment (a redelivered task):
    one claims the line and calls, the other sees it taken and does nothing."""
    club.emulator.faults = ["500"]
    sale = club.sell(club.anne)  # in-process task: the outage leaves it "à réessayer"
    with schema_context(club.structure.schema_name):
        licence = Licence.objects.get(order_line__order=sale.order)
    assert licence.state == "retry" and len(club.emulator.requests) == 1
    club.emulator.delay_seconds = 0.3
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def run():
        try:
            with schema_context(club.structure.schema_name):
                barrier.wait()
                outcome = services.licence_call(structure=club.structure, licence_id=licence.pk)
                outcomes.append(outcome.state)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert sorted(outcomes) == ["delivered", "skipped"]
    assert len(club.emulator.requests) == 2  # the outage, then exactly one more call
    with schema_context(club.structure.schema_name):
        assert Call.objects.filter(result="delivered").count() == 1
        assert Licence.objects.get(pk=licence.pk).attempts == 2


def test_a_second_copy_of_a_scheduled_retry_calls_nothing(transactional_db, club):
    """FF-1 + ADR 0027: Redis hands a retry's message out again while it waits past the
    visibility timeout, so two copies of one retry can run one after the other. The retry
    carries the number of calls made when it was scheduled: the first copy calls (and, the
    federation still down, schedules the next retry), the late copy finds one more call made
    and does nothing: no extra call, no second chain of retries."""
    club.emulator.faults = ["500", "500"]
    sale = club.sell(club.anne)  # in-process task: the first outage leaves it "à réessayer"
    with schema_context(club.structure.schema_name):
        licence = Licence.objects.get(order_line__order=sale.order)
        assert (licence.state, licence.attempts) == ("retry", 1)
        first = services.licence_call(structure=club.structure, licence_id=licence.pk, attempt=1)
        late = services.licence_call(structure=club.structure, licence_id=licence.pk, attempt=1)
        assert (first.state, first.retry) == ("retry", True)
        assert late.state == "skipped"
        licence.refresh_from_db()
        assert (licence.state, licence.attempts) == ("retry", 2)
        # The next scheduled retry (two calls made) is the one that may call again.
        assert (
            services.licence_call(structure=club.structure, licence_id=licence.pk, attempt=2).state
            == "delivered"
        )
    assert len(club.emulator.requests) == 3
