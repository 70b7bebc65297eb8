"""PO-7 inalterability (art. 286 I 3° bis CGI): each entry is signed with a per-structure key
derived from SECRET_KEY, and the chain head is anchored in the public schema. Each attack is
done here as someone with the database password but not the server's secret would: raw SQL
with the append-only triggers off."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import importlib
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from ponton.ledger import canonical, keys, selectors, services
from ponton.ledger.models import LedgerEntry, LedgerHead
from tenants.models import LedgerAnchor

from .test_ledger import append_invoice, append_payment, tamper

ANCHOR_TIME = dt.datetime(2026, 11, 27, 17, 30, tzinfo=dt.UTC)  # 18:30 in Paris
ANCHOR_DATE = "27 novembre 2026 18:30"


@pytest.fixture
def ledger(structure_a):
    structure, _ = structure_a
    with schema_context(structure.schema_name):
        yield structure


def expected_signature(secret: str, schema_name: str, message: str) -> str:
    base = hashlib.sha256(f"ponton-ledger:{secret}".encode()).digest()
    key = hmac.new(base, schema_name.encode(), hashlib.sha256).digest()
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def anchor_at(monkeypatch, when: dt.datetime = ANCHOR_TIME, reason: str = "till_closing"):
    real_now = timezone.now
    monkeypatch.setattr(services.timezone, "now", lambda: when)
    try:
        return services.ledger_anchor(reason=reason)
    finally:
        monkeypatch.setattr(services.timezone, "now", real_now)


def rebuild_chain(from_position: int, **changes) -> None:
    """The attack on an unsigned chain: change one entry, then recompute with plain SHA-256
    every total, link and hash after it, and the head, so every hash matches again."""
    entries = list(LedgerEntry.objects.order_by("position"))
    previous = entries[from_position - 2] if from_position > 1 else None
    sales = previous.sales_total if previous else Decimal("0.00")
    payments = previous.payments_total if previous else Decimal("0.00")
    link = previous.hash if previous else "0" * 64
    with transaction.atomic():
        for entry in entries[from_position - 1 :]:
            if entry.position == from_position:
                for name, value in changes.items():
                    setattr(entry, name, value)
            sales += entry.sales_amount
            payments += entry.payments_amount
            entry.sales_total, entry.payments_total, entry.previous_hash = sales, payments, link
            entry.hash = canonical.stored_entry_hash(
                position=entry.position,
                recorded_at=entry.recorded_at,
                kind=entry.kind,
                reference=entry.reference,
                payload=entry.payload,
                sales_amount=entry.sales_amount,
                payments_amount=entry.payments_amount,
                sales_total=entry.sales_total,
                payments_total=entry.payments_total,
                previous_hash=entry.previous_hash,
            )
            link = entry.hash
            tamper(
                "UPDATE ledger_ledgerentry SET payload = %s::jsonb, sales_amount = %s, "
                "sales_total = %s, payments_total = %s, previous_hash = %s, hash = %s "
                "WHERE position = %s",
                [
                    canonical.text(entry.payload),
                    entry.sales_amount,
                    entry.sales_total,
                    entry.payments_total,
                    entry.previous_hash,
                    entry.hash,
                    entry.position,
                ],
            )
        tamper(
            "UPDATE ledger_ledgerhead SET hash = %s, sales_total = %s, payments_total = %s",
            [link, sales, payments],
        )


def verify_command(structure) -> tuple[str, bool]:
    out = io.StringIO()
    connection.set_schema_to_public()
    failed = False
    try:
        call_command("verify_ledger", structure=structure.slug, stdout=out)
    except CommandError as exc:
        failed = exc.returncode == 1
    return out.getvalue(), failed


def test_each_entry_is_signed_with_the_structure_key(ledger, settings):
    """PO-7: signature = HMAC-SHA256(entry hash) under HMAC(SHA256("ponton-ledger:" +
    SECRET_KEY), schema name); two structures never share a key."""
    entry = append_invoice("FA-2026-00001", "20.00")
    stored = LedgerEntry.objects.get(position=1)
    assert stored.signature == entry.signature
    assert stored.signature == expected_signature(
        settings.SECRET_KEY, ledger.schema_name, stored.hash
    )
    assert stored.signature != expected_signature(settings.SECRET_KEY, "autre", stored.hash)
    assert selectors.ledger_verify().ok


def test_rebuilt_chain_is_caught_by_its_signatures(ledger):
    """PO-7 attack 1: an amount changed and the whole chain recomputed with SHA-256 (hashes,
    links, totals and head all consistent): the first altered entry's signature fails."""
    for i in range(1, 6):
        append_invoice(f"FA-2026-{i:05d}", "20.00")
    payload = dict(LedgerEntry.objects.get(position=3).payload, total="2.00")
    rebuild_chain(3, sales_amount=Decimal("2.00"), payload=payload)
    head = LedgerHead.objects.get()
    assert (head.position, head.sales_total) == (5, Decimal("82.00"))
    result = selectors.ledger_verify()
    assert (result.ok, result.broken_position, result.entries) == (False, 3, 2)
    assert result.reason == "signature invalide : la chaîne a été recalculée sans la clé"
    out, failed = verify_command(ledger)
    assert failed
    assert (
        f"{ledger.slug} : ÉCHEC, écriture n° 3 : signature invalide : la chaîne a été "
        "recalculée sans la clé"
    ) in out


