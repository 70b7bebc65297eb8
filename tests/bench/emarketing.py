"""E-marketing benchmarks (EM-1).

campaign_10k_per_s: a campaign to 10,000 consenting customers, "Envoyer maintenant", delivered
over SMTP to an aiosmtpd server on loopback (its own process, as a real one); the batch tasks
run in 2 real Celery worker processes (Redis broker, as deployed; EM_BENCH_WORKERS=0 runs them
in-process, the embedded default), with the module's default throttling.
The figure is delivered emails (counted by the SMTP server) per second, from the click to the
last email received. Progress (the same counts the campaign page receives) is printed on stderr
every second by a thread reading the database, while the campaign sends. Goal ≥ 200/s.

segment_100k_ms: the count of an advanced segment of 3 rules (age under 18 AND postal code
starting with 29 AND bought in a category this year) over 100,000 customers (bulk-created, with
addresses and 40,000 orders); median of 20 counts after 3 warm-ups. Goal ≤ 300 ms.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import multiprocessing
import os
import random
import socket
import statistics
import sys
import threading
import time
from decimal import Decimal

CAMPAIGN_RECIPIENTS = 10_000
# Real Celery worker processes sending the campaign (0: the batches run in this process).
WORKERS = int(os.environ.get("EM_BENCH_WORKERS", "2"))
SEGMENT_CUSTOMERS = 100_000
SEGMENT_ORDERS = 40_000
BATCH = 5_000


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _structure(name: str):
    from tenants.services import StructureData, module_grant, structure_create

    stamp = f"{int(time.time())}{random.randrange(1000)}"  # noqa: S311 - a name
    structure, _owner = structure_create(
        data=StructureData(name=name, slug=f"em{stamp}", owner_email=f"owner@em{stamp}.test")
    )
    module_grant(structure=structure, label="emarketing")
    return structure


def _customers(n: int, rng: random.Random, *, birth: bool = False) -> list[int]:
    from django.utils import timezone

    from modules.emarketing.models import Consent
    from ponton.customers.models import Customer

    now = timezone.now()
    today = timezone.localdate()
    ids: list[int] = []
    for start in range(0, n, BATCH):
        rows = Customer.objects.bulk_create(
            Customer(
                first_name=f"Prénom{i}",
                last_name=f"Nom{i}",
                email=f"client{i}@exemple.test",
                birth_date=today - dt.timedelta(days=rng.randrange(3 * 365, 80 * 365))
                if birth
                else None,
            )
            for i in range(start, min(n, start + BATCH))
        )
        Consent.objects.bulk_create(
            Consent(customer=c, consented=rng.random() < 0.9, source="import", changed_at=now)
            for c in rows
        )
        ids.extend(c.pk for c in rows)
    return ids


def _smtp_serve(port, received, last, ready) -> None:
    """The loopback SMTP server, in its own process (as a real one would be): counts the
    campaign's emails (addresses @exemple.test) and the time of the last one."""
    from aiosmtpd.controller import Controller

    class Counter:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd API
            if envelope.rcpt_tos[0].endswith("@exemple.test"):
                with received.get_lock():
                    received.value += 1
                last.value = time.perf_counter()
            return "250 OK"

    controller = Controller(Counter(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    while True:
        time.sleep(3600)


def _start_workers(stack: contextlib.ExitStack, port: int) -> None:
    """WORKERS real Celery worker processes (Redis broker, tests/support/celery_worker.py),
    sending to the loopback SMTP server: the deployment's path, on this machine's 2 cores."""
    from tests.support.celery_worker import CeleryWorker, celery_worker_for

    first = stack.enter_context(
        celery_worker_for(
            name="bench-em-1", extra_env={"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(port)}
        )
    )
    for i in range(2, WORKERS + 1):
        worker = CeleryWorker(
            url=first.url,
            queues=first.queues,
            log=first.log.with_name(f"celery-bench-em-{i}.log"),
            env=first.env,
            name=f"bench-em-{i}",
        )
        worker.log.write_text("")
        worker.start()
        stack.callback(worker.stop)


def bench_campaign_10k_per_s(*, env, emit) -> None:
    from django.conf import settings
    from django.db import connection
    from django_tenants.utils import tenant_context

    from modules.emarketing import delivery, services
    from modules.emarketing.events import progress_payload
    from modules.emarketing.models import Consent

    ctx = multiprocessing.get_context("spawn")
    received = ctx.Value("l", 0)
    last = ctx.Value("d", 0.0)
    ready = ctx.Event()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ctx.Process(target=_smtp_serve, args=(port, received, last, ready), daemon=True)
    server.start()
    ready.wait(30)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
    rng = random.Random(7)  # noqa: S311 - test data
    structure = _structure("Club des 10 000 destinataires")
    try:
        with tenant_context(structure):
            _customers(CAMPAIGN_RECIPIENTS, rng)
            Consent.objects.update(consented=True)
            campaign = services.campaign_save(
                data=services.CampaignData(
                    name="Lettre d'information",
                    sender_name="Club",
                    subject="Les stages d'été",
                    body="<p>Bonjour, les <strong>stages d'été</strong> sont ouverts.</p>",
                    audience="rules",
                    audience_rules={"combine": "and", "rules": [{"type": "has_email"}]},
                )
            )
        done = threading.Event()
        seen: list[dict] = []

        def watch() -> None:
            from django.db import connections

            try:
                with tenant_context(structure):
                    while not done.wait(1.0):
                        p = progress_payload(campaign.pk)
                        seen.append(p)
                        log(
                            f"  progress: {p['sent']} sent, {p['failed']} failed, "
                            f"{p['remaining']} remaining ({received.value} received)"
                        )
            finally:
                connections.close_all()

        watcher = threading.Thread(target=watch, daemon=True)
        log(
            f"throttling: {delivery.rate_per_second():.0f}/s per worker, batches of "
            f"{delivery.batch_size()}, {WORKERS or 'in-process'} worker(s)"
        )
        with contextlib.ExitStack() as stack:
            if WORKERS:
                _start_workers(stack, port)
            with tenant_context(structure):
                watcher.start()
                started = time.perf_counter()
                # Commits at once (autocommit): its batches go to the workers (or, with no
                # worker, run here in-process after commit, as in the embedded default).
                services.campaign_send_now(campaign=campaign)
                deadline = time.monotonic() + 300
                while received.value < CAMPAIGN_RECIPIENTS and time.monotonic() < deadline:
                    time.sleep(0.01)
                elapsed = last.value - started
                while progress_payload(campaign.pk)["state"] != "sent":  # the last batch's end
                    if time.monotonic() > deadline:
                        break
                    time.sleep(0.05)
                done.set()
                watcher.join()
                final = progress_payload(campaign.pk)
        per_second = received.value / elapsed
        log(
            f"campaign: {received.value} delivered in {elapsed:.1f} s ({per_second:.0f}/s); "
            f"final {final}; {len(seen)} progress readings during the send"
        )
        emit(
            "campaign_10k_per_s",
            round(per_second, 1),
            "emails/s",
            200,
            better="higher",
            delivered=received.value,
            sent=final["sent"],
            progress_readings=len(seen),
        )
    finally:
        server.terminate()
        server.join(10)
        connection.set_schema_to_public()


def bench_segment_100k_ms(*, env, emit) -> None:
    from django.db import connection
    from django.utils import timezone
    from django_tenants.utils import tenant_context

    from modules.emarketing.segments import Audience, audience_count
    from ponton.catalogue.models import Category, Product
    from ponton.customers.models import Address
    from ponton.sales.models import Order, OrderLine

    rng = random.Random(11)  # noqa: S311 - test data
    structure = _structure("Club des 100 000 clients")
    with tenant_context(structure):
        t0 = time.perf_counter()
        ids = _customers(SEGMENT_CUSTOMERS, rng, birth=True)
        departments = ["29", "56", "22", "35", "44", "75", "33"]
        for start in range(0, len(ids), BATCH):
            Address.objects.bulk_create(
                Address(
                    customer_id=cid,
                    line1="1 quai",
                    postal_code=f"{rng.choice(departments)}{rng.randrange(1000):03d}",
                    city="Ville",
                )
                for cid in ids[start : start + BATCH]
            )
        voile = Category.objects.create(name="Voile")
        other = Category.objects.create(name="Musée")
        products = [
            Product.objects.create(
                name=f"Produit {i}",
                kind=Product.Kind.ACTIVITY,
                price=Decimal("10.00"),
                category=voile if i % 2 else other,
            )
            for i in range(10)
        ]
        now = timezone.now()
        for start in range(0, SEGMENT_ORDERS, BATCH):
            orders = Order.objects.bulk_create(
                Order(
                    number=f"B{i}",
                    status=Order.Status.ORDER,
                    payer_id=rng.choice(ids),
                    ordered_at=now - dt.timedelta(days=rng.randrange(700)),
                )
                for i in range(start, min(SEGMENT_ORDERS, start + BATCH))
            )
            OrderLine.objects.bulk_create(
                OrderLine(
                    order=o,
                    state=OrderLine.State.INVOICED,
                    product=rng.choice(products),
                    consumer_id=rng.choice(ids) if rng.random() < 0.5 else None,
                    label="x",
                    quantity=1,
                    unit_price=Decimal("10.00"),
                    vat_rate=Decimal("20.00"),
                )
                for o in orders
            )
        with connection.cursor() as cur:
            for table in (
                "customers_customer",
                "customers_address",
                "sales_order",
                "sales_orderline",
                "emarketing_consent",
                "emarketing_unsubscribe",
            ):
                cur.execute(f"ANALYZE {table}")  # noqa: S608 - fixed names
        log(f"data: {SEGMENT_CUSTOMERS} customers in {time.perf_counter() - t0:.1f} s")
        year_start = timezone.localdate().replace(month=1, day=1).isoformat()
        audience = Audience(
            mode="rules",
            rules={
                "combine": "and",
                "rules": [
                    {"type": "age_under", "years": 18},
                    {"type": "postal_code", "prefix": "29"},
                    {"type": "bought_category", "category": voile.pk, "from": year_start},
                ],
            },
        )
        for _ in range(3):
            count = audience_count(audience)
        if os.environ.get("EM_BENCH_EXPLAIN"):
            from modules.emarketing.segments import audience_customers

            log(audience_customers(audience).explain(analyze=True))
        times = []
        for _ in range(20):
            t = time.perf_counter()
            count = audience_count(audience)
            times.append((time.perf_counter() - t) * 1000)
    connection.set_schema_to_public()
    median = statistics.median(times)
    log(f"segment: {count} recipients; median {median:.1f} ms, max {max(times):.1f} ms")
    emit(
        "segment_100k_ms",
        round(median, 1),
        "ms",
        300,
        max=round(max(times), 1),
        recipients=count,
        customers=SEGMENT_CUSTOMERS,
    )
