"""Benchmarks: `python tests/bench/run.py [name]` (`make bench ONLY=name`).

Each benchmark prints ONE JSON line on stdout, e.g.
    {"bench": "structure_create_s", "value": 0.12, "unit": "s", "goal": 1, "better": "lower"}
Everything else (migrate output, progress) goes to stderr.

The benchmarks use their own database, `ponton_bench`, on the server of DATABASE_URL: it is
created empty, migrated with `manage.py migrate` (which also builds the template schema),
used in-process with the dev settings, and dropped at the end.
"""

from __future__ import annotations

import json
import math
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
# BENCH_DB: another name, for two checkouts benchmarking on one PostgreSQL at the same time.
BENCH_DB = os.environ.get("BENCH_DB", "ponton_bench")
SETTINGS = "ponton.config.settings.dev"
STRUCTURE_CREATE_RUNS = 20
DASHBOARD_WARMUP = 10
DASHBOARD_RUNS = 200


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def emit(
    bench: str, value: float, unit: str, goal: float | None, better: str = "lower", **extra
) -> None:
    line = {"bench": bench, "value": value, "unit": unit, "goal": goal, "better": better}
    line.update(extra)
    print(json.dumps(line), flush=True)


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


# --- the bench database -------------------------------------------------------------------


def _admin_connect(url: str):
    import psycopg

    # The maintenance database: the bench database can be dropped and created from there.
    return psycopg.connect(with_database(url, "postgres"), autocommit=True)


def database_recreate(url: str) -> str:
    from psycopg import sql

    with _admin_connect(url) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(BENCH_DB))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(BENCH_DB)))
    return with_database(url, BENCH_DB)


def database_drop(url: str) -> None:
    from psycopg import sql

    with _admin_connect(url) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(BENCH_DB))
        )


_CURRENT_ENV: dict[str, str] = {}


def bench_env_current() -> dict[str, str]:
    """The environment of the bench database (for servers the benchmarks start)."""
    return dict(_CURRENT_ENV)


def bench_env(bench_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=bench_url,
        DJANGO_SETTINGS_MODULE=SETTINGS,
        PLATFORM_DOMAIN="localhost",
        PUBLIC_PORT_SUFFIX=":8000",
    )
    env.pop("REDIS_URL", None)  # in-process tasks and in-memory layers, as in `make run`
    _CURRENT_ENV.clear()
    _CURRENT_ENV.update(env)
    return env


def migrate(env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput", "-v", "0"],
        env=env,
        cwd=ROOT,
        check=True,
        stdout=sys.stderr,
        stderr=sys.stderr,
    )
    return time.perf_counter() - started


def django_setup(env: dict[str, str]) -> None:
    os.environ.update(env)
    os.environ.pop("REDIS_URL", None)
    for path in (ROOT / "platform", ROOT):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))
    import django

    django.setup()


# --- benchmarks ---------------------------------------------------------------------------


def bench_structure_create_s() -> None:
    """Median time of `structure_create` (a clone of the template schema), 20 calls."""
    from django.conf import settings
    from django.db import connection

    from tenants.services import StructureData, structure_create

    with connection.cursor() as cur:
        cur.execute(f'SELECT count(*) FROM "{settings.TENANT_BASE_SCHEMA}".django_migrations')  # noqa: S608
        migrations = cur.fetchone()[0]
        cur.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind IN ('r', 'p')",
            [settings.TENANT_BASE_SCHEMA],
        )
        tables = cur.fetchone()[0]
    stamp = int(time.time())
    durations = []
    for i in range(STRUCTURE_CREATE_RUNS):
        data = StructureData(
            name=f"Club de banc {i}",
            slug=f"bench{stamp}x{i}",
            owner_email=f"owner{i}@bench{stamp}.test",
        )
        started = time.perf_counter()
        structure_create(data=data)
        durations.append(time.perf_counter() - started)
        log(f"structure_create #{i + 1}: {durations[-1] * 1000:.1f} ms")
    emit(
        "structure_create_s",
        round(statistics.median(durations), 4),
        "s",
        1,
        migrations=migrations,
        tables=tables,
        runs=STRUCTURE_CREATE_RUNS,
        max=round(max(durations), 4),
    )


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def bench_dashboard_p95_ms() -> None:
    """p95 server time of GET /manager/ for the demo structure's logged-in owner."""
    from django.core.management import call_command
    from django.test import Client

    from ponton.accounts.models import User
    from tenants.management.commands.seed_demo import DEMO_OWNER, DEMO_SLUG
    from tenants.models import Structure

    call_command("seed_demo", stdout=sys.stderr)
    demo = Structure.objects.get(slug=DEMO_SLUG)
    owner = User.objects.get(email=DEMO_OWNER)
    client = Client(HTTP_HOST=demo.get_primary_domain().domain)
    client.force_login(owner)

    def get() -> float:
        started = time.perf_counter()
        response = client.get("/manager/")
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            raise RuntimeError(f"GET /manager/ answered {response.status_code}")
        return elapsed * 1000

    for _ in range(DASHBOARD_WARMUP):
        get()
    times = [get() for _ in range(DASHBOARD_RUNS)]
    log(
        f"dashboard: median {statistics.median(times):.1f} ms, "
        f"p95 {percentile(times, 95):.1f} ms, max {max(times):.1f} ms"
    )
    emit(
        "dashboard_p95_ms",
        round(percentile(times, 95), 2),
        "ms",
        100,
        median=round(statistics.median(times), 2),
        runs=DASHBOARD_RUNS,
    )