def test_missing_tail_is_caught_by_the_last_anchor(ledger, monkeypatch):
    """PO-7 attack 2: the last entries deleted and the head moved back onto the new last
    entry: the chain holds, but the anchor in the public schema attests a later entry."""
    for i in range(1, 6):
        append_invoice(f"FA-2026-{i:05d}", "20.00")
    anchor = anchor_at(monkeypatch)
    assert (anchor.position, anchor.reason) == (5, "till_closing")
    append_payment("FA-2026-00005", "20.00")
    third = LedgerEntry.objects.get(position=3)
    with transaction.atomic():
        tamper("DELETE FROM ledger_ledgerentry WHERE position > 3")
        tamper(
            "UPDATE ledger_ledgerhead SET position = 3, hash = %s, sales_total = %s, "
            "payments_total = %s",
            [third.hash, third.sales_total, third.payments_total],
        )
    result = selectors.ledger_verify()
    assert (result.ok, result.entries, result.broken_position) == (False, 3, 4)
    assert result.reason == (
        f"les écritures après le n° 3 manquent : l'ancre du {ANCHOR_DATE} atteste le n° 5"
    )
    assert result.problems == (
        result.reason,
        f"la tête du journal (n° 3) est revenue en deçà de l'ancre du {ANCHOR_DATE} (n° 5)",
    )
    out, failed = verify_command(ledger)
    assert failed and f"écriture n° 4 : {result.reason}" in out


def test_head_that_went_backwards_is_caught(ledger, monkeypatch):
    """PO-7 attack 3: the head row set back to an earlier entry (position and hash), the
    entries left: the head disagrees with the last entry and with the last anchor."""
    for i in range(1, 6):
        append_invoice(f"FA-2026-{i:05d}", "20.00")
    anchor_at(monkeypatch)
    second = LedgerEntry.objects.get(position=2)
    with transaction.atomic():
        tamper(
            "UPDATE ledger_ledgerhead SET position = 2, hash = %s, sales_total = %s",
            [second.hash, second.sales_total],
        )
    result = selectors.ledger_verify()
    assert (result.ok, result.entries, result.broken_position) == (False, 5, None)
    assert result.problems == (
        "la tête du journal (n° 2) ne correspond pas à la dernière écriture (n° 5)",
        f"la tête du journal (n° 2) est revenue en deçà de l'ancre du {ANCHOR_DATE} (n° 5)",
    )
    out, failed = verify_command(ledger)
    assert failed and "tête du journal : la tête du journal (n° 2)" in out


def test_anchor_with_a_forged_signature_is_reported_and_not_trusted(ledger, monkeypatch):
    """PO-7: an anchor altered in the public table fails its signature; it is reported and
    is not used to judge the chain."""
    for i in range(1, 4):
        append_invoice(f"FA-2026-{i:05d}", "20.00")
    anchor = anchor_at(monkeypatch)
    with transaction.atomic():
        tamper("UPDATE public.tenants_ledgeranchor SET position = 9 WHERE id = %s", [anchor.pk])
    result = selectors.ledger_verify()
    assert (result.ok, result.entries, result.broken_position, result.anchors) == (
        False,
        3,
        None,
        0,
    )
    assert result.problems == (f"l'ancre du {ANCHOR_DATE} (n° 9) : signature invalide",)


def test_anchor_is_signed_and_names_the_head(ledger, monkeypatch, settings):
    """PO-7: an anchor records the head (position, hash, perpetual totals) in the public
    schema, signed with the structure's key."""
    append_invoice("FA-2026-00001", "30.00")
    last = append_payment("FA-2026-00001", "12.50")
    anchor = anchor_at(monkeypatch, reason="archive")
    stored = LedgerAnchor.objects.get(pk=anchor.pk)
    assert stored.structure_id == ledger.pk
    assert (stored.position, stored.hash, stored.reason) == (2, last.hash, "archive")
    assert (stored.sales_total, stored.payments_total) == (Decimal("30.00"), Decimal("12.50"))
    assert stored.anchored_at == ANCHOR_TIME
    assert stored.signature == expected_signature(
        settings.SECRET_KEY, ledger.schema_name, canonical.anchor_text_of(stored)
    )
    result = selectors.ledger_verify()
    assert (result.ok, result.anchors) == (True, 1)


