"""The inalterable ledger (OR-11, PO-7): canonical content chained by SHA-256, perpetual
totals, closings in the chain, refused changes at the database level, verification that
names the first entry that does not match."""

from __future__ import annotations

import datetime as dt
import io
import threading
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from ponton.ledger import canonical, selectors, services
from ponton.ledger.models import GENESIS_HASH, LedgerEntry, LedgerHead


def invoice_payload(number: str, total: str) -> dict:
    return {
        "number": number,
        "customer": {"id": 7, "name": "Claire Le Goff"},
        "lines": [
            {
                "label": "Stage catamaran",
                "quantity": 1,
                "unit_price": Decimal(total),
                "vat_rate": Decimal("20.00"),
            }
        ],
        "vat": {"20.00": {"base": Decimal(total) / Decimal("1.2"), "vat": Decimal("0")}},
        "total": Decimal(total),
        "issued_on": dt.date(2026, 11, 27),
    }


def append_invoice(number: str, total: str) -> LedgerEntry:
    with transaction.atomic():
        return services.ledger_append(
            kind=LedgerEntry.Kind.INVOICE,
            reference=number,
            payload=invoice_payload(number, total),
            sales_amount=Decimal(total),
        )


def append_payment(reference: str, amount: str, method: str = "cash") -> LedgerEntry:
    with transaction.atomic():
        return services.ledger_append(
            kind=LedgerEntry.Kind.PAYMENT,
            reference=reference,
            payload={"invoice": reference, "method": method, "amount": Decimal(amount)},
            payments_amount=Decimal(amount),
        )


@pytest.fixture
def ledger(structure_a):
    structure, _ = structure_a
    with schema_context(structure.schema_name):
        yield structure


def test_entries_are_chained_with_perpetual_totals(ledger):
    """PO-7: positions without gaps, each hash over the previous one, totals carried."""
    first = append_invoice("FA-2026-00001", "180.00")
    second = append_payment("FA-2026-00001", "100.00", "check")
    third = append_payment("FA-2026-00001", "80", "card")
    assert [first.position, second.position, third.position] == [1, 2, 3]
    assert first.previous_hash == GENESIS_HASH
    assert second.previous_hash == first.hash and third.previous_hash == second.hash
    assert (third.sales_total, third.payments_total) == (Decimal("180.00"), Decimal("180.00"))
    assert third.payments_amount == Decimal("80.00")
    head = LedgerHead.objects.get()
    assert (head.position, head.hash) == (3, third.hash)
    stored = LedgerEntry.objects.get(position=1)
    # The canonical content is stored whole, payments' methods and amounts included.
    assert stored.payload["lines"][0]["unit_price"] == "180.00"
    assert stored.payload["issued_on"] == "2026-11-27"
    assert LedgerEntry.objects.get(position=2).payload["method"] == "check"
    assert services.hash_of(stored) == stored.hash
    assert selectors.ledger_verify().ok


def test_canonical_content_refuses_floats_and_naive_datetimes():
    """PO-7: an amount is never a float; times are absolute."""
    with pytest.raises(TypeError):
        canonical.text({"amount": 1.5})
    with pytest.raises(TypeError):
        canonical.text({"at": dt.datetime(2026, 1, 1, 12)})  # noqa: DTZ001
    assert canonical.text({"b": Decimal("1.50"), "a": [1, True, None]}) == (
        '{"a":[1,true,null],"b":"1.50"}'
    )


@pytest.mark.django_db(transaction=True)
def test_append_outside_a_transaction_is_refused(ledger):
    """OR-11: an entry is written in the transaction of what it records, never alone."""
    with pytest.raises(RuntimeError):
        services.ledger_append(kind=LedgerEntry.Kind.PAYMENT, reference="x", payload={})
    assert LedgerEntry.objects.count() == 0


def test_entry_rolls_back_with_the_document_it_records(ledger):
    """OR-11: when the transaction fails, neither the document nor its entry remain."""
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        append_invoice("FA-2026-00001", "10.00")
        1 / 0  # noqa: B018
    assert LedgerEntry.objects.count() == 0
    assert LedgerHead.objects.get().position == 0
    assert append_invoice("FA-2026-00001", "10.00").position == 1


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_ledgerentry SET reference = 'FA-2026-99999'",
        "UPDATE ledger_ledgerentry SET payload = '{}'::jsonb",
        "DELETE FROM ledger_ledgerentry",
        "TRUNCATE ledger_ledgerentry",
    ],
)
def test_the_database_refuses_changes(ledger, statement):
    """OR-11: UPDATE, DELETE and TRUNCATE are refused by a trigger, not only by the code."""
    append_invoice("FA-2026-00001", "50.00")
    with pytest.raises(DatabaseError, match="never change"), transaction.atomic():
        with connection.cursor() as cur:
            cur.execute(statement)
    assert LedgerEntry.objects.get().reference == "FA-2026-00001"


