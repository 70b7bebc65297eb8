"""Issue 17 §5: the outside probe's race and crash against the production tier, started as
deploy/k8s/web.yaml starts it (tests/support/prod_tier.py): gunicorn sync workers with the
production settings for HTTP, daphne with its connection pool for websockets, Redis
(BENCH_REDIS_URL), PgBouncer in session mode in front of the bench database.

prod_race_sold: 200 complete sales (`POST /api/v1/sales/`) released together for the last 10
seats. Figures: prod_race_sold (goal 10), prod_race_complet (190 « Complet », 400),
prod_race_503 (answers "busy, nothing sold", 0 expected), prod_race_5xx (goal 0, 503 included),
prod_race_dropped (connections without an answer, goal 0), prod_race_last_push_free (the free
seats an open shop page shows once the events stop: the newest reading it received, goal 0;
also the last one received, which with several workers can be older), prod_race_s (release
to the last answer). Fails if a sale is half-written, a number missing or the ledger does not
verify.

prod_crash_lost_sales: 8 clients sell without pause, each sale with its Idempotency-Key, a
request left unanswered sent again with it; a gunicorn worker is SIGKILLed 5 times while its
database transaction is open (the master starts another), then the master and its workers at
once, and gunicorn is started again. Figures: prod_crash_lost_sales (sales acknowledged by a
201 and not in the database, goal 0), prod_crash_duplicate_sales (orders beyond one per sale
meant, goal 0; with how many sales were committed without an answer and answered to their
retry), prod_crash_half_written (goal 0), prod_crash_gaps (missing invoice or order numbers,
goal 0), prod_crash_ledger_ok (1).
"""

from __future__ import annotations

import os
import sys
import time

from tests.support.prod_attacks import audit, crash, idle_in_transaction, race
from tests.support.prod_tier import production_tier

BUYERS = 200
SEATS = 10
CRASH_CLIENTS = 8
CRASH_WORKER_KILLS = 5
CRASH_SALES_BETWEEN = 20
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _seller(name: str, capacity: int):
    from django.db import connection
    from django_tenants.utils import schema_context

    from ponton.accounts.services import api_token_issue
    from tenants.services import StructureData, structure_create
    from tests.support.sales import make_shop

    stamp = time.time_ns()
    structure, owner = structure_create(
        data=StructureData(name=name, slug=f"prod{stamp}", owner_email=f"owner@prod{stamp}.test")
    )
    with schema_context(structure.schema_name):
        shop = make_shop(capacity=capacity)
    connection.set_schema_to_public()
    return structure, shop, api_token_issue(user=owner), structure.get_primary_domain().domain


def _tier(env: dict[str, str], name: str):
    from django.conf import settings

    return production_tier(
        database_url=env["DATABASE_URL"],
        redis_url=REDIS_URL,
        secret_key=settings.SECRET_KEY,  # the ledger is verified here, under the same key
        platform_domain=settings.PLATFORM_DOMAIN,
        name=f"bench-{name}",
    )


