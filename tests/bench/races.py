"""Races of issue 5 (OR-11), measured on the real PostgreSQL (they are tests too:
tests/platform/sales/test_orders.py, tests/platform/billing/test_billing.py), with the same
threads (tests/support/races.py).

buyers_200_last_10_s: 200 buyers (threads) order one seat each among the last 10 of a session
at the same moment (a barrier releases them together). PostgreSQL accepts 100 connections, so
at most 40 buyers hold one at a time, the others wait for one, as behind a pooler. Exactly 10
orders, 190 "Complet" refusals, no other error, or the benchmark fails. The figure is the wait
of the slowest buyer, from the release to its answer (goal: every buyer answered within 5 s).

invoices_20_parallel_s: 20 threads each invoice their own order at the same moment; the 20
invoices must get 20 consecutive numbers and the ledger must verify. The figure is the wait of
the slowest (goal 2 s).
"""

from __future__ import annotations

import statistics
import time

from tests.bench.run import percentile

BUYERS = 200
SEATS = 10
INVOICES = 20


def _structure(name: str):
    from tenants.services import StructureData, structure_create

    stamp = time.time_ns()
    structure, _owner = structure_create(
        data=StructureData(name=name, slug=f"race{stamp}", owner_email=f"owner@race{stamp}.test")
    )
    return structure


def bench_buyers_200_last_10_s(*, emit, log) -> None:
    from django.db import connection
    from django_tenants.utils import schema_context

    from ponton.planning.models import Session
    from ponton.sales.models import Order
    from tests.support.races import buyers_for_last_seats
    from tests.support.sales import make_shop

    structure = _structure("Club couru")
    with schema_context(structure.schema_name):
        shop = make_shop(capacity=SEATS)
    connection.set_schema_to_public()
    outcomes = buyers_for_last_seats(structure, shop, buyers=BUYERS)
    kinds = [outcome for outcome, _ in outcomes]
    ok, complet = kinds.count("ok"), kinds.count("complet")
    errors = [kind for kind in kinds if kind not in ("ok", "complet")]
    with schema_context(structure.schema_name):
        sold = Session.objects.get(pk=shop.session.pk).sold
        orders = Order.objects.count()
    if (ok, complet, errors, sold, orders) != (SEATS, BUYERS - SEATS, [], SEATS, SEATS):
        raise RuntimeError(
            f"{ok} orders, {complet} « Complet », errors {errors[:1]}, sold {sold}, "
            f"orders {orders} (expected {SEATS}, {BUYERS - SEATS}, none, {SEATS}, {SEATS})"
        )
    waits = [seconds * 1000 for _, seconds in outcomes]
    log(
        f"{BUYERS} buyers for the last {SEATS} seats: {ok} orders, {complet} « Complet », "
        f"no error; answered in {max(waits):.0f} ms (median {statistics.median(waits):.0f} ms)"
    )
    emit(
        "buyers_200_last_10_s",
        round(max(waits) / 1000, 3),
        "s",
        5,
        buyers=BUYERS,
        seats=SEATS,
        orders=ok,
        complet=complet,
        errors=0,
        p95_ms=round(percentile(waits, 95), 1),
        median_ms=round(statistics.median(waits), 1),
    )


def bench_invoices_20_parallel_s(*, emit, log) -> None:
    from django.db import connection
    from django.utils import timezone
    from django_tenants.utils import schema_context

    from ponton.billing.models import Document
    from ponton.ledger.selectors import ledger_verify
    from ponton.sales.services import LineRequest, order_create
    from tests.support.races import invoices_in_parallel
    from tests.support.sales import STAFF, make_shop

    structure = _structure("Club pressé")
    with schema_context(structure.schema_name):
        shop = make_shop(capacity=30, stock=INVOICES)
        orders = [
            order_create(payer=shop.payer, lines=[LineRequest(product=shop.shirt)], actor=STAFF)
            for _ in range(INVOICES)
        ]
    connection.set_schema_to_public()
    outcomes = invoices_in_parallel(structure, orders)
    errors = [outcome for outcome, _ in outcomes if outcome != "ok"]
    if errors or len(outcomes) != INVOICES:
        raise RuntimeError(f"{len(outcomes)} answers, errors: {errors[:1]}")
    with schema_context(structure.schema_name):
        numbers = sorted(Document.objects.values_list("number", flat=True))
        year = timezone.localdate().year  # the numbering year
        expected = [f"FA-{year}-{i:05d}" for i in range(1, INVOICES + 1)]
        verified = ledger_verify().ok
    if numbers != expected or not verified:
        raise RuntimeError(f"numbers {numbers}, ledger verified: {verified}")
    slowest = max(seconds for _, seconds in outcomes) * 1000
    log(f"{INVOICES} invoices in parallel: {numbers[0]} … {numbers[-1]}, in {slowest:.0f} ms")
    emit(
        "invoices_20_parallel_s",
        round(slowest / 1000, 3),
        "s",
        2,
        invoices=INVOICES,
        consecutive=True,
        ledger_verified=True,
    )
