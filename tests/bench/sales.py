"""Sales benchmark (OR-1, OR-3, OR-6, OR-11 through the API).

sales_per_s / sale_p95_ms: complete back-office sales through the API, sustained over 60 s
after 5 s of warm-up, by 8 client threads with their own connections, against the HTTP tier
of production (docs/adr/0007): gunicorn, one sync worker per core (`BENCH_SALES_WORKERS`),
production settings, persistent database connections. By default a sale is one call,
POST /api/v1/sales/ (order, invoice of its line and payment, in one transaction);
BENCH_SALES_CALLS=3 makes each sale the three calls of the Club Manager's flow instead
(POST /api/v1/orders/, …/invoices/, /api/v1/documents/<id>/payments/), reported as
sales3_per_s. BENCH_SALES_SERVER=daphne
measures daphne processes (the ASGI server of `make run`) instead of gunicorn.

sales_per_s_pgbouncer / sale_p95_ms_pgbouncer: the same, with the servers' DATABASE_URL on a
real PgBouncer in session mode (docs/adr/0024) in front of the bench database, as in
production: one server connection per connection the tier holds (tests/support/pgbouncer.py).

Every answer must be a 201; afterwards `verify_ledger` must pass and the database must hold
exactly as many orders, invoices and payments as sales were made. Goal: 100 sales/s.
"""

from __future__ import annotations

import contextlib
import http.client
import io
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# gunicorn workers (or daphne processes): one per core. The sales are CPU-bound and share the
# cores with PostgreSQL and the clients: measured on the 2-core machine, 2 workers ~110 sales/s,
# 3 ~97/s, 4 ~94/s (more processes, more switching and waiting on the counters' lock).
PROCESSES = int(os.environ.get("BENCH_SALES_WORKERS", str(os.cpu_count() or 2)))
CLIENTS = 8
WARMUP_S = 5
# The servers' SECRET_KEY: the ledger's signatures are keyed by it, so the ledger is verified
# under the same one.
SERVER_SECRET_KEY = "bench-only-not-a-secret"  # noqa: S105 - an obvious test value
DURATION_S = int(os.environ.get("BENCH_SALES_SECONDS", "60"))
ONE_CALL = os.environ.get("BENCH_SALES_CALLS", "1") != "3"
SERVER = os.environ.get("BENCH_SALES_SERVER", "gunicorn")
GOAL = 100
DAPHNE_POOL = 4  # the psycopg pool of each daphne process (DB_POOL_MAX_SIZE)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(port: int, proc: subprocess.Popen) -> None:
    import socket

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"{SERVER} did not start")


def _start_servers(env: dict[str, str]) -> tuple[list[subprocess.Popen], list[int]]:
    """The HTTP tier: one gunicorn with PROCESSES workers (one port), or PROCESSES daphne
    processes (one port each, the clients spread over them)."""
    server_env = dict(
        env,
        DJANGO_SETTINGS_MODULE=os.environ.get(
            "BENCH_SERVER_SETTINGS", "ponton.config.settings.prod"
        ),
        SECRET_KEY=SERVER_SECRET_KEY,
        ALLOWED_HOSTS="*",
    )
    if SERVER == "gunicorn":
        commands = [
            [
                *("-m", "gunicorn", "--workers", str(PROCESSES), "--bind"),
                "127.0.0.1:{port}",
                "ponton.config.wsgi:application",
            ]
        ]
        server_env["DB_CONN_MAX_AGE"] = "600"  # one thread per worker: one connection each
    else:
        commands = [
            ["-m", "daphne", "-b", "127.0.0.1", "-p", "{port}", "ponton.config.asgi:application"]
        ] * PROCESSES
        server_env["DB_POOL_MAX_SIZE"] = str(DAPHNE_POOL)
    procs, ports = [], []
    for command in commands:
        port = _free_port()
        proc = subprocess.Popen(
            [sys.executable, *(part.format(port=port) for part in command)],
            env=server_env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL if SERVER == "gunicorn" else sys.stderr,
        )
        _wait_for(port, proc)
        procs.append(proc)
        ports.append(port)
    return procs, ports


