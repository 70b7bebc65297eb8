"""A thousand structures (issue 17, section 1).

The fleet: `BENCH_FLEET` (1,000) structures `flotte-0000`…, each created by the signup's
service `tenants.services.structure_create`, with a small catalogue (3 published products, 2
rates each), 10 sessions and 5 customers. It lives in its own database, `<BENCH_DB>_1000`,
kept between runs: built once (in batches of 50, each batch's time logged), completed if a
build was interrupted (a structure counts once its fill is recorded in `bench_fleet_done`),
and migrated at the start of every run (new migrations of the checkout under test).

The benchmarks that need the fleet run in a child process (`python tests/bench/scale.py
<action>`) whose Django is connected to the fleet's database; it prints JSON lines.

- structure_create_1000th_s: median time of `structure_create` with 1,000 structures (5
  structures created then removed), `first` the same in the empty bench database. Goal 1 s.
- migrate_noop_1000_s: `manage.py migrate` over the 1,000 up-to-date structures. Goal 60 s.
- request_p95_ratio_1000: p95 of the dashboard and of a shop page with 1,000 structures,
  requests spread over 100 of them, ÷ the same with 1 structure. Goal 1.2.
- console_list_1000_ms: p95 of the console's structures list (first page) and of a search,
  with 1,000 structures; the larger of the two. Goal 100 ms.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FLEET = int(os.environ.get("BENCH_FLEET", "1000"))
BATCH = 50
PREFIX = "flotte"
SPREAD = 100
SESSIONS = 10  # in the week the shop page shows
CREATE_RUNS = 5
REQUEST_RUNS = 300
CONSOLE_RUNS = 100


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def slug_of(index: int) -> str:
    return f"{PREFIX}-{index:04d}"


def percentile95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, -(-95 * len(ordered) // 100) - 1)]


# --- filling a structure ------------------------------------------------------------------


def fill(structure) -> str:
    """The small catalogue, sessions and customers; returns the shop page measured."""
    from django.utils import timezone
    from django_tenants.utils import schema_context

    from ponton.catalogue.models import Category, Product
    from ponton.catalogue.services import (
        ProductData,
        product_create,
        product_publish,
        rate_add,
        site_create,
    )
    from ponton.customers.services import customer_create
    from ponton.planning.services import sessions_add
    from ponton.shop.selectors import product_url
    from tenants.models import Structure

    # The shop opens with the CGV (their content does not matter to the page).
    Structure.objects.filter(pk=structure.pk).update(cgv="structures/cgv/bench.pdf")
    zone = timezone.get_current_timezone()
    today = timezone.localdate()
    first = today - dt.timedelta(days=today.weekday()) + dt.timedelta(weeks=1)
    with schema_context(structure.schema_name):
        site = site_create(name="Base nautique", address_line1="1 quai Est", city="Brest")
        category = Category.objects.filter(parent__isnull=False).first()
        products = []
        for i, name in enumerate(("Stage optimist", "Location kayak", "Balade en mer")):
            product = product_create(
                kind=Product.Kind.ACTIVITY,
                data=ProductData(
                    name=name,
                    description="Une activité de la flotte de banc.",
                    price=Decimal("30.00") + i,
                    category=category,
                    site=site,
                ),
            )
            rate_add(product=product, name="Adulte", amount=Decimal("30.00") + i)
            rate_add(product=product, name="Enfant", amount=Decimal("20.00") + i)
            products.append(product_publish(product=product))
        sessions = [
            (start, start + dt.timedelta(hours=2), 8)
            for day in range(5)
            for hour in (10, 14)
            for start in [dt.datetime.combine(first + dt.timedelta(days=day), dt.time(hour), zone)]
        ]
        sessions_add(product=products[0], sessions=sessions)
        for n in range(5):
            customer_create(
                first_name=f"Client{n}", last_name="Banc", email=f"client{n}@flotte.test"
            )
        return product_url(products[0]) + f"?semaine={first.isoformat()}"


def structure_remove(structure) -> None:
    """Remove a structure made by the benchmark: its rows and its schema."""
    from django.db import connection

    from ponton.accounts.models import Membership
    from tenants.cloning import _q
    from tenants.models import ModuleSubscription, Structure

    Membership.objects.filter(structure=structure).delete()
    ModuleSubscription.objects.filter(structure=structure).delete()
    structure.domains.all().delete()
    Structure.objects.filter(pk=structure.pk).delete()
    with connection.cursor() as cur:
        cur.execute(f"DROP SCHEMA IF EXISTS {_q(structure.schema_name)} CASCADE")


def create_one(slug: str, name: str):
    from tenants.services import StructureData, structure_create

    started = time.perf_counter()
    structure, owner = structure_create(
        data=StructureData(name=name, slug=slug, owner_email=f"owner@{slug}.test")
    )
    return structure, owner, time.perf_counter() - started


# --- the fleet (child process, Django on the fleet database) ------------------------------


def _done_table() -> set[str]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "CREATE TABLE IF NOT EXISTS public.bench_fleet_done "
            "(slug text PRIMARY KEY, create_s double precision, fill_s double precision)"
        )
        cur.execute("SELECT slug FROM public.bench_fleet_done")
        return {row[0] for row in cur.fetchall()}


def fleet_build() -> None:
    """Create the structures missing from the fleet (all of them the first time)."""
    from django.db import connection

    from tenants.management.commands.seed_demo import ensure_platform
    from tenants.models import Structure

    ensure_platform()
    done = _done_table()
    missing = [i for i in range(FLEET) if slug_of(i) not in done]
    if not missing:
        log(f"fleet: {FLEET} structures ready")
        return
    log(f"fleet: {FLEET - len(missing)} ready, {len(missing)} to create")
    started = batch_started = time.perf_counter()
    batch_create: list[float] = []
    for count, index in enumerate(missing, start=1):
        slug = slug_of(index)
        leftover = Structure.objects.filter(slug=slug).first()
        if leftover is not None:  # created, not filled: an interrupted build
            structure_remove(leftover)
        structure, _owner, create_s = create_one(slug, f"Club nautique {index:04d}")
        t0 = time.perf_counter()
        fill(structure)
        fill_s = time.perf_counter() - t0
        connection.set_schema_to_public()
        with connection.cursor() as cur:
            cur.execute(
                "INSERT INTO public.bench_fleet_done VALUES (%s, %s, %s)", [slug, create_s, fill_s]
            )
        batch_create.append(create_s)
        if count % BATCH == 0 or count == len(missing):
            log(
                f"fleet: {count}/{len(missing)} created; batch of {len(batch_create)} in "
                f"{time.perf_counter() - batch_started:.1f} s, structure_create median "
                f"{statistics.median(batch_create) * 1000:.0f} ms, max "
                f"{max(batch_create) * 1000:.0f} ms"
            )
            batch_started = time.perf_counter()
            batch_create = []
    log(f"fleet: {len(missing)} structures built in {time.perf_counter() - started:.1f} s")


def fleet_stats() -> dict:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*), sum(create_s), sum(fill_s), "
            "percentile_cont(0.5) WITHIN GROUP (ORDER BY create_s) FROM public.bench_fleet_done"
        )
        count, create_total, fill_total, create_median = cur.fetchone()
        cur.execute(
            "SELECT create_s FROM public.bench_fleet_done ORDER BY slug DESC LIMIT 1",
        )
        last = cur.fetchone()
    return {
        "fleet": count,
        "build_create_s": round(create_total or 0, 1),
        "build_fill_s": round(fill_total or 0, 1),
        "build_create_median_s": round(create_median or 0, 4),
        "build_create_last_s": round(last[0], 4) if last else None,
    }


def create_at_fleet() -> dict:
    """structure_create with the whole fleet there: 5 more structures, then removed."""
    from django.db import connection

    stamp = int(time.time())
    durations = []
    for i in range(CREATE_RUNS):
        structure, _owner, seconds = create_one(f"extra{stamp}x{i}", f"Club en plus {i}")
        durations.append(seconds)
        connection.set_schema_to_public()
        structure_remove(structure)
    log(f"structure_create at {FLEET}: " + ", ".join(f"{d * 1000:.0f} ms" for d in durations))
    return {"median": statistics.median(durations), "max": max(durations)}


def measure_requests(structures: list) -> dict:
    """p95 (ms) of GET /manager/ (the owner, logged in) and of a shop page (anonymous), the
    requests going round the given structures; one warm-up pass first."""
    from django.db import connection
    from django.test import Client

    from ponton.accounts.models import Membership, Role

    targets = []
    for structure, url in structures:
        owner = Membership.objects.filter(structure=structure, role=Role.OWNER).first().user
        host = structure.get_primary_domain().domain
        staff = Client(HTTP_HOST=host)
        staff.force_login(owner)
        targets.append((staff, Client(HTTP_HOST=host), url))
    connection.set_schema_to_public()

    def timed(client, url: str, sessions: int | None = None) -> float:
        t0 = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - t0) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}")
        if sessions is not None and response.content.count(b"data-book-session=") != sessions:
            raise RuntimeError(f"GET {url} does not show the {sessions} sessions of its week")
        return elapsed

    for staff, visitor, url in targets:
        timed(staff, "/manager/")
        timed(visitor, url, SESSIONS)
    dashboard, shop = [], []
    for n in range(REQUEST_RUNS):
        staff, visitor, url = targets[n % len(targets)]
        dashboard.append(timed(staff, "/manager/"))
        shop.append(timed(visitor, url, SESSIONS))
    return {
        "dashboard_p95_ms": percentile95(dashboard),
        "dashboard_median_ms": statistics.median(dashboard),
        "shop_p95_ms": percentile95(shop),
        "shop_median_ms": statistics.median(shop),
        "structures": len(targets),
    }


def requests_at_fleet() -> dict:
    from django.db import connection
    from django_tenants.utils import schema_context

    from ponton.catalogue.models import Product
    from ponton.shop.selectors import product_url
    from tenants.models import Structure

    step = max(1, FLEET // SPREAD)
    chosen = []
    for structure in Structure.objects.filter(
        slug__in=[slug_of(i) for i in range(0, FLEET, step)][:SPREAD]
    ):
        with schema_context(structure.schema_name):
            product = Product.objects.get(name="Stage optimist")
            url = product_url(product)
        chosen.append((structure, url + "?semaine=" + _next_monday()))
    connection.set_schema_to_public()
    return measure_requests(chosen)


def _next_monday() -> str:
    from django.utils import timezone

    today = timezone.localdate()
    return (today - dt.timedelta(days=today.weekday()) + dt.timedelta(weeks=1)).isoformat()


def console_at_fleet() -> dict:
    from django.test import Client

    from ponton.accounts.models import User
    from tenants.management.commands.seed_demo import ensure_platform

    platform = ensure_platform()
    operator, _ = User.objects.get_or_create(
        email="operatrice@flotte.test", defaults={"is_platform_operator": True}
    )
    client = Client(HTTP_HOST=platform.get_primary_domain().domain)
    client.force_login(operator)
    url = "/console/"

    def timed(params: dict, expect: bytes) -> float:
        t0 = time.perf_counter()
        response = client.get(url, params)
        elapsed = (time.perf_counter() - t0) * 1000
        if response.status_code != 200 or expect not in response.content:
            raise RuntimeError(f"GET {url} {params}: {response.status_code}, no {expect!r}")
        return elapsed

    searched = slug_of(FLEET // 2)
    for _ in range(5):
        timed({}, b'data-row="flotte-0000"')
        timed({"q": searched}, f'data-row="{searched}"'.encode())
    listing = [timed({"page": 1 + n % 3}, b"data-row=") for n in range(CONSOLE_RUNS)]
    search = [
        timed({"q": f"Club nautique {(FLEET // 3 + n) % FLEET:04d}"}, b"data-row=")
        for n in range(CONSOLE_RUNS)
    ]
    return {
        "list_p95_ms": percentile95(listing),
        "search_p95_ms": percentile95(search),
        "list_median_ms": statistics.median(listing),
        "search_median_ms": statistics.median(search),
    }


def child_main(action: str) -> int:
    """Run in the child process (DATABASE_URL: the fleet's database)."""
    from tests.bench.run import django_setup

    django_setup(dict(os.environ))
    if action == "build":
        fleet_build()
        result = fleet_stats()
    elif action == "create":
        result = {**create_at_fleet(), **fleet_stats()}
    elif action == "requests":
        result = requests_at_fleet()
    elif action == "console":
        result = console_at_fleet()
    else:
        raise SystemExit(f"unknown action {action}")
    print(json.dumps(result), flush=True)
    return 0


# --- the parent side (tests/bench/run.py, Django on the empty bench database) -------------


def fleet_database() -> str:
    from tests.bench.run import BENCH_DB

    return os.environ.get("BENCH_FLEET_DB", f"{BENCH_DB}_{FLEET}")


def _fleet_url(env: dict[str, str]) -> str:
    from tests.bench.run import with_database

    return with_database(env["DATABASE_URL"], fleet_database())


def _fleet_env(env: dict[str, str]) -> dict[str, str]:
    return {**env, "DATABASE_URL": _fleet_url(env), "BENCH_FLEET": str(FLEET)}


def _child(env: dict[str, str], action: str) -> dict:
    out = subprocess.run(
        [sys.executable, str(Path(__file__)), action],
        env=_fleet_env(env),
        cwd=ROOT,
        check=True,
        stdout=subprocess.PIPE,
        stderr=sys.stderr,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def _migrate(env: dict[str, str], *extra: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput", "-v", "1", *extra],
        env=_fleet_env(env),
        cwd=ROOT,
        check=True,
        stdout=sys.stderr,
        stderr=sys.stderr,
    )
    return time.perf_counter() - started


_READY: dict[str, dict] = {}


def fleet_ensure(env: dict[str, str]) -> dict:
    """The fleet's database: created if missing, migrated, completed. Once per run."""
    if "stats" in _READY:
        return _READY["stats"]
    import psycopg
    from psycopg import sql

    from tests.bench.run import with_database

    name = fleet_database()
    MIGRATION_FILE.unlink(missing_ok=True)  # left by an interrupted migrate_column_1000_s
    with psycopg.connect(with_database(env["DATABASE_URL"], "postgres"), autocommit=True) as c:
        if c.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            c.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            log(f"fleet database {name} created")
    log(f"fleet database {name}: migrate {_migrate(env):.1f} s")
    started = time.perf_counter()
    stats = _child(env, "build")
    log(f"fleet ready in {time.perf_counter() - started:.1f} s: {stats}")
    _READY["stats"] = stats
    return stats


def bench_structure_create_1000th_s(*, env: dict[str, str], emit) -> None:
    from django.db import connection

    durations = []
    stamp = int(time.time())
    for i in range(CREATE_RUNS):
        structure, _o, seconds = create_one(f"premiere{stamp}x{i}", f"Première structure {i}")
        durations.append(seconds)
        connection.set_schema_to_public()
        structure_remove(structure)  # the bench database keeps its single structure
    first = statistics.median(durations)
    log("structure_create, empty database: " + ", ".join(f"{d * 1000:.0f} ms" for d in durations))
    stats = fleet_ensure(env)
    at_fleet = _child(env, "create")
    emit(
        f"structure_create_{FLEET}th_s",
        round(at_fleet["median"], 4),
        "s",
        1,
        first=round(first, 4),
        max=round(at_fleet["max"], 4),
        runs=CREATE_RUNS,
        **stats,
    )


def bench_migrate_noop_1000_s(*, env: dict[str, str], emit) -> None:
    fleet_ensure(env)
    seconds = _migrate(env)
    emit(f"migrate_noop_{FLEET}_s", round(seconds, 2), "s", 60, structures=FLEET)


def bench_request_p95_ratio_1000(*, env: dict[str, str], emit) -> None:
    from django.db import connection

    stamp = int(time.time())
    structure, _o, _s = create_one(f"seule{stamp}", "Club nautique seul")
    url = fill(structure)
    connection.set_schema_to_public()
    one = measure_requests([(structure, url)])
    log(f"1 structure: {one}")
    fleet_ensure(env)
    many = _child(env, "requests")
    log(f"{FLEET} structures: {many}")
    dashboard = many["dashboard_p95_ms"] / one["dashboard_p95_ms"]
    shop = many["shop_p95_ms"] / one["shop_p95_ms"]
    emit(
        f"request_p95_ratio_{FLEET}",
        round(max(dashboard, shop), 3),
        "ratio",
        1.2,
        dashboard_ratio=round(dashboard, 3),
        shop_ratio=round(shop, 3),
        dashboard_p95_ms_1=round(one["dashboard_p95_ms"], 2),
        dashboard_p95_ms_fleet=round(many["dashboard_p95_ms"], 2),
        shop_p95_ms_1=round(one["shop_p95_ms"], 2),
        shop_p95_ms_fleet=round(many["shop_p95_ms"], 2),
        spread=many["structures"],
        runs=REQUEST_RUNS,
    )


def bench_console_list_1000_ms(*, env: dict[str, str], emit) -> None:
    fleet_ensure(env)
    result = _child(env, "console")
    emit(
        f"console_list_{FLEET}_ms",
        round(max(result["list_p95_ms"], result["search_p95_ms"]), 2),
        "ms",
        100,
        list_p95_ms=round(result["list_p95_ms"], 2),
        search_p95_ms=round(result["search_p95_ms"], 2),
        list_median_ms=round(result["list_median_ms"], 2),
        search_median_ms=round(result["search_median_ms"], 2),
        runs=CONSOLE_RUNS,
    )


# --- a real migration over the fleet, interrupted and resumed ------------------------------

COLUMN = "bench_fleet_note"
MIGRATION_NAME = "9000_bench_fleet_column"
MIGRATION_FILE = ROOT / "platform/ponton/customers/migrations" / f"{MIGRATION_NAME}.py"


def _customers_leaf() -> str:
    names = sorted(
        p.stem
        for p in MIGRATION_FILE.parent.glob("[0-9][0-9][0-9][0-9]_*.py")
        if p.stem != MIGRATION_NAME
    )
    return names[-1]


def _fleet_sql(env: dict[str, str], query: str, params: list | None = None) -> list:
    import psycopg

    with psycopg.connect(_fleet_url(env), autocommit=True) as conn:
        return conn.execute(query, params or []).fetchall()  # type: ignore[arg-type]


def _with_column(env: dict[str, str]) -> int:
    return _fleet_sql(
        env,
        "SELECT count(*) FROM information_schema.columns WHERE table_name = 'customers_customer' "
        "AND column_name = %s",
        [COLUMN],
    )[0][0]


def _revert(env: dict[str, str]) -> None:
    """Take the bench's column and its django_migrations rows out of every schema."""
    import psycopg

    with psycopg.connect(_fleet_url(env), autocommit=True) as conn:
        schemas = [
            row[0]
            for row in conn.execute(
                "SELECT table_schema FROM information_schema.columns "
                "WHERE table_name = 'customers_customer' AND column_name = %s",
                [COLUMN],
            ).fetchall()
        ]
        for schema in schemas:
            conn.execute(f'ALTER TABLE "{schema}".customers_customer DROP COLUMN {COLUMN}')
        for (schema,) in conn.execute(
            "SELECT table_schema FROM information_schema.tables "
            "WHERE table_name = 'django_migrations'"
        ).fetchall():
            conn.execute(
                f'DELETE FROM "{schema}".django_migrations WHERE app = %s AND name = %s',  # noqa: S608
                ["customers", MIGRATION_NAME],
            )


def bench_migrate_column_1000_s(*, env: dict[str, str], emit) -> None:
    """A migration adding a column to customers_customer in every structure: the first
    `migrate` is killed (SIGKILL) once half the schemas have the column, a second one
    finishes. Checked: every schema has the column and records the migration exactly once,
    and the schemas migrated before the kill were not migrated again."""
    import signal

    fleet_ensure(env)
    _revert(env)
    MIGRATION_FILE.write_text(
        "from django.db import migrations\n\n\n"
        "class Migration(migrations.Migration):\n"
        f'    dependencies = [("customers", "{_customers_leaf()}")]\n'
        "    operations = [\n"
        "        migrations.RunSQL(\n"
        f'            "ALTER TABLE customers_customer ADD COLUMN {COLUMN} text",\n'
        f'            "ALTER TABLE customers_customer DROP COLUMN {COLUMN}",\n'
        "        )\n"
        "    ]\n"
    )
    try:
        total = _fleet_sql(
            env,
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_name = 'customers_customer'",
        )[0][0]
        started = time.perf_counter()
        first = subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput", "-v", "0"],
            env=_fleet_env(env),
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=sys.stderr,
        )
        while _with_column(env) < total // 2:
            if first.poll() is not None:
                raise RuntimeError("the first migrate ended before half the schemas")
            time.sleep(0.2)
        first.send_signal(signal.SIGKILL)
        first.wait()
        killed_after = time.perf_counter() - started
        killed_at = _fleet_sql(env, "SELECT now()")[0][0]
        done_at_kill = _with_column(env)
        log(f"migrate killed after {killed_after:.1f} s: {done_at_kill}/{total} schemas done")
        resumed = _migrate(env)
        done = _with_column(env)
        schemas = [
            row[0]
            for row in _fleet_sql(
                env,
                "SELECT table_schema FROM information_schema.tables "
                "WHERE table_name = 'customers_customer'",
            )
        ]
        recorded = {}
        for schema in schemas:
            rows = _fleet_sql(
                env,
                f'SELECT applied FROM "{schema}".django_migrations '  # noqa: S608
                "WHERE app = 'customers' AND name = %s",
                [MIGRATION_NAME],
            )
            recorded[schema] = [row[0] for row in rows]
        twice = [s for s, rows in recorded.items() if len(rows) != 1]
        before_kill = sum(1 for rows in recorded.values() if rows and rows[0] <= killed_at)
        if done != total or twice or before_kill > done_at_kill:
            raise RuntimeError(
                f"not resumed cleanly: {done}/{total} with the column, recorded twice or "
                f"never in {twice[:5]}, {before_kill} recorded before the kill"
            )
        emit(
            f"migrate_column_{FLEET}_s",
            round(killed_after + resumed, 1),
            "s",
            None,  # no goal: the figure is reported, resuming is what is checked
            killed_after_s=round(killed_after, 1),
            done_at_kill=done_at_kill,
            recorded_before_kill=before_kill,
            resumed_s=round(resumed, 1),
            schemas=total,
            migrated_twice=len(twice),
        )
    finally:
        MIGRATION_FILE.unlink(missing_ok=True)
        _revert(env)


if __name__ == "__main__":
    for path in (ROOT / "platform", ROOT):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))
    sys.exit(child_main(sys.argv[1]))
