"""Statistics benchmarks (ST-1, ST-2) on the big structure of `tests/bench/compta_data.py`
(a year of 20,000 sessions, 150,000 invoice lines, 200,000 payments).

- stats_summary_build_s: the first reading summarizes the year's past days once
  (`revenue_summary_update`, docs/adr/0018); later readings only add the days since.
- stats_year_ms (goal ≤ 300 ms): `finance_statistics` for that year by month: revenue by
  month, product, category and site (VAT bases allocated to lines), VAT per rate, payments by
  method, credit notes and refunds, the same months of the year before; median of 10 runs.
- stats_year_live_ms: the same without the summary (every line read from the documents).
- stats_outstanding_ms: what is owed today by age, over every order (not a period figure).
- stats_year_attendance_ms (same goal): `attendance_statistics` for that year by month.
- stats_year_page_ms: the whole Statistiques financières page over HTTP (filters, SQL, eight
  pygal charts, tables), median of 5 runs after one warm-up.
"""

from __future__ import annotations

import statistics
import sys
import time

RUNS = 10
PAGE_RUNS = 5
GOAL_MS = 300


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _median_ms(fn, runs: int) -> float:
    fn()  # warm-up: plans cached, the first connection's costs paid
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        timings.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(timings), 1)


def bench_stats_year_ms(*, env: dict[str, str], emit) -> None:
    from django.test import Client
    from django_tenants.utils import schema_context

    from ponton.stats.models import RevenueDay, RevenueSummary
    from ponton.stats.periods import Period
    from ponton.stats.selectors import (
        attendance_statistics,
        finance_statistics,
        outstanding_by_age,
    )
    from ponton.stats.services import revenue_summary_update
    from tests.bench.compta_data import big_structure

    data = big_structure()
    period = Period(data.start, data.end, "month")

    def year() -> None:
        finance_statistics(period=period, with_outstanding=False)

    with schema_context(data.structure.schema_name):
        live = finance_statistics(period=period)
        live_ms = _median_ms(year, RUNS)
        started = time.perf_counter()
        days = revenue_summary_update()
        build_s = round(time.perf_counter() - started, 2)
        summarized = finance_statistics(period=period)
        assert summarized.total == live.total and summarized.vat == live.vat
        log(
            f"  CA TTC {live.total.ttc} €, {len(live.by_product)} produits, "
            f"{len(live.by_method)} modes ; résumé : {days} jours, "
            f"{RevenueDay.objects.count()} lignes, jusqu'au {RevenueSummary.objects.get().until}"
        )
        finance_ms = _median_ms(year, RUNS)
        outstanding_ms = _median_ms(outstanding_by_age, RUNS)
        attendance_ms = _median_ms(lambda: attendance_statistics(period=period), RUNS)
    emit("stats_summary_build_s", build_s, "s", 10, days=days)
    emit("stats_year_ms", finance_ms, "ms", GOAL_MS, lines=data.invoice_lines)
    emit("stats_year_live_ms", live_ms, "ms", GOAL_MS)
    emit("stats_outstanding_ms", outstanding_ms, "ms", GOAL_MS, orders=data.orders)
    emit("stats_year_attendance_ms", attendance_ms, "ms", GOAL_MS, sessions=data.sessions)

    client = Client(HTTP_HOST=data.structure.get_primary_domain().domain)
    client.force_login(data.owner)
    query = {"start": data.start.isoformat(), "end": data.end.isoformat(), "grouping": "month"}

    def page() -> None:
        response = client.get("/manager/statistiques/finances/", query)
        assert response.status_code == 200, response.status_code

    emit("stats_year_page_ms", _median_ms(page, PAGE_RUNS), "ms", 1000)
