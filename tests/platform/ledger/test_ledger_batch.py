"""A complete sale appends its ledger entries together (PO-7, OR-11, docs/adr/0008): inside
`ledger_batch()` the events are queued and written at the end of the block, in order, under
one lock of the head, with one INSERT; a block that fails writes none; a queue from a nested
savepoint is refused (it could be rolled back while its entry would still be written). The
order history's batch is the same mechanism (`ponton.web.batches`), tested through the
complete sale (tests/platform/api/test_sales_api.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from ponton.ledger import selectors, services
from ponton.ledger.models import GENESIS_HASH, LedgerEntry, LedgerHead


@pytest.fixture
def ledger(structure_a):
    structure, _ = structure_a
    with schema_context(structure.schema_name):
        yield structure


def invoice(number: str, total: str) -> None:
    services.ledger_append(
        kind=LedgerEntry.Kind.INVOICE,
        reference=number,
        payload={"number": number, "total": Decimal(total)},
        sales_amount=Decimal(total),
    )


def payment(reference: str, amount: str) -> None:
    services.ledger_append(
        kind=LedgerEntry.Kind.PAYMENT,
        reference=reference,
        payload={"document": reference, "method": "cash", "amount": Decimal(amount)},
        payments_amount=Decimal(amount),
    )


def test_a_batch_appends_its_events_at_its_end_with_one_lock_and_one_insert(ledger):
    """PO-7: queued inside the block (nothing written yet), then chained in order with their
    perpetual totals; one SELECT … FOR UPDATE of the head, one INSERT, one UPDATE."""
    with transaction.atomic():
        with CaptureQueriesContext(connection) as queries, services.ledger_batch():
            invoice("FA-2026-00001", "120.00")
            payment("FA-2026-00001", "100.00")
            payment("FA-2026-00001", "20.00")
            assert LedgerEntry.objects.count() == 0  # queued, not written
        statements = [q["sql"] for q in queries.captured_queries]
    assert sum("FOR UPDATE" in sql for sql in statements) == 1
    assert sum(sql.startswith('INSERT INTO "ledger_ledgerentry"') for sql in statements) == 1
    assert sum(sql.startswith('UPDATE "ledger_ledgerhead"') for sql in statements) == 1
    entries = list(LedgerEntry.objects.order_by("position"))
    assert [(e.position, e.kind, e.payments_total) for e in entries] == [
        (1, "invoice", Decimal("0.00")),
        (2, "payment", Decimal("100.00")),
        (3, "payment", Decimal("120.00")),
    ]
    assert entries[0].previous_hash == GENESIS_HASH
    assert [e.previous_hash for e in entries[1:]] == [e.hash for e in entries[:-1]]
    assert entries[0].sales_total == entries[2].sales_total == Decimal("120.00")
    head = LedgerHead.objects.get()
    assert (head.position, head.hash, head.sales_total) == (3, entries[2].hash, Decimal("120.00"))
    assert selectors.ledger_verify().ok


def test_a_failed_block_writes_nothing(ledger):
    """OR-11: whole or not at all: the queued events of a block that raises are dropped."""
    with pytest.raises(ZeroDivisionError), transaction.atomic(), services.ledger_batch():
        invoice("FA-2026-00001", "10.00")
        1 / 0  # noqa: B018
    assert LedgerEntry.objects.count() == 0
    assert LedgerHead.objects.get().position == 0
    with transaction.atomic():
        invoice("FA-2026-00002", "10.00")
    assert LedgerEntry.objects.get().position == 1


def test_a_queue_from_a_nested_savepoint_is_refused(ledger):
    """OR-11: an event queued inside a savepoint that is then rolled back would be written at
    the end of the batch without its document: refused, and the transaction writes nothing."""
    with pytest.raises(RuntimeError, match="nested atomic block"):
        with transaction.atomic(), services.ledger_batch(), transaction.atomic():
            invoice("FA-2026-00001", "10.00")
    assert LedgerEntry.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_batch_is_opened_inside_a_transaction(ledger):
    """OR-11: the batch belongs to the transaction of what its events record."""
    with pytest.raises(RuntimeError, match="inside the transaction"):
        with services.ledger_batch():
            pass


def test_a_batch_inside_a_batch_adds_nothing(ledger):
    """The outer batch writes every event, in order, at its end."""
    with transaction.atomic(), services.ledger_batch():
        invoice("FA-2026-00001", "10.00")
        with services.ledger_batch():
            payment("FA-2026-00001", "10.00")
        assert LedgerEntry.objects.count() == 0
    assert list(LedgerEntry.objects.order_by("position").values_list("kind", flat=True)) == [
        "invoice",
        "payment",
    ]


def test_a_batch_on_a_new_day_records_the_closings_first(ledger, monkeypatch):
    """PO-7: the closings due are recorded before the batch's events, as for a single append."""
    real_now = timezone.now
    day1 = dt.datetime(2026, 3, 30, 10, tzinfo=dt.UTC)
    monkeypatch.setattr(services.timezone, "now", lambda: day1)
    with transaction.atomic():
        invoice("FA-2026-00001", "40.00")
    day2 = dt.datetime(2026, 3, 31, 9, tzinfo=dt.UTC)
    monkeypatch.setattr(services.timezone, "now", lambda: day2)
    with transaction.atomic(), services.ledger_batch():
        invoice("FA-2026-00002", "15.00")
        payment("FA-2026-00002", "15.00")
    assert list(LedgerEntry.objects.order_by("position").values_list("kind", "reference")) == [
        ("invoice", "FA-2026-00001"),
        ("closing_day", "2026-03-30/2026-03-30"),
        ("invoice", "FA-2026-00002"),
        ("payment", "FA-2026-00002"),
    ]
    monkeypatch.setattr(services.timezone, "now", real_now)
    assert selectors.ledger_verify().ok
