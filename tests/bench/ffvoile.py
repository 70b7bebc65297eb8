"""FF Voile (FF-1) benchmarks, against the federation emulator on loopback.

- ffvoile_race_calls: 20 runs of the licence task for the same order line released at the
  same moment (threads behind a barrier, each on its own PostgreSQL connection): how many
  calls reach the federation. Goal 1 (the claim is a conditional UPDATE); the others skip.
- ffvoile_licences_per_s: complete sales of a licence, one after the other, each with its
  licence delivered after commit (identity checked, sale, claim, HTTP call, answer and log
  written), 100 of them; ffvoile_sale_ms beside it, the median of one."""

from __future__ import annotations

import datetime as dt
import threading
import time
from decimal import Decimal

RACERS = 20
LICENCES = 100


def _club():
    from django.conf import settings

    from ponton.config.celery import app

    app.conf.task_always_eager = True  # the licence task runs in-process after commit
    from django_tenants.utils import schema_context

    from modules.ffvoile import services
    from modules.ffvoile.emulator import FederationEmulator
    from ponton.catalogue.models import Category, Product
    from ponton.catalogue.services import ProductData, product_create, product_publish
    from ponton.customers.services import AddressData, customer_create
    from tenants.services import StructureData, module_set_enabled, structure_create

    emulator = FederationEmulator(login="club", password="secret", club_number="29012").start()
    settings.FFVOILE_BASE_URL = emulator.base_url
    stamp = time.time_ns()
    structure, _owner = structure_create(
        data=StructureData(name="Club FFV", slug=f"ffv{stamp}", owner_email=f"o@ffv{stamp}.test")
    )
    module_set_enabled(structure=structure, label="ffvoile", enabled=True)
    with schema_context(structure.schema_name):
        services.account_update(club_number="29012", login="club", password="secret")
        product = product_publish(
            product=product_create(
                kind=Product.Kind.MEMBERSHIP,
                data=ProductData(
                    name="Licence",
                    price=Decimal("62.00"),
                    consumer_required=True,
                    category=Category.objects.filter(parent__isnull=False).first(),
                ),
            )
        )
        services.licence_product_set(product=product, kind="licence_club_adulte")

    def person(i: int):
        with schema_context(structure.schema_name):
            customer = customer_create(
                first_name=f"Prénom{i}",
                last_name="Marin",
                email=f"p{i}@exemple.fr",
                birth_date=dt.date(1980, 1, 1) + dt.timedelta(days=i),
                address=AddressData(line1="1 quai", postal_code="29200", city="Brest"),
            )
            services.identity_set(customer=customer, sex="F")
            return customer

    return emulator, structure, product, person


def _sell(structure, product, customer):
    """A complete sale of a licence; its task runs in-process after commit (eager)."""
    from django_tenants.utils import schema_context

    from modules.ffvoile.models import Licence
    from ponton import selling
    from ponton.sales.services import Actor

    with schema_context(structure.schema_name):
        sale = selling.sale_complete(
            structure=structure,
            payer=customer,
            lines=[selling.LineRequest(product=product, consumer=customer)],
            payments=[selling.PaymentData(kind="payment", method="cash", amount=product.price)],
            actor=Actor(account_id=None, name="bench"),
        )
        return Licence.objects.get(order_line__order=sale.order)


def bench_ffvoile_race_calls(*, emit, log) -> None:
    from django.db import connections
    from django_tenants.utils import schema_context

    from modules.ffvoile import services

    emulator, structure, product, person = _club()
    emulator.faults = ["500"]  # the sale's own call fails: the licence is "à réessayer"
    licence = _sell(structure, product, person(0))
    assert licence.state == "retry", licence.state
    before = len(emulator.requests)
    emulator.delay_seconds = 0.2  # a slow federation: the racers overlap for sure
    barrier = threading.Barrier(RACERS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run() -> None:
        try:
            with schema_context(structure.schema_name):
                barrier.wait()
                state = services.licence_call(structure=structure, licence_id=licence.pk).state
        except Exception as exc:  # noqa: BLE001 - counted below
            state = f"error {exc!r}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(state)

    threads = [threading.Thread(target=run) for _ in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    emulator.stop()
    log(f"ffvoile race outcomes: {sorted(outcomes)}")
    emit(
        "ffvoile_race_calls",
        len(emulator.requests) - before,
        "calls",
        1,
        racers=RACERS,
        delivered=outcomes.count("delivered"),
        skipped=outcomes.count("skipped"),
    )


def bench_ffvoile_licences_per_s(*, emit, log) -> None:
    emulator, structure, product, person = _club()
    people = [person(i) for i in range(LICENCES)]
    sale_ms = []
    started = time.perf_counter()
    for customer in people:
        begun = time.perf_counter()
        licence = _sell(structure, product, customer)
        sale_ms.append((time.perf_counter() - begun) * 1000)
        assert licence.state == "delivered", (licence.state, licence.reason)
    elapsed = time.perf_counter() - started
    emulator.stop()
    sale_ms.sort()
    emit("ffvoile_licences_per_s", round(LICENCES / elapsed, 1), "licences/s", 20, "higher")
    emit("ffvoile_sale_ms", round(sale_ms[len(sale_ms) // 2], 1), "ms", 100, median=True)