def tamper(sql: str, params=()) -> None:
    """Change rows behind the triggers' back, as someone with the database password could."""
    with connection.cursor() as cur:
        cur.execute("SET LOCAL session_replication_role = replica")
        cur.execute(sql, params)
        cur.execute("SET LOCAL session_replication_role = origin")


def test_verification_names_the_altered_entry(ledger):
    """PO-7: an amount changed with raw SQL (triggers disabled) is caught: the verification
    and `manage.py verify_ledger` name the first entry that does not match."""
    for i in range(1, 6):
        append_invoice(f"FA-2026-{i:05d}", "20.00")
    with transaction.atomic():
        tamper(
            "UPDATE ledger_ledgerentry SET payload = jsonb_set(payload, '{total}', '\"2.00\"') "
            "WHERE position = 3"
        )
    result = selectors.ledger_verify()
    assert (result.ok, result.broken_position) == (False, 3)
    assert "empreinte" in result.reason
    out = io.StringIO()
    connection.set_schema_to_public()
    with pytest.raises(CommandError):
        call_command("verify_ledger", structure=ledger.slug, stdout=out)
    assert "écriture n° 3" in out.getvalue()


def test_verification_catches_a_deleted_entry_and_forged_totals(ledger):
    """PO-7: a removed entry breaks the positions; totals rewritten with a recomputed hash
    still break the chain of the next entry."""
    for i in range(1, 5):
        append_invoice(f"FA-2026-{i:05d}", "20.00")
    with transaction.atomic():
        tamper("DELETE FROM ledger_ledgerentry WHERE position = 2")
    result = selectors.ledger_verify()
    assert result.broken_position == 3 and "manquante" in result.reason


def test_verification_catches_a_rehashed_entry(ledger):
    """PO-7: rewriting one entry AND its own hash consistently is caught at that entry: its
    signature was made over the old hash with a key that is not in the database (before
    signatures, the next entry's link caught it)."""
    for i in range(1, 4):
        append_invoice(f"FA-2026-{i:05d}", "20.00")
    entry = LedgerEntry.objects.get(position=2)
    entry.reference = "FA-2026-00099"
    forged = services.hash_of(entry)
    with transaction.atomic():
        tamper(
            "UPDATE ledger_ledgerentry SET reference = %s, hash = %s WHERE position = 2",
            ["FA-2026-00099", forged],
        )
    result = selectors.ledger_verify()
    assert (result.broken_position, result.entries) == (2, 1)
    assert result.reason == "signature invalide : la chaîne a été recalculée sans la clé"


def test_verify_ledger_command_on_intact_chains(structure_a, structure_b):
    """PO-7: every structure's chain is checked, each on its own schema."""
    with schema_context(structure_a[0].schema_name):
        append_invoice("FA-2026-00001", "20.00")
    out = io.StringIO()
    call_command("verify_ledger", stdout=out)
    assert f"{structure_a[0].slug} : 1 écritures, chaîne intègre" in out.getvalue()
    assert f"{structure_b[0].slug} : 0 écritures, chaîne intègre" in out.getvalue()


