"""Issue 17 §3: the web process killed during four clients' complete sales (OR-1 + OR-3 + OR-6
through `POST /api/v1/sales/`). Gunicorn (the production HTTP tier, docs/adr/0007: master and
sync workers, persistent connections) is SIGKILLed twice mid-load and started again on the same
port while the clients go on, each sending a request left unanswered again with its sale's
`Idempotency-Key`. Then: every sale a client saw succeed (201) is there, exactly once (a sale
whose answer a kill lost is answered to the retry, not made twice), no order is
half-written (each has its line, its invoice with its line, its payment, the two ledger entries
and its history), order and invoice numbers have no gap, the seats sold are the lines sold, and
the ledger verifies."""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections import Counter as Tally
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from ponton.accounts.services import api_token_issue
from ponton.billing.models import Counter, Document, DocumentLine, Payment
from ponton.ledger.models import LedgerEntry
from ponton.ledger.selectors import ledger_verify
from ponton.planning.models import Session
from ponton.sales.models import Order, OrderEvent, OrderLine, SaleKey
from tests.conftest import free_port, host_of
from tests.support.faults import killable_server
from tests.support.sales import cash_sale, make_shop
from tests.support.servers import database_env

CLIENTS = 4
KILLS = 2
SALES_PER_ROUND = 8  # acknowledged sales before each kill, and after the last restart