def _realtime(name: str) -> Callable[[], None]:
    def run() -> None:
        from tests.bench import realtime

        getattr(realtime, f"bench_{name}")(env=bench_env_current(), emit=emit)

    return run


def _customers() -> None:
    from tests.bench.customers import bench_customer_search_p95_ms

    bench_customer_search_p95_ms(env=bench_env_current(), emit=emit)


def _planning() -> None:
    from tests.bench.planning import bench_recurrence_1000_s

    bench_recurrence_1000_s(env=bench_env_current(), emit=emit)


def _resources(name: str) -> Callable[[], None]:
    def run() -> None:
        from tests.bench import resources

        getattr(resources, f"bench_{name}")(env=bench_env_current(), emit=emit)

    return run


def _planning_week() -> None:
    from tests.bench.planning import bench_planning_week_p95_ms

    bench_planning_week_p95_ms(env=bench_env_current(), emit=emit)


def _ledger() -> None:
    from tests.bench.ledger import bench_verify_ledger_100k_s

    bench_verify_ledger_100k_s(env=bench_env_current(), emit=emit)


def _sales(*, through_pgbouncer: bool = False) -> Callable[[], None]:
    def run() -> None:
        from tests.bench.sales import bench_sales

        bench_sales(env=bench_env_current(), emit=emit, through_pgbouncer=through_pgbouncer)

    return run


def _availability() -> None:
    from tests.bench.availability import bench_availability_push_ms

    bench_availability_push_ms(env=bench_env_current(), emit=emit)


def _shop_page() -> None:
    from tests.bench.shop import bench_shop_page_p95_ms

    bench_shop_page_p95_ms(env=bench_env_current(), emit=emit)


def _races(name: str) -> Callable[[], None]:
    def run() -> None:
        from tests.bench import races

        getattr(races, f"bench_{name}")(emit=emit, log=log)

    return run


def _online_buyers() -> None:
    from tests.bench.online_buyers import bench_online_buyers

    bench_online_buyers(env=bench_env_current(), emit=emit)


def _invoice_pdf() -> None:
    from tests.bench.billing import bench_invoice_pdf_ms

    bench_invoice_pdf_ms(env=bench_env_current(), emit=emit)


def _till_closing() -> None:
    from tests.bench.till_closing import bench_z_closing_ms

    bench_z_closing_ms(env=bench_env_current(), emit=emit)


def _sms_race() -> None:
    from tests.bench.sms import bench_sms_quota_race_sent

    bench_sms_quota_race_sent(emit=emit, log=log)


def _stats() -> None:
    from tests.bench.stats import bench_stats_year_ms

    bench_stats_year_ms(env=bench_env_current(), emit=emit)


def _till(name: str) -> Callable[[], None]:
    def run() -> None:
        from tests.bench import till

        getattr(till, f"bench_{name}")(env=bench_env_current(), emit=emit)

    return run


def _cheques() -> None:
    from tests.bench.cheques import bench_cheques

    bench_cheques(emit=emit)  # prints cheque_deposit_100_ms too


def _compta_lists(name: str) -> Callable[[], None]:
    def run() -> None:
        from tests.bench import compta_lists

        getattr(compta_lists, f"bench_{name}")(env=bench_env_current(), emit=emit)

    return run


def _fec_year() -> None:
    from tests.bench.compta_fec import bench_fec_year_s

    bench_fec_year_s(env=bench_env_current(), emit=emit)


def _emarketing(name: str) -> Callable[[], None]:
    def run() -> None:
        from tests.bench import emarketing

        getattr(emarketing, f"bench_{name}")(env=bench_env_current(), emit=emit)

    return run


def _ffvoile(name: str) -> Callable[[], None]:
    def run() -> None:
        from tests.bench import ffvoile

        getattr(ffvoile, f"bench_{name}")(emit=emit, log=log)

    return run