def test_closings_are_recorded_in_the_chain(ledger, monkeypatch):
    """PO-7: daily, monthly and yearly closings are entries of the chain, with the period's
    sums and the perpetual totals; a period closes once and only when it is over."""
    append_invoice("FA-2026-00001", "30.00")
    append_payment("FA-2026-00001", "30.00")
    today = timezone.localdate()
    with pytest.raises(services.LedgerError, match="terminée"):
        services.ledger_close(period="day", day=today)
    # Pretend the next year has come: every period containing today is over.
    later = dt.date(today.year + 1, 1, 2)
    later_now = dt.datetime(later.year, 1, 2, 12, tzinfo=dt.UTC)
    monkeypatch.setattr(services.timezone, "now", lambda: later_now)
    day = services.ledger_close(period="day", day=today)
    assert day.kind == LedgerEntry.Kind.CLOSING_DAY
    assert day.payload["sales"] == "30.00" and day.payload["payments"] == "30.00"
    assert day.payload["by_kind"]["invoice"]["count"] == 1
    assert day.payload["last_position"] == 2
    with pytest.raises(services.LedgerError, match="déjà"):
        services.ledger_close(period="day", day=today)
    closed = services.ledger_close_due(today=later)
    kinds = [e.kind for e in closed]
    assert LedgerEntry.Kind.CLOSING_MONTH in kinds and LedgerEntry.Kind.CLOSING_YEAR in kinds
    assert kinds.count(LedgerEntry.Kind.CLOSING_YEAR) == 1
    assert services.ledger_close_due(today=later) == []
    year = LedgerEntry.objects.get(kind=LedgerEntry.Kind.CLOSING_YEAR)
    assert year.payload["sales_total"] == "30.00"
    assert selectors.ledger_verify().ok


def test_first_entry_of_a_new_day_closes_the_days_that_ended(ledger, monkeypatch):
    """PO-7: no scheduler needed: the first append of a new day records the closings of the
    previous days (and months, years) before itself, in the chain."""
    real_now = timezone.now
    day1 = dt.datetime(2026, 3, 30, 10, tzinfo=dt.UTC)
    monkeypatch.setattr(services.timezone, "now", lambda: day1)
    append_invoice("FA-2026-00001", "40.00")
    append_payment("FA-2026-00001", "40.00")
    day3 = dt.datetime(2026, 4, 1, 9, tzinfo=dt.UTC)
    monkeypatch.setattr(services.timezone, "now", lambda: day3)
    entry = append_invoice("FA-2026-00002", "15.00")
    kinds = list(LedgerEntry.objects.values_list("kind", "reference"))
    assert kinds == [
        ("invoice", "FA-2026-00001"),
        ("payment", "FA-2026-00001"),
        ("closing_day", "2026-03-30/2026-03-30"),
        ("closing_day", "2026-03-31/2026-03-31"),
        ("closing_month", "2026-03-01/2026-03-31"),
        ("invoice", "FA-2026-00002"),
    ]
    assert entry.position == 6
    march = LedgerEntry.objects.get(kind="closing_month")
    assert (march.payload["sales"], march.payload["payments"]) == ("40.00", "40.00")
    monkeypatch.setattr(services.timezone, "now", real_now)
    assert selectors.ledger_verify().ok


def test_close_ledger_command(structure_a, monkeypatch):
    """PO-7: `manage.py close_ledger` closes what ended for structures that sold nothing since."""
    with schema_context(structure_a[0].schema_name):
        append_invoice("FA-2026-00001", "40.00")
    tomorrow = timezone.now() + dt.timedelta(days=1)
    monkeypatch.setattr(services.timezone, "now", lambda: tomorrow)
    out = io.StringIO()
    call_command("close_ledger", structure=structure_a[0].slug, stdout=out)
    assert "1 clôture(s)" in out.getvalue() or "2 clôture(s)" in out.getvalue()
    with schema_context(structure_a[0].schema_name):
        assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.CLOSING_DAY).count() == 1
        assert selectors.ledger_verify().ok


def test_new_structures_get_an_empty_chain_and_the_triggers(make_structure):
    """OR-11: the head row and the triggers come with the template schema."""
    structure, _ = make_structure(name="Club neuf")
    with schema_context(structure.schema_name):
        assert LedgerHead.objects.get().position == 0
        append_invoice("FA-2026-00001", "10.00")
        with pytest.raises(DatabaseError), transaction.atomic():
            LedgerEntry.objects.update(reference="x")


@pytest.mark.django_db(transaction=True)
def test_parallel_appends_keep_one_chain(make_structure):
    """OR-11, race: 20 threads append at the same moment: positions 1..20, one valid chain."""
    structure, _ = make_structure(name="Club parallèle")
    barrier = threading.Barrier(20)
    errors: list[BaseException] = []

    def write(i: int) -> None:
        try:
            with schema_context(structure.schema_name):
                barrier.wait()
                append_payment(f"P{i}", "1.00")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    with schema_context(structure.schema_name):
        positions = list(LedgerEntry.objects.values_list("position", flat=True))
        assert positions == list(range(1, 21))
        assert LedgerHead.objects.get().payments_total == Decimal("20.00")
        assert selectors.ledger_verify().ok