class Seller:
    """One client thread: sales over one keep-alive connection."""

    def __init__(self, *, port: int, host: str, token: str, catalogue: dict):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.headers = {
            "Host": host,
            "Authorization": f"Token {token}",
            "Content-Type": "application/json",
            # The TLS proxy's header: production settings redirect plain HTTP otherwise.
            "X-Forwarded-Proto": "https",
        }
        self.catalogue = catalogue
        self.random = random.Random(port)

    def post(self, path: str, body: dict) -> dict:
        self.conn.request("POST", path, body=json.dumps(body), headers=self.headers)
        response = self.conn.getresponse()
        data = response.read()
        if response.status != 201:
            detail = data[data.find(b'<pre class="exception_value">') :][:600] or data[:300]
            raise RuntimeError(f"POST {path} answered {response.status}: {detail!r}")
        return json.loads(data)

    def sale(self) -> None:
        c = self.catalogue
        payer = self.random.choice(c["payers"])
        basket = {
            "payer": payer,
            "lines": [
                {
                    "product": c["activity"],
                    "session": self.random.choice(c["sessions"]),
                    "rate": c["rate"],
                    "consumer": payer,
                }
            ],
        }
        if ONE_CALL:
            self.post(
                "/api/v1/sales/",
                {**basket, "payments": [{"method": "card", "amount": c["price"]}]},
            )
            return
        order = self.post("/api/v1/orders/", basket)
        invoice = self.post(f"/api/v1/orders/{order['id']}/invoices/", {})
        self.post(
            f"/api/v1/documents/{invoice['id']}/payments/",
            {"method": self.random.choice(["cash", "card"]), "amount": invoice["total"]},
        )


def _catalogue(structure) -> dict:
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone
    from django_tenants.utils import schema_context

    from ponton.catalogue.models import Category, Product
    from ponton.catalogue.services import ProductData, product_create, product_publish, rate_add
    from ponton.customers.services import customer_create
    from ponton.planning.services import session_add

    with schema_context(structure.schema_name):
        activity = product_publish(
            product=product_create(
                kind=Product.Kind.ACTIVITY,
                data=ProductData(
                    name="Balade en paddle",
                    price=Decimal("25.00"),
                    consumer_required=True,
                    category=Category.objects.filter(parent__isnull=False).first(),
                ),
            )
        )
        rate = rate_add(product=activity, name="Adulte", amount=Decimal("25.00"))
        start = (timezone.localtime() + dt.timedelta(days=2)).replace(
            hour=10, minute=0, second=0, microsecond=0
        )
        sessions = [
            session_add(
                product=activity,
                starts_at=start + dt.timedelta(days=i),
                ends_at=start + dt.timedelta(days=i, hours=2),
                capacity=100_000,
            ).pk
            for i in range(20)
        ]
        payers = [
            customer_create(first_name=f"Client {i}", last_name="Banc", email=f"c{i}@banc.test").pk
            for i in range(200)
        ]
    return {
        "activity": activity.pk,
        "rate": rate.pk,
        "price": "25.00",
        "sessions": sessions,
        "payers": payers,
    }


def cpu_calibration_s() -> float:
    """Seconds for 10 million additions in a Python loop (best of 3): how fast this machine
    runs Python, so that figures from different machines can be compared (the sales are
    CPU-bound)."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        total = 0
        for i in range(10_000_000):
            total += i
        best = min(best, time.perf_counter() - started)
    return round(best, 2)


def server_connections() -> int:
    """The database connections the HTTP tier holds at most: one per gunicorn worker
    (persistent, one thread each), or each daphne process's pool."""
    return PROCESSES if SERVER == "gunicorn" else PROCESSES * DAPHNE_POOL


@contextlib.contextmanager
def _database_of_servers(env: dict[str, str], through_pgbouncer: bool) -> Iterator[tuple]:
    """(the servers' environment, the pgbouncer or None): with `through_pgbouncer`, a session
    pooler in front of the bench database with a server connection for each the tier holds
    (in session mode a client keeps its server connection: fewer would make sales wait)."""
    if not through_pgbouncer:
        yield env, None
        return
    from django.db import connection

    from tests.support.pgbouncer import pgbouncer

    with pgbouncer(mode="session", pool_size=server_connections(), name="bench-sales") as pgb:
        yield dict(env, DATABASE_URL=pgb.dsn(connection.settings_dict["NAME"])), pgb


