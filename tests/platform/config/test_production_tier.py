"""Issue 17 §5: the outside probe's race and crash against the production tier, started as
deploy/k8s/web.yaml starts it (tests/support/prod_tier.py): gunicorn sync workers
(`ponton.config.wsgi`, production settings) for HTTP, daphne with its connection pool for
websockets, Redis, PgBouncer in session mode in front of the test database.

One tier for the module (its start-up is most of the cost); the crash test restarts gunicorn
itself and runs last."""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from django.db import connection
from django_tenants.utils import schema_context

from ponton.accounts.services import api_token_issue
from tests.conftest import host_of
from tests.support import pgbouncer
from tests.support.prod_attacks import audit, crash, idle_in_transaction, race
from tests.support.prod_tier import production_tier
from tests.support.sales import make_shop

pytestmark = pytest.mark.slow

BUYERS = 200
SEATS = 10


@pytest.fixture(scope="module")
def tier(django_db_setup, django_db_blocker):
    if not pgbouncer.available():  # as for Chromium: the test script installs it
        pytest.fail(f"{pgbouncer.BINARY} is missing: install Debian's pgbouncer package")
    db = connection.settings_dict
    database_url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    redis_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/13"
    with production_tier(
        database_url=database_url,
        redis_url=redis_url,
        # The ledger's signatures are keyed by the secret: this process verifies them.
        secret_key=settings.SECRET_KEY,
        platform_domain=settings.PLATFORM_DOMAIN,
        name="test",
    ) as running:
        yield running


def _seller(make_structure, *, capacity: int):
    structure, owner = make_structure(name="Club du grand soir")
    with schema_context(structure.schema_name):
        shop = make_shop(capacity=capacity)
    return structure, shop, api_token_issue(user=owner), host_of(structure)


def test_200_buyers_for_the_last_10_seats_on_the_production_tier(
    transactional_db, tier, make_structure
):
    """OR-11 on gunicorn + PgBouncer: exactly 10 sold, 190 « Complet » (400, French), no 5xx,
    every connection answered; the shop page's socket on daphne saw the seats go to 0."""
    structure, shop, token, host = _seller(make_structure, capacity=SEATS)

    result = race(tier, host=host, token=token, shop=shop, buyers=BUYERS)

    assert result.dropped == 0, [body for status, _h, body in result.answers if status == 0][:3]
    assert result.server_errors == 0, result.statuses
    assert dict(result.statuses) == {201: SEATS, 400: BUYERS - SEATS}
    assert result.complet == BUYERS - SEATS
    refusal = next(body for status, _h, body in result.answers if status == 400).decode()
    assert "Complet : il ne reste pas assez de places" in refusal, refusal
    checked = audit(structure, shop.session.pk)
    assert (checked.orders, checked.sold, checked.seats_in_orders) == (SEATS, SEATS, SEATS)
    assert checked.half_written == [] and checked.invoice_gaps == [] == checked.order_gaps
    assert checked.ledger_ok, checked.ledger_problem
    sold_notes = {f"race-{i}" for i, answer in enumerate(result.answers) if answer[0] == 201}
    assert checked.notes == sold_notes
    # Live availability through Redis from the gunicorn workers to daphne: whatever order the
    # events arrived in, the newest reading (the one a page keeps) is « Complet ».
    assert result.page_shows == {"free": 0, "capacity": SEATS}, (
        result.seats_seen,
        result.versions,
    )
    assert all(0 <= seats["free"] < SEATS for seats in result.seats_seen)


def test_workers_killed_mid_load_lose_no_acknowledged_sale(transactional_db, tier, make_structure):
    """Gunicorn workers SIGKILLed three times while six clients sell, each seen inside its
    database transaction just before (the master starts new ones), then the master and its
    workers at once, and gunicorn started again; the clients send a request left unanswered
    again with its Idempotency-Key: every sale a client saw acknowledged (201) is there,
    complete and once, nothing else is, numbers have no gap, the ledger verifies, no
    transaction is left open."""
    structure, shop, token, host = _seller(make_structure, capacity=100_000)

    result = crash(
        tier, host=host, token=token, shop=shop, clients=6, worker_kills=3, sales_between=8
    )

    assert len(result.workers_killed) == 3 and result.web_restarts == 1
    assert result.killed_in_transaction >= 1  # at least one kill inside an open transaction
    assert result.other == []  # every answer was a 201 or no answer at all
    checked = audit(structure, shop.session.pk)
    acknowledged = set(result.acknowledged)
    # The clients send a request left unanswered again with its Idempotency-Key: the orders
    # are exactly the sales acknowledged, each once (a sale whose answer a kill lost is
    # answered to the retry, not made twice).
    assert checked.notes == acknowledged, sorted(checked.notes ^ acknowledged)
    assert checked.orders == len(acknowledged)
    assert set(result.replayed) <= set(result.unanswered)
    assert checked.half_written == []
    assert checked.invoice_gaps == [] and checked.order_gaps == []
    assert checked.sold == checked.seats_in_orders == checked.orders
    assert checked.ledger_ok, checked.ledger_problem
    numbers = {sale["invoice"]["number"] for sale in result.acknowledged.values()}
    assert numbers <= set(checked.invoice_numbers)
    assert idle_in_transaction(connection.settings_dict["NAME"]) == 0