class Clients:
    """Four threads selling in a loop until stopped; they record what they were told. Each
    sale has its `Idempotency-Key`: a request left without an answer (refused, reset, cut) is
    sent again with the same key until one comes, as a careful client does, and a client never
    stops with such a sale pending. So every sale a client meant to make is answered once."""

    def __init__(self, port: int, host: str, token: str, body: dict) -> None:
        self.port, self.host, self.token, self.body = port, host, token, body
        self.acknowledged: dict[str, tuple[str, str]] = {}  # key -> (order, invoice number)
        self.statuses: Tally[int] = Tally()
        self.dropped = 0  # no answer (refused, reset, cut): outcome unknown to the client
        self.cut = 0  # of which requests sent and cut short by the kill
        self.replayed = 0  # answers of a sale made by a request whose answer was lost
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads = [
            threading.Thread(target=self._sell, args=(index,), daemon=True)
            for index in range(CLIENTS)
        ]

    def _post(self, key: str) -> tuple[int, bool, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request(
                "POST",
                "/api/v1/sales/",
                body=json.dumps(self.body),
                headers={
                    "Host": self.host,
                    "Content-Type": "application/json",
                    "Authorization": f"Token {self.token}",
                    "Idempotency-Key": key,
                },
            )
            response = conn.getresponse()
            replayed = response.getheader("Idempotent-Replayed") == "true"
            return response.status, replayed, response.read()
        finally:
            conn.close()

    def _sell(self, index: int) -> None:
        sale = 0
        pending = False  # the current key's request got no answer yet
        while pending or not self.stopping.is_set():
            key = f"client-{index}-sale-{sale}"
            try:
                status, replayed, data = self._post(key)
            except (OSError, http.client.HTTPException) as exc:
                with self.lock:
                    self.dropped += 1
                    self.cut += not isinstance(exc, ConnectionRefusedError)
                pending = True
                time.sleep(0.05)  # the server is down or restarting: the same key again
                continue
            pending = False
            sale += 1
            with self.lock:
                self.statuses[status] += 1
                if status == 201:
                    answer = json.loads(data)
                    self.acknowledged[key] = (
                        answer["order"]["number"],
                        answer["invoice"]["number"],
                    )
                    self.replayed += replayed

    def count(self) -> int:
        with self.lock:
            return len(self.acknowledged)

    def wait_for(self, count: int, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while self.count() < count:
            assert time.monotonic() < deadline, (self.count(), self.statuses, self.dropped)
            time.sleep(0.02)


def _numbers(prefix: str, count: int, year: int) -> list[str]:
    return [f"{prefix}-{year}-{n:05d}" for n in range(1, count + 1)]


def _check_every_order_is_whole(price: Decimal) -> None:
    """Each order: one invoiced line, one invoice of one line for the same amount, one payment
    of that amount, an invoice and a payment entry in the ledger, and its history."""
    orders = list(Order.objects.order_by("number"))
    invoice_entries = Tally(
        LedgerEntry.objects.filter(kind=LedgerEntry.Kind.INVOICE).values_list(
            "reference", flat=True
        )
    )
    payment_entries = Tally(
        LedgerEntry.objects.filter(kind=LedgerEntry.Kind.PAYMENT).values_list(
            "reference", flat=True
        )
    )
    for order in orders:
        lines = list(OrderLine.objects.filter(order=order))
        assert [(line.state, line.total) for line in lines] == [
            (OrderLine.State.INVOICED, price)
        ], order
        (invoice,) = Document.objects.filter(order=order)
        assert invoice.kind == Document.Kind.INVOICE and invoice.total == price
        (invoice_line,) = DocumentLine.objects.filter(document=invoice)
        assert (invoice_line.order_line_id, invoice_line.total) == (lines[0].pk, price)
        assert list(Payment.objects.filter(document=invoice).values_list("amount", flat=True)) == [
            price
        ]
        assert invoice_entries[invoice.number] == 1, invoice.number
        assert payment_entries[invoice.number] == 1, invoice.number
        assert OrderEvent.objects.filter(order=order).exists(), order
    assert sum(invoice_entries.values()) == len(orders)
    assert sum(payment_entries.values()) == len(orders)


@pytest.mark.slow
def test_gunicorn_killed_mid_sales_loses_nothing_and_half_writes_nothing(
    transactional_db, platform, make_structure
):
    structure, owner = make_structure(name="Club de la panne")
    with schema_context(structure.schema_name):
        shop = make_shop(capacity=5000)
    body = cash_sale(shop)
    port = free_port()
    args = ["-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}"]
    env = database_env(DB_CONN_MAX_AGE="60")
    clients = Clients(port, host_of(structure), api_token_issue(user=owner), body)
    with killable_server(
        [*args, "ponton.config.wsgi:application"], port=port, env=env, name="gunicorn-killed"
    ) as server:
        for thread in clients.threads:
            thread.start()
        try:
            for round_ in range(1, KILLS + 1):
                clients.wait_for(SALES_PER_ROUND * round_)
                server.kill()  # master and workers, requests in flight
                time.sleep(0.3)  # clients meet a closed port
                server.start()
            clients.wait_for(SALES_PER_ROUND * (KILLS + 1))
        finally:
            clients.stopping.set()
            for thread in clients.threads:
                thread.join(timeout=90)
    # Only answers a client may get from a server that lives or dies: a sale, or no answer.
    assert set(clients.statuses) == {201}, clients.statuses
    assert clients.cut >= 1  # the kills did cut requests short (not only refuse new ones)
    acknowledged = list(clients.acknowledged.values())
    with schema_context(structure.schema_name):
        orders = dict(
            Document.objects.filter(kind=Document.Kind.INVOICE).values_list(
                "order__number", "number"
            )
        )
        # Every acknowledged sale is there, with the numbers the client was given.
        assert all(orders.get(order) == invoice for order, invoice in acknowledged)
        # And nothing else: a sale committed just before a kill, whose answer was lost, was
        # answered to its key's next request (replayed), not made a second time.
        count = len(orders)
        assert count == len(acknowledged) == len(set(acknowledged)), clients.replayed
        assert SaleKey.objects.count() == count
        year = int(next(iter(orders.values())).split("-")[1])
        assert sorted(orders) == _numbers("CO", count, year)
        assert sorted(orders.values()) == _numbers("FA", count, year)
        assert dict(Counter.objects.values_list("series", "last")) == {
            Counter.Series.ORDER: count,
            Counter.Series.INVOICE: count,
        }
        _check_every_order_is_whole(shop.adult.amount)
        assert Session.objects.get(pk=shop.session.pk).sold == count
        verification = ledger_verify()
        assert verification.ok, verification
        assert verification.entries == 2 * count
