"""Cheque deposits benchmark (CO-1), on the big structure of `tests/bench/compta_data.py`
(200,000 payments, about a sixth of them cheques, none deposited yet).

- cheques_page_p95_ms: GET "Compta > Chèques" for one month's "période d'encaissement" (about
  2,800 pending cheques: the page lists the 500 oldest), 30 times after 3 warm-ups; p95 of the
  server time. Goal 300 ms.
- cheque_deposit_100_ms: `deposit_create` of 100 cheques (locks, checks, lines, 100 history
  lines, the number), median of 10 deposits. Goal 200 ms.
"""

from __future__ import annotations

import math
import statistics
import sys
import time

RUNS = 30
WARMUP = 3
DEPOSITS = 10
PER_DEPOSIT = 100


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def bench_cheques(*, emit) -> None:
    import datetime as dt

    from django.test import Client
    from django.utils import timezone
    from django_tenants.utils import schema_context

    from ponton.compta.selectors.deposits import cheques_pending
    from ponton.compta.services.deposits import (
        BankAccountData,
        DepositData,
        bank_account_create,
        deposit_create,
    )
    from ponton.sales.services import Actor
    from tests.bench.compta_data import big_structure

    big = big_structure()
    client = Client(HTTP_HOST=big.structure.get_primary_domain().domain)
    client.force_login(big.owner)
    start = dt.date(big.year, 3, 1)
    query = {"start": start.isoformat(), "end": dt.date(big.year, 3, 31).isoformat()}

    def get() -> float:
        started = time.perf_counter()
        response = client.get("/manager/compta/cheques/", query)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200 or b'name="cheque"' not in response.content:
            raise RuntimeError(f"GET /manager/compta/cheques/ answered {response.status_code}")
        return elapsed

    for _ in range(WARMUP):
        get()
    times = [get() for _ in range(RUNS)]
    log(
        f"cheques page: median {statistics.median(times):.1f} ms, "
        f"p95 {percentile(times, 95):.1f} ms, max {max(times):.1f} ms"
    )
    emit("cheques_page_p95_ms", round(percentile(times, 95), 1), "ms", 300)

    actor = Actor(account_id=big.owner.pk, name="Camille Marin")
    with schema_context(big.structure.schema_name):
        account = bank_account_create(
            data=BankAccountData(
                label="Banque", holder="Centre", iban="FR7630006000011234567890189", bic=""
            )
        )
        pending = cheques_pending(start=start, limit=DEPOSITS * PER_DEPOSIT).cheques
        durations = []
        for i in range(DEPOSITS):
            chunk = pending[i * PER_DEPOSIT : (i + 1) * PER_DEPOSIT]
            started = time.perf_counter()
            deposit_create(
                data=DepositData(
                    payment_ids=tuple(c.pk for c in chunk),
                    bank_account_id=account.pk,
                    deposited_on=max(max(c.received_on for c in chunk), timezone.localdate()),
                ),
                actor=actor,
            )
            durations.append((time.perf_counter() - started) * 1000)
    log(f"deposits of {PER_DEPOSIT}: " + ", ".join(f"{d:.0f}" for d in durations) + " ms")
    emit("cheque_deposit_100_ms", round(statistics.median(durations), 1), "ms", 200)