def bench_prod_race(*, env: dict[str, str], emit) -> None:
    structure, shop, token, host = _seller("Club du grand soir", SEATS)
    with _tier(env, "race") as tier:
        log(f"tier: gunicorn :{tier.web_port} ({tier.workers} workers), daphne :{tier.ws_port}")
        result = race(tier, host=host, token=token, shop=shop, buyers=BUYERS)
    checked = audit(structure, shop.session.pk)
    log(
        f"{BUYERS} buyers for the last {SEATS} seats: {dict(result.statuses)} in "
        f"{result.seconds:.2f} s; {len(result.seats_seen)} availability events, last "
        f"received {result.seats_seen[-1:] or None}, newest reading {result.page_shows}"
    )
    broken = checked.half_written + checked.invoice_gaps + checked.order_gaps
    if broken or not checked.ledger_ok or checked.sold != result.sold:
        raise RuntimeError(
            f"after the race: {broken[:5]}, ledger {checked.ledger_problem or 'ok'}, "
            f"sold {checked.sold} for {result.sold} × 201"
        )
    emit("prod_race_sold", result.sold, "sales", SEATS, better="equal", buyers=BUYERS)
    emit("prod_race_complet", result.complet, "answers", BUYERS - SEATS, better="equal")
    emit("prod_race_503", result.busy_unsold, "answers", 0)
    emit("prod_race_5xx", result.server_errors, "answers", 0)
    emit("prod_race_dropped", result.dropped, "connections", 0)
    # What an open shop page shows once the pushes stop: the reading with the greatest version
    # (before versions, the last event received: it could be an older reading).
    shown = result.page_shows
    emit(
        "prod_race_last_push_free",
        shown["free"] if shown else -1,
        "seats",
        0,
        events=len(result.seats_seen),
        last_received_free=result.seats_seen[-1]["free"] if result.seats_seen else -1,
    )
    emit(
        "prod_race_s",
        round(result.seconds, 3),
        "s",
        5,
        workers=tier.workers,
        seat_events=len(result.seats_seen),
        socket_saw_full=any(seats["free"] == 0 for seats in result.seats_seen),
    )


def bench_prod_crash(*, env: dict[str, str], emit) -> None:
    from django.db import connection

    structure, shop, token, host = _seller("Club de la panne", 100_000)
    with _tier(env, "crash") as tier:
        result = crash(
            tier,
            host=host,
            token=token,
            shop=shop,
            clients=CRASH_CLIENTS,
            worker_kills=CRASH_WORKER_KILLS,
            sales_between=CRASH_SALES_BETWEEN,
        )
    checked = audit(structure, shop.session.pk)
    acknowledged = set(result.acknowledged)
    lost = sorted(acknowledged - checked.notes)
    committed_unanswered = len(set(result.replayed))
    unknown = sorted(checked.notes - acknowledged)
    duplicates = checked.orders - len(checked.notes)
    gaps = checked.invoice_gaps + checked.order_gaps
    left_open = idle_in_transaction(connection.settings_dict["NAME"])
    log(
        f"{len(acknowledged)} sales acknowledged in {result.seconds:.1f} s, "
        f"{len(result.unanswered)} requests unanswered ({result.refused} refused while "
        f"gunicorn restarted; {committed_unanswered} had been committed and were answered "
        f"to their retry, Idempotency-Key), other answers "
        f"{result.other[:3]}; workers killed "
        f"{result.workers_killed} ({result.killed_in_transaction} inside a transaction), "
        f"gunicorn restarted {result.web_restarts}×; database: "
        f"{checked.orders} orders, lost {lost[:5]}, half-written {checked.half_written[:5]}, "
        f"gaps {gaps[:5]}, ledger {checked.ledger_problem or 'ok'}, "
        f"transactions left open {left_open}, orders from nowhere {unknown[:5]}"
    )
    if (
        unknown
        or duplicates
        or left_open
        or result.other
        or checked.sold != checked.seats_in_orders
    ):
        raise RuntimeError("the crash left the database inconsistent (see above)")
    emit(
        "prod_crash_lost_sales",
        len(lost),
        "sales",
        0,
        acknowledged=len(acknowledged),
        unanswered=len(result.unanswered),
        refused=result.refused,
        committed_unanswered=committed_unanswered,
        workers_killed=len(result.workers_killed),
        killed_in_transaction=result.killed_in_transaction,
        web_restarts=result.web_restarts,
        seconds=round(result.seconds, 1),
    )
    emit("prod_crash_duplicate_sales", duplicates, "sales", 0, replayed=committed_unanswered)
    emit("prod_crash_half_written", len(checked.half_written), "orders", 0)
    emit("prod_crash_gaps", len(gaps), "numbers", 0, invoices=len(checked.invoice_numbers))
    emit("prod_crash_ledger_ok", int(checked.ledger_ok), "bool", 1, better="higher")