def _structure_move() -> None:
    from tests.bench.structure_move import bench_structure_move

    bench_structure_move(env=bench_env_current(), emit=emit)


def _prod_tier(name: str) -> Callable[[], None]:
    def run() -> None:
        from tests.bench import prod_tier

        getattr(prod_tier, f"bench_{name}")(env=bench_env_current(), emit=emit)

    return run


def _scale(name: str) -> Callable[[], None]:
    def run() -> None:
        from tests.bench import scale

        getattr(scale, f"bench_{name}")(env=bench_env_current(), emit=emit)

    return run


BENCHES: dict[str, Callable[[], None]] = {
    "structure_create_s": bench_structure_create_s,
    "dashboard_p95_ms": bench_dashboard_p95_ms,
    "ws_clients_held": _realtime("ws_clients_held"),
    "fanout_200_ms": _realtime("fanout_200_ms"),
    "forum_latency_p95_ms": _realtime("forum_latency_p95_ms"),
    "customer_search_p95_ms": _customers,
    "recurrence_1000_s": _planning,
    "planning_week_p95_ms": _planning_week,
    "resource_check_p95_ms": _resources("resource_check_p95_ms"),
    "recurrence_with_resources_1000_s": _resources("recurrence_with_resources_1000_s"),
    "verify_ledger_100k_s": _ledger,
    "sales_per_s": _sales(),
    # The same through a real PgBouncer in session mode (docs/adr/0024).
    "sales_per_s_pgbouncer": _sales(through_pgbouncer=True),
    "buyers_200_last_10_s": _races("buyers_200_last_10_s"),
    "invoices_20_parallel_s": _races("invoices_20_parallel_s"),
    "invoice_pdf_ms": _invoice_pdf,
    "online_buyers_200_last_10_s": _online_buyers,
    "availability_push_ms": _availability,  # prints availability_push_ms_max too
    "shop_page_p95_ms": _shop_page,
    "z_closing_ms": _till_closing,
    "till_sale_p95_ms": _till("till_sale_p95_ms"),
    "offline_sync_1000_s": _till("offline_sync_1000_s"),
    "cheques_page_p95_ms": _cheques,
    "payments_list_p95_ms": _compta_lists("payments_list_p95_ms"),
    "excel_export_100k_s": _compta_lists("excel_export_100k_s"),  # + excel_export_100k_rss_mb
    "fec_year_s": _fec_year,
    "stats_year_ms": _stats,  # prints stats_year_attendance_ms and stats_year_page_ms too
    "sms_quota_race_sent": _sms_race,
    "campaign_10k_per_s": _emarketing("campaign_10k_per_s"),
    "segment_100k_ms": _emarketing("segment_100k_ms"),
    "ffvoile_race_calls": _ffvoile("ffvoile_race_calls"),
    "ffvoile_licences_per_s": _ffvoile("ffvoile_licences_per_s"),  # + ffvoile_sale_ms
    "structure_export_100k_s": _structure_move,  # prints structure_import_100k_s too
    # A thousand structures: their database <BENCH_DB>_1000 is built once and kept.
    "structure_create_1000th_s": _scale("structure_create_1000th_s"),
    "migrate_noop_1000_s": _scale("migrate_noop_1000_s"),
    "request_p95_ratio_1000": _scale("request_p95_ratio_1000"),
    "console_list_1000_ms": _scale("console_list_1000_ms"),
    # Adds a column to every structure, kills the migrate half-way, resumes it, then reverts.
    "migrate_column_1000_s": _scale("migrate_column_1000_s"),
    # The production tier (gunicorn, daphne, PgBouncer, Redis) under the race and the crash.
    "prod_race_sold": _prod_tier("prod_race"),  # + prod_race_complet/_503/_5xx/_dropped/_s
    "prod_crash_lost_sales": _prod_tier("prod_crash"),  # + _half_written, _gaps, _ledger_ok
}


def main(argv: list[str]) -> int:
    names = argv or list(BENCHES)
    unknown = [n for n in names if n not in BENCHES]
    if unknown:
        log(f"unknown benchmark(s) {unknown}; known: {', '.join(BENCHES)}")
        return 2
    url = os.environ.get("DATABASE_URL")
    if not url:
        log("DATABASE_URL is not set (make bench sets it to the local PostgreSQL)")
        return 2
    bench_url = database_recreate(url)
    log(f"bench database: {BENCH_DB}")
    try:
        env = bench_env(bench_url)
        log(f"migrate: {migrate(env):.1f} s")
        django_setup(env)
        for name in names:
            log(f"--- {name}")
            from django.db import connection

            connection.set_schema_to_public()  # each benchmark starts on the public schema
            BENCHES[name]()
    finally:
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        database_drop(url)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
