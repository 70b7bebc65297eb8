"""Ledger benchmark (PO-7).

verify_ledger_100k_s: `manage.py verify_ledger` on a structure whose chain holds 100,000
entries (invoices and payments with lines, VAT and methods, about 600 bytes of canonical
content each), built with the real hash function; median of 3 runs. Goal 5 s.
"""

from __future__ import annotations

import datetime as dt
import io
import statistics
import sys
import time
from decimal import Decimal

ENTRIES = 100_000
RUNS = 3
GOAL_S = 5


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _entries(count: int):
    from django.utils import timezone

    from ponton.ledger import canonical
    from ponton.ledger.models import GENESIS_HASH, LedgerEntry

    previous, sales_total, payments_total = GENESIS_HASH, Decimal("0.00"), Decimal("0.00")
    start = timezone.now() - dt.timedelta(days=365)
    for position in range(1, count + 1):
        invoice = position % 2 == 1
        number = f"FA-2026-{(position + 1) // 2:06d}"
        amount = Decimal(20 + position % 180).quantize(Decimal("0.01"))
        if invoice:
            kind = LedgerEntry.Kind.INVOICE
            payload = canonical.reduce(
                {
                    "number": number,
                    "customer": {"id": position % 5000, "name": f"Client {position % 5000}"},
                    "lines": [
                        {
                            "label": "Stage catamaran",
                            "quantity": 1,
                            "unit_price": amount,
                            "vat_rate": Decimal("20.00"),
                            "accounting_code": "706100",
                        }
                    ],
                    "vat": [{"rate": Decimal("20.00"), "base": amount, "vat": Decimal("0.00")}],
                    "total": amount,
                }
            )
            sales, payments = amount, Decimal("0.00")
        else:
            kind = LedgerEntry.Kind.PAYMENT
            payload = canonical.reduce(
                {"invoice": number, "method": "card", "amount": amount, "reference": ""}
            )
            sales, payments = Decimal("0.00"), amount
        sales_total += sales
        payments_total += payments
        fields = {
            "position": position,
            "recorded_at": start + dt.timedelta(seconds=position * 300),
            "kind": kind,
            "reference": number,
            "payload": payload,
            "sales_amount": sales,
            "payments_amount": payments,
            "sales_total": sales_total,
            "payments_total": payments_total,
            "previous_hash": previous,
        }
        previous = canonical.entry_hash(**fields)
        yield LedgerEntry(hash=previous, **fields)


def bench_verify_ledger_100k_s(*, env: dict[str, str], emit) -> None:
    from django.core.management import call_command
    from django.db import connection, transaction
    from django_tenants.utils import schema_context

    from ponton.ledger.models import LedgerEntry, LedgerHead
    from tenants.services import StructureData, structure_create
    from tests.bench.sales import cpu_calibration_s

    stamp = int(time.time())
    structure, _owner = structure_create(
        data=StructureData(
            name="Club au long journal", slug=f"journal{stamp}", owner_email=f"o@j{stamp}.test"
        )
    )
    t0 = time.perf_counter()
    with schema_context(structure.schema_name), transaction.atomic():
        batch, last = [], None
        for entry in _entries(ENTRIES):
            batch.append(entry)
            last = entry
            if len(batch) == 5000:
                LedgerEntry.objects.bulk_create(batch)
                batch = []
        LedgerEntry.objects.bulk_create(batch)
        LedgerHead.objects.filter(pk=True).update(
            position=last.position,
            hash=last.hash,
            sales_total=last.sales_total,
            payments_total=last.payments_total,
        )
    log(f"  {ENTRIES} entries written in {time.perf_counter() - t0:.1f} s")
    connection.set_schema_to_public()
    times = []
    for run in range(RUNS):
        out = io.StringIO()
        t0 = time.perf_counter()
        call_command("verify_ledger", structure=structure.slug, stdout=out)
        times.append(time.perf_counter() - t0)
        if f"{ENTRIES} écritures, chaîne intègre" not in out.getvalue():
            raise RuntimeError(f"verification did not pass: {out.getvalue()}")
        log(f"  run {run + 1}: {times[-1]:.2f} s ({out.getvalue().strip()})")
    emit(
        "verify_ledger_100k_s",
        round(statistics.median(times), 2),
        "s",
        GOAL_S,
        max=round(max(times), 2),
        entries=ENTRIES,
        runs=RUNS,
        cpu_calibration_s=cpu_calibration_s(),
    )
