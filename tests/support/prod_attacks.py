"""The outside probe's race and crash (issue 17 §5), against the production tier
(tests/support/prod_tier.py); run by tests/platform/config/test_production_tier.py and by
`make bench ONLY=prod_race_sold|prod_crash_lost_sales` (tests/bench/prod_tier.py).

- `race`: many complete sales (`POST /api/v1/sales/`) released together by a barrier for the
  last seats of a session, while an anonymous shop page's socket on daphne watches the seats.
- `crash`: clients selling without pause while gunicorn workers are SIGKILLed (the master
  starts new ones), then the master and its workers too, then gunicorn is started again.
- `audit`: what the structure's schema holds afterwards: every order complete (lines, its
  invoice and the invoice's lines, payments for the whole total, the ledger entries of the
  invoice and of each payment, its history), numbers without gaps, seats counted right, the
  ledger verified.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from tests.support.prod_tier import ProductionTier, request
from tests.support.sales import cash_sale

SALES = "/api/v1/sales/"


def sale_body(shop, note: str) -> bytes:
    """One seat of shop.session for the payer, paid in cash; `note` names the request."""
    return json.dumps({**cash_sale(shop), "note": note}).encode()


# --- the race ---------------------------------------------------------------------------------


@dataclass
class RaceResult:
    answers: list[tuple[int, dict[str, str], bytes]]
    seconds: float  # from the release to the last answer
    seats_seen: list[dict]  # the session's seats in each availability event, in order
    versions: list[list[int]]  # each event's reading version, in the same order

    @property
    def page_shows(self) -> dict | None:
        """What a shop page shows once the events stop: the reading with the greatest version
        (platform/ponton/shop/static/shop/availability.js)."""
        if not self.seats_seen:
            return None
        newest = max(range(len(self.versions)), key=lambda i: self.versions[i])
        return self.seats_seen[newest]

    @property
    def statuses(self) -> Counter:
        return Counter(status for status, _headers, _body in self.answers)

    @property
    def sold(self) -> int:
        return self.statuses[201]

    @property
    def complet(self) -> int:
        return sum(
            1
            for status, _headers, body in self.answers
            if status == 400 and "Complet" in body.decode()
        )

    @property
    def server_errors(self) -> int:
        return sum(count for status, count in self.statuses.items() if status >= 500)

    @property
    def dropped(self) -> int:
        return self.statuses[0]

    @property
    def busy_unsold(self) -> int:
        """503 answers (pool or database busy): acceptable only when nothing was sold."""
        return self.statuses[503]


class SeatWatcher:
    """An anonymous shop page on daphne: `ws/disponibilites/` of the host, its events kept."""

    def __init__(self, *, port: int, host: str, session_id: int) -> None:
        self.port, self.host, self.key = port, host, str(session_id)
        self.seats: list[dict] = []
        self.versions: list[list[int]] = []
        self.connected = threading.Event()
        self.failure: BaseException | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> SeatWatcher:
        self._thread.start()
        if not self.connected.wait(60) or self.failure:
            raise RuntimeError(f"the availability socket did not open: {self.failure!r}")
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def wait_for_free(self, free: int, timeout: float = 30) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(seats.get("free") == free for seats in list(self.seats)):
                return True
            time.sleep(0.05)
        return False

    def _run(self) -> None:
        try:
            asyncio.run(self._listen())
        except BaseException as exc:  # noqa: BLE001 - reported by __enter__ or the caller
            self.failure = exc
            self.connected.set()

    async def _listen(self) -> None:
        import websockets

        async with websockets.connect(
            f"ws://{self.host}:{self.port}/ws/disponibilites/",
            host="127.0.0.1",
            port=self.port,
            additional_headers={"Origin": f"http://{self.host}:{self.port}"},
            open_timeout=60,
            ping_interval=None,
            max_queue=None,
        ) as sock:
            self.connected.set()
            while not self._stop.is_set():
                try:
                    message = json.loads(await asyncio.wait_for(sock.recv(), timeout=0.2))
                except TimeoutError:
                    continue
                if message.get("type") == "availability.changed":
                    seats = message["payload"]["sessions"].get(self.key)
                    if seats is not None:
                        self.versions.append(message["payload"]["version"])
                        self.seats.append(seats)


def race(tier: ProductionTier, *, host: str, token: str, shop, buyers: int) -> RaceResult:
    """`buyers` threads, each with its own connection, released together, each asking for one
    seat of shop.session."""
    barrier = threading.Barrier(buyers + 1)
    answers: list = [None] * buyers
    finished: list[float] = [0.0] * buyers

    def buy(index: int) -> None:
        body = sale_body(shop, f"race-{index}")
        barrier.wait()
        answers[index] = request(tier.web_port, "POST", host, SALES, token=token, body=body)
        finished[index] = time.perf_counter()

    with SeatWatcher(port=tier.ws_port, host=host, session_id=shop.session.pk) as watcher:
        threads = [threading.Thread(target=buy, args=(i,)) for i in range(buyers)]
        for thread in threads:
            thread.start()
        barrier.wait()
        released = time.perf_counter()
        for thread in threads:
            thread.join(timeout=180)
        # The last sale's event is sent after its commit: wait for "no seat left" (or give up
        # after a while: the caller sees the events it got).
        watcher.wait_for_free(0, timeout=20)
    if None in answers:
        raise RuntimeError("a buyer's thread did not finish")
    return RaceResult(
        answers, max(finished) - released, list(watcher.seats), list(watcher.versions)
    )


# --- the crash --------------------------------------------------------------------------------


@dataclass
class CrashResult:
    acknowledged: dict[str, dict] = field(default_factory=dict)  # note -> the 201's body
    unanswered: list[str] = field(default_factory=list)  # notes: connection dropped or refused
    # Notes acknowledged by a replay: made by a request whose answer was lost, answered to the
    # retry with the same Idempotency-Key (not made again).
    replayed: list[str] = field(default_factory=list)
    refused: int = 0  # of those, connections refused (no gunicorn listening: it restarts)
    other: list[tuple[str, int, str]] = field(default_factory=list)  # (note, status, body)
    workers_killed: list[int] = field(default_factory=list)
    killed_in_transaction: int = 0  # kills of a worker seen inside a transaction just before
    web_restarts: int = 0
    seconds: float = 0.0


class _Clients:
    """`count` threads selling without pause, each request on a new connection. Each sale has
    its note as its `Idempotency-Key`: a request left without an answer is sent again, the same,
    until one comes (a client never stops with a sale pending), as a careful till does."""

    def __init__(self, tier: ProductionTier, *, host: str, token: str, shop, count: int):
        self.tier, self.host, self.token, self.shop = tier, host, token, shop
        self.result = CrashResult()
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._sell, args=(i,)) for i in range(count)]

    def _sell(self, client: int) -> None:
        sequence = 0
        pending = False
        while pending or not self.stop.is_set():
            if not pending:
                sequence += 1
            note = f"crash-{client}-{sequence}"
            status, headers, body = request(
                self.tier.web_port,
                "POST",
                self.host,
                SALES,
                token=self.token,
                body=sale_body(self.shop, note),
                timeout=60,
                extra_headers={"Idempotency-Key": note},
            )
            pending = status == 0
            with self.lock:
                if status == 201:
                    self.result.acknowledged[note] = json.loads(body)
                    if headers.get("Idempotent-Replayed") == "true":
                        self.result.replayed.append(note)
                elif status == 0:
                    self.result.unanswered.append(note)
                    self.result.refused += body.startswith(b"ConnectionRefusedError")
                else:
                    self.result.other.append((note, status, body.decode()[:300]))
            if status == 0:
                time.sleep(0.05)  # refused while gunicorn restarts: try again shortly

    def acknowledged(self) -> int:
        with self.lock:
            return len(self.result.acknowledged)

    def wait_for_more(self, count: int, timeout: float = 90) -> None:
        target = self.acknowledged() + count
        deadline = time.monotonic() + timeout
        while self.acknowledged() < target:
            if time.monotonic() > deadline:
                raise RuntimeError(f"no new sale acknowledged: {self.result.other[-3:]}")
            time.sleep(0.05)


def crash(
    tier: ProductionTier,
    *,
    host: str,
    token: str,
    shop,
    clients: int,
    worker_kills: int,
    sales_between: int,
) -> CrashResult:
    """Clients sell without pause; `worker_kills` times a worker is SIGKILLed while its
    database transaction is open (else one that is serving; its master starts another),
    `sales_between` sales acknowledged after each; then the
    master and all its workers are SIGKILLed and gunicorn is started again, and the clients
    go on until `sales_between` more sales are acknowledged."""
    sellers = _Clients(tier, host=host, token=token, shop=shop, count=clients)
    started = time.perf_counter()
    for thread in sellers.threads:
        thread.start()
    try:
        sellers.wait_for_more(sales_between)
        for _ in range(worker_kills):
            victim = tier.worker_in_transaction()
            if victim is not None:
                sellers.result.killed_in_transaction += 1
            else:
                victim = next(iter(tier.serving_workers()), None)
            if victim is None:
                raise RuntimeError("no worker holds a database connection")
            sellers.result.workers_killed.append(tier.kill_worker(victim))
            sellers.wait_for_more(sales_between)
        tier.crash_web()
        tier.start_web()
        sellers.result.web_restarts += 1
        sellers.wait_for_more(sales_between)
    finally:
        sellers.stop.set()
        for thread in sellers.threads:
            thread.join(timeout=120)
    sellers.result.seconds = time.perf_counter() - started
    return sellers.result


# --- what the database holds ---------------------------------------------------------------


@dataclass
class Audit:
    orders: int
    notes: set[str]  # the note each sale was sent with (its order's "created" history line)
    invoice_numbers: list[str]
    half_written: list[str]  # orders missing a part of a complete sale, and why
    order_gaps: list[str]
    invoice_gaps: list[str]
    sold: int  # the session's counter
    seats_in_orders: int
    ledger_ok: bool
    ledger_problem: str


def _gaps(numbers: list[str]) -> list[str]:
    """The numbers missing in each series (prefix-year) from 1 to its highest."""
    series: dict[str, set[int]] = {}
    for number in numbers:
        prefix, sequence = number.rsplit("-", 1)
        series.setdefault(prefix, set()).add(int(sequence))
    width = max((len(n.rsplit("-", 1)[1]) for n in numbers), default=5)
    return [
        f"{prefix}-{i:0{width}d}"
        for prefix, seen in sorted(series.items())
        for i in range(1, max(seen) + 1)
        if i not in seen
    ]


def audit(structure, session_id: int) -> Audit:
    """Read the structure's schema (in this process) after an attack."""
    from decimal import Decimal

    from django.db.models import Sum
    from django_tenants.utils import schema_context

    from ponton.billing.models import Document, DocumentLine, Payment
    from ponton.ledger.models import LedgerEntry
    from ponton.ledger.selectors import ledger_verify
    from ponton.planning.models import Session
    from ponton.sales.models import Order, OrderEvent, OrderLine

    with schema_context(structure.schema_name):
        orders = list(Order.objects.order_by("pk"))
        lines = Counter(OrderLine.objects.values_list("order_id", flat=True))
        documents: dict[int, list[Document]] = {}
        for document in Document.objects.filter(kind=Document.Kind.INVOICE):
            documents.setdefault(document.order_id, []).append(document)
        document_lines = Counter(DocumentLine.objects.values_list("document_id", flat=True))
        paid = dict(
            Payment.objects.values("document_id")
            .annotate(total=Sum("amount"))
            .values_list("document_id", "total")
        )
        payments = Counter(Payment.objects.values_list("document_id", flat=True))
        entries = Counter(LedgerEntry.objects.values_list("kind", "reference"))
        events = Counter(OrderEvent.objects.values_list("order_id", flat=True))
        half_written = []
        for order in orders:
            invoices = documents.get(order.pk, [])
            if not lines[order.pk]:
                half_written.append(f"{order.number}: no line")
            if len(invoices) != 1:
                half_written.append(f"{order.number}: {len(invoices)} invoices")
                continue
            invoice = invoices[0]
            if document_lines[invoice.pk] != lines[order.pk]:
                half_written.append(f"{order.number}: invoice lines {document_lines[invoice.pk]}")
            if paid.get(invoice.pk, Decimal(0)) != invoice.total:
                half_written.append(f"{order.number}: paid {paid.get(invoice.pk)}")
            if entries[(LedgerEntry.Kind.INVOICE, invoice.number)] != 1:
                half_written.append(f"{invoice.number}: no ledger entry")
            if entries[(LedgerEntry.Kind.PAYMENT, invoice.number)] != payments[invoice.pk]:
                half_written.append(f"{invoice.number}: payments not in the ledger")
            if not events[order.pk]:
                half_written.append(f"{order.number}: no history")
        invoice_numbers = sorted(d.number for found in documents.values() for d in found)
        verification = ledger_verify()
        return Audit(
            orders=len(orders),
            notes=set(OrderEvent.objects.filter(action="created").values_list("note", flat=True)),
            invoice_numbers=invoice_numbers,
            half_written=half_written,
            order_gaps=_gaps([order.number for order in orders]),
            invoice_gaps=_gaps(invoice_numbers),
            sold=Session.objects.get(pk=session_id).sold,
            seats_in_orders=OrderLine.objects.filter(session_id=session_id).aggregate(
                n=Sum("quantity")
            )["n"]
            or 0,
            ledger_ok=verification.ok,
            ledger_problem="" if verification.ok else str(verification),
        )


def idle_in_transaction(database: str) -> int:
    """Backends of `database` left inside a transaction (a killed worker's would hold the
    counters' locks and stop every sale of the structure)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
            "AND state LIKE 'idle in transaction%%'",
            [database],
        )
        return cursor.fetchone()[0]
