"""Compta > Listes benchmarks (CO-2), on the big structure of `tests.bench.compta_data`
(200,000 payments over a year).

payments_list_p95_ms: GET /manager/compta/listes/paiements/ through the Django test client
(middleware, session, tenant, template: the whole page), filtered by a method and a month
(every method x every month of the year, then by a month alone, then the whole year sorted
by amount), after a warm-up; p95 of the server time. Goal 100 ms: the page is two queries
(one aggregate for the totals, one bounded slice) served by the indexes on
(received_on, id) and (method, received_on).

excel_export_100k_s: the payments of the first months of the year, up to the day where they
pass 100,000, exported to .xlsx by the background export job (`export_job_start`, run
in-process after commit as on the embedded default) in a fresh Python process; wall time of
the job. Its peak RSS (`ru_maxrss` of that process, Django included) is a second line,
excel_export_100k_rss_mb, goal 200 MB: the rows stream from a server-side cursor into a
write-only workbook.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

GOAL_LIST_MS = 100
GOAL_EXPORT_S = 10
GOAL_RSS_MB = 200
WARMUP = 10
EXPORT_ROWS = 100_000
ROOT = Path(__file__).resolve().parents[2]

_BIG: list = []


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def _big():
    """The big structure, built once per run of the benchmarks."""
    if not _BIG:
        from tests.bench.compta_data import big_structure

        _BIG.append(big_structure())
    return _BIG[0]


def _months(year: int) -> list[tuple[dt.date, dt.date]]:
    months = []
    for month in range(1, 13):
        start = dt.date(year, month, 1)
        end = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
        months.append((start, end))
    return months


def bench_payments_list_p95_ms(*, env: dict[str, str], emit) -> None:
    from django.test import Client

    from tests.bench.compta_data import METHODS

    big = _big()
    client = Client(HTTP_HOST=big.structure.get_primary_domain().domain)
    client.force_login(big.owner)
    queries = [
        f"?method={method}&start={start}&end={end}"
        for method in METHODS
        for start, end in _months(big.year)
    ]
    queries += [f"?start={start}&end={end}" for start, end in _months(big.year)]
    queries += [f"?start={big.start}&end={big.end}&sort=-amount"]

    def get(query: str) -> float:
        started = time.perf_counter()
        response = client.get("/manager/compta/listes/paiements/" + query)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200 or b'id="list-table"' not in response.content:
            raise RuntimeError(f"payments list {query} answered {response.status_code}")
        return elapsed

    for query in queries[:WARMUP]:
        get(query)
    times = [get(query) for query in queries]
    log(
        f"  payments list: {len(times)} pages, median {statistics.median(times):.1f} ms, "
        f"p95 {percentile(times, 95):.1f} ms, max {max(times):.1f} ms"
    )
    emit(
        "payments_list_p95_ms",
        round(percentile(times, 95), 1),
        "ms",
        GOAL_LIST_MS,
        median=round(statistics.median(times), 1),
        runs=len(times),
        payments=big.payments,
    )


def _export_end_day(schema_name: str, year: int) -> dt.date:
    """The day on which the year's payments, in date order, pass EXPORT_ROWS."""
    from django_tenants.utils import schema_context

    from ponton.billing.models import Payment

    with schema_context(schema_name):
        day = (
            Payment.objects.filter(received_on__gte=dt.date(year, 1, 1))
            .order_by("received_on", "pk")
            .values_list("received_on", flat=True)[EXPORT_ROWS - 1]
        )
    return day


def bench_excel_export_100k_s(*, env: dict[str, str], emit) -> None:
    big = _big()
    schema_name = big.structure.schema_name
    end = _export_end_day(schema_name, big.year)
    args = [schema_name, str(big.owner.pk), str(big.start), str(end)]
    child = subprocess.run(
        [sys.executable, __file__, "export", *args],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    sys.stderr.write(child.stderr)
    result = json.loads(child.stdout.strip().splitlines()[-1])
    log(
        f"  export of {result['rows']} payments to xlsx: {result['seconds']:.2f} s, "
        f"{result['bytes'] / 1e6:.1f} MB file, peak RSS {result['rss_mb']:.0f} MB"
    )
    emit(
        "excel_export_100k_s",
        round(result["seconds"], 2),
        "s",
        GOAL_EXPORT_S,
        rows=result["rows"],
        bytes=result["bytes"],
    )
    emit("excel_export_100k_rss_mb", round(result["rss_mb"], 1), "MB", GOAL_RSS_MB)


def _export_in_this_process(schema_name: str, owner_id: int, start: str, end: str) -> None:
    """The child: Django set up on the bench database, one export job, timed; prints JSON."""
    import resource

    for path in (ROOT / "platform", ROOT):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))
    import django

    django.setup()
    from django_tenants.utils import schema_context

    from ponton.compta import services_exports
    from ponton.compta.models import ExportJob

    with schema_context(schema_name):
        started = time.perf_counter()
        # The job runs in-process after its commit (no broker: the embedded default).
        job = services_exports.export_job_start(
            slug="paiements",
            params={"start": start, "end": end, "sort": "date"},
            fmt="xlsx",
            created_by_id=owner_id,
        )
        seconds = time.perf_counter() - started
        job = ExportJob.objects.get(pk=job.pk)
        if job.state != ExportJob.State.DONE:
            raise RuntimeError(f"export job {job.state}: {job.error}")
        size = job.file.size
        job.file.storage.delete(job.file.name)  # the bench database goes, its files too
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(json.dumps({"seconds": seconds, "rows": job.done, "bytes": size, "rss_mb": rss_mb}))


if __name__ == "__main__" and len(sys.argv) == 6 and sys.argv[1] == "export":
    os.environ.pop("REDIS_URL", None)
    _export_in_this_process(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5])