def _pooled_transactions(pooler, made: int) -> dict:
    """The pooler's counters for the bench database; every sale's transaction went through it."""
    from django.db import connection

    dbname = connection.settings_dict["NAME"]
    deadline = time.monotonic() + 10  # counters are refreshed every second
    while True:
        stats = pooler.stats(dbname)
        transactions = int(stats.get("total_xact_count", 0))
        if transactions >= made or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    if transactions < made:
        raise RuntimeError(f"{made} sales but {transactions} transactions through pgbouncer")
    servers = [row for row in pooler.show("SERVERS") if row["database"] == dbname]
    return {
        "pool_mode": pooler.mode,
        "pool_size": pooler.pool_size,
        "server_connections": len(servers),
    }


def _sell(
    env: dict[str, str], *, host: str, token: str, catalogue: dict
) -> tuple[list[float], list[int], list[str]]:
    """Start the servers, sell from CLIENTS threads for WARMUP_S + DURATION_S, stop them ->
    (the measured sales' times in ms, [sales made in all], errors)."""
    procs, ports = _start_servers(env)
    counted: list[float] = []
    made = [0]
    errors: list[str] = []
    lock = threading.Lock()
    start = time.monotonic()
    measure_from = start + WARMUP_S
    stop_at = measure_from + DURATION_S

    def run(index: int) -> None:
        seller = Seller(port=ports[index % len(ports)], host=host, token=token, catalogue=catalogue)
        while True:
            t0 = time.monotonic()
            if t0 >= stop_at:
                return
            try:
                seller.sale()
            except Exception as exc:  # noqa: BLE001 - every error is reported
                with lock:
                    errors.append(repr(exc))
                return
            t1 = time.monotonic()
            with lock:
                made[0] += 1
                if t0 >= measure_from:
                    counted.append((t1 - t0) * 1000)

    try:
        threads = [threading.Thread(target=run, args=(i,)) for i in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
    return counted, made, errors


def bench_sales(*, env: dict[str, str], emit, through_pgbouncer: bool = False) -> None:
    from django.core.management import call_command
    from django.db import connection
    from django.test import override_settings
    from django_tenants.utils import schema_context

    from ponton.accounts.services import api_token_issue
    from ponton.billing.models import Document, Payment
    from ponton.sales.models import Order
    from tenants.services import StructureData, structure_create

    stamp = int(time.time())
    structure, owner = structure_create(
        data=StructureData(
            name="Club des ventes", slug=f"ventes{stamp}", owner_email=f"owner@ventes{stamp}.test"
        )
    )
    catalogue = _catalogue(structure)
    connection.set_schema_to_public()
    token = api_token_issue(user=owner)
    host = structure.get_primary_domain().domain
    connection.close()
    with _database_of_servers(env, through_pgbouncer) as (server_env, pooler):
        counted, made, errors = _sell(server_env, host=host, token=token, catalogue=catalogue)
        pooled = _pooled_transactions(pooler, made[0]) if pooler is not None else {}
    if errors:
        raise RuntimeError(f"{len(errors)} failed sales, first: {errors[0]}")
    with schema_context(structure.schema_name):
        orders = Order.objects.count()
        invoices = Document.objects.count()
        payments = Payment.objects.count()
    if not (orders == invoices == payments == made[0]):
        raise RuntimeError(
            f"{made[0]} sales made, but orders {orders}, invoices {invoices}, payments {payments}"
        )
    out = io.StringIO()
    try:
        with override_settings(SECRET_KEY=SERVER_SECRET_KEY):
            call_command("verify_ledger", structure=structure.slug, stdout=out)
    finally:
        log(f"  {out.getvalue().strip()}")
    ordered = sorted(counted)
    rate = len(counted) / DURATION_S
    p95 = ordered[max(0, int(0.95 * len(ordered)) - 1)]
    log(
        f"sales: {len(counted)} in {DURATION_S} s = {rate:.1f}/s, median "
        f"{statistics.median(ordered):.1f} ms, p95 {p95:.1f} ms ({orders} in all with warm-up)"
    )
    suffix = "" if ONE_CALL else "3"
    via = "_pgbouncer" if through_pgbouncer else ""
    emit(
        f"sales{suffix}_per_s{via}",
        round(rate, 1),
        "1/s",
        GOAL,
        better="higher",
        calls_per_sale=1 if ONE_CALL else 3,
        server=SERVER,
        processes=PROCESSES,
        clients=CLIENTS,
        duration_s=DURATION_S,
        errors=0,
        cpu_calibration_s=cpu_calibration_s(),
        **pooled,
    )
    emit(
        f"sale{suffix}_p95_ms{via}",
        round(p95, 1),
        "ms",
        1000,
        median=round(statistics.median(ordered), 1),
        sales=len(counted),
    )
