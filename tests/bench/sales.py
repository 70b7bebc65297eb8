"""Sales benchmark (OR-1, OR-3, OR-6, OR-11 through the API).

sales_per_s / sale_p95_ms: complete back-office sales, each made of the three calls the Club
Manager's flow makes (POST /api/v1/orders/ with a session line and its consumer, POST
…/invoices/, POST /api/v1/documents/<id>/payments/), by 8 client threads with keep-alive
connections, against 4 daphne processes (production settings, persistent database
connections) on this machine, sustained over 60 s after 5 s of warm-up. Every answer must be
a 201; afterwards `verify_ledger` must pass and the database must hold exactly the sales
counted. Goal: 100 sales/s.
"""

from __future__ import annotations

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
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVERS = 4
CLIENTS = 8
WARMUP_S = 5
DURATION_S = int(os.environ.get("BENCH_SALES_SECONDS", "60"))
# BENCH_SALES_ONE_CALL=1: each sale is one POST /api/v1/sales/ (order, invoice, payment).
ONE_CALL = os.environ.get("BENCH_SALES_ONE_CALL") == "1"
GOAL = 100


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_server(env: dict[str, str]) -> tuple[subprocess.Popen, int]:
    import socket

    port = _free_port()
    server_env = dict(
        env,
        DJANGO_SETTINGS_MODULE=os.environ.get(
            "BENCH_SERVER_SETTINGS", "ponton.config.settings.prod"
        ),
        SECRET_KEY="bench-only-not-a-secret",  # noqa: S105 - an obvious test value
        ALLOWED_HOSTS="*",
        DB_POOL_MAX_SIZE="4",
    )
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "daphne",
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            "ponton.config.asgi:application",
        ],
        env=server_env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=sys.stderr,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc, port
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("daphne did not start")


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


def bench_sales(*, env: dict[str, str], emit) -> None:
    from django.core.management import call_command
    from django.db import connection
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
    servers = [_start_server(env) for _ in range(SERVERS)]
    connection.close()
    counted: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    start = time.monotonic()
    measure_from = start + WARMUP_S
    stop_at = measure_from + DURATION_S

    def run(index: int) -> None:
        seller = Seller(
            port=servers[index % SERVERS][1], host=host, token=token, catalogue=catalogue
        )
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
            if t0 >= measure_from:
                with lock:
                    counted.append((t1 - t0) * 1000)

    try:
        threads = [threading.Thread(target=run, args=(i,)) for i in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        for proc, _port in servers:
            proc.terminate()
        for proc, _port in servers:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
    if errors:
        raise RuntimeError(f"{len(errors)} failed sales, first: {errors[0]}")
    with schema_context(structure.schema_name):
        orders = Order.objects.count()
        invoices = Document.objects.count()
        payments = Payment.objects.count()
    if not (orders == invoices == payments):
        raise RuntimeError(f"orders {orders}, invoices {invoices}, payments {payments}")
    out = io.StringIO()
    call_command("verify_ledger", structure=structure.slug, stdout=out)
    log(f"  {out.getvalue().strip()}")
    ordered = sorted(counted)
    rate = len(counted) / DURATION_S
    p95 = ordered[max(0, int(0.95 * len(ordered)) - 1)]
    log(
        f"sales: {len(counted)} in {DURATION_S} s = {rate:.1f}/s, median "
        f"{statistics.median(ordered):.1f} ms, p95 {p95:.1f} ms ({orders} in all with warm-up)"
    )
    emit(
        "sales_per_s",
        round(rate, 1),
        "1/s",
        GOAL,
        better="higher",
        calls_per_sale=1 if ONE_CALL else 3,
        servers=SERVERS,
        clients=CLIENTS,
        duration_s=DURATION_S,
        errors=0,
    )
    emit(
        "sale_p95_ms",
        round(p95, 1),
        "ms",
        1000,
        median=round(statistics.median(ordered), 1),
        sales=len(counted),
    )