def test_anchor_refusals_leave_nothing(ledger):
    """PO-7: an unknown reason, or an anchor inside a ledger_batch() block (its entries are
    not appended yet), is refused and records nothing."""
    with pytest.raises(ValueError, match="unknown anchor reason"):
        services.ledger_anchor(reason="lundi")
    with pytest.raises(RuntimeError), transaction.atomic(), services.ledger_batch():
        services.ledger_append(kind="payment", reference="P1", payload={})
        services.ledger_anchor(reason="till_closing")
    assert LedgerAnchor.objects.filter(structure=ledger).count() == 0
    assert LedgerEntry.objects.count() == 0


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE tenants_ledgeranchor SET position = 99",
        "DELETE FROM tenants_ledgeranchor",
    ],
)
def test_the_database_refuses_changes_to_anchors(ledger, statement):
    """PO-7: anchors are append-only in the database too."""
    append_invoice("FA-2026-00001", "10.00")
    anchor = services.ledger_anchor(reason="manual")
    with pytest.raises(DatabaseError, match="never change"), transaction.atomic():
        with connection.cursor() as cur:
            cur.execute(statement)
    stored = LedgerAnchor.objects.get()
    assert (stored.pk, stored.position, stored.signature) == (
        anchor.pk,
        1,
        anchor.signature,
    )


def test_closings_are_anchored(ledger, monkeypatch):
    """PO-7: every closing the ledger records (day, month, year) is anchored right after."""
    day1 = dt.datetime(2026, 3, 31, 10, tzinfo=dt.UTC)
    monkeypatch.setattr(services.timezone, "now", lambda: day1)
    append_invoice("FA-2026-00001", "40.00")
    day2 = dt.datetime(2026, 4, 1, 9, tzinfo=dt.UTC)
    monkeypatch.setattr(services.timezone, "now", lambda: day2)
    append_invoice("FA-2026-00002", "15.00")
    closings = list(
        LedgerEntry.objects.filter(kind__startswith="closing").values_list("position", "hash")
    )
    assert closings == [
        (2, LedgerEntry.objects.get(position=2).hash),
        (3, LedgerEntry.objects.get(position=3).hash),
    ]
    anchors = list(
        LedgerAnchor.objects.filter(structure=ledger).values_list("position", "hash", "reason")
    )
    assert anchors == [(p, h, "closing") for p, h in closings]
    result = selectors.ledger_verify()
    assert (result.ok, result.entries, result.anchors) == (True, 4, 2)


def test_signatures_survive_a_secret_key_rotation(ledger, settings):
    """PO-7: with the old SECRET_KEY in SECRET_KEY_FALLBACKS, old signatures still verify
    and new entries are signed with the new key; without it, they no longer verify."""
    old = settings.SECRET_KEY
    first = append_invoice("FA-2026-00001", "10.00")
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "une-nouvelle-cle", [old]
    second = append_invoice("FA-2026-00002", "10.00")
    assert second.signature == expected_signature(
        "une-nouvelle-cle", ledger.schema_name, second.hash
    )
    assert selectors.ledger_verify().ok
    settings.SECRET_KEY_FALLBACKS = []
    result = selectors.ledger_verify()
    assert (result.broken_position, result.reason) == (
        first.position,
        "signature invalide : la chaîne a été recalculée sans la clé",
    )


def test_migration_signs_entries_written_before_signatures(ledger, settings):
    """PO-7: migration 0003 signs the existing entries of each structure's schema, behind the
    append-only trigger, and leaves the trigger on."""
    for i in range(1, 4):
        append_invoice(f"FA-2026-{i:05d}", "10.00")
    with transaction.atomic():
        tamper("UPDATE ledger_ledgerentry SET signature = ''")
    assert selectors.ledger_verify().broken_position == 1
    migration = importlib.import_module("ponton.ledger.migrations.0003_entry_signature")

    class Editor:
        pass

    editor = Editor()
    editor.connection = connection  # type: ignore[attr-defined]
    with transaction.atomic():
        migration.sign_existing(None, editor)
    assert [e.signature for e in LedgerEntry.objects.all()] == [
        expected_signature(settings.SECRET_KEY, ledger.schema_name, e.hash)
        for e in LedgerEntry.objects.all()
    ]
    assert selectors.ledger_verify().ok
    with pytest.raises(DatabaseError, match="never change"), transaction.atomic():
        LedgerEntry.objects.update(signature="")
    assert keys.signature_ok(
        schema_name=ledger.schema_name,
        message=LedgerEntry.objects.get(position=1).hash,
        signature=LedgerEntry.objects.get(position=1).signature,
    )
