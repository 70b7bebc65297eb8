"""A structure's ledger restored into another schema (manage.py structure_import, PO-7,
docs/adr/0023).

Entry signatures and anchors are made under a key derived from SECRET_KEY and the schema name
(`ponton.ledger.keys`): under a new schema name the restored chain no longer verifies. The import
therefore checks the restored chain under the key of the schema it comes from, against the
anchors that came with it, refuses it if anything fails, and only then signs it again under the
new schema's key, copies the anchors to the new structure and records the move as one more
anchor (`LedgerAnchor.Reason.MOVE`). The chain's hashes, positions and totals are not touched:
only what a holder of SECRET_KEY vouches for is re-signed, after it was checked."""

from __future__ import annotations

from django.db import connection

from ponton.ledger import canonical, keys
from ponton.ledger.models import LedgerEntry, LedgerHead
from ponton.ledger.services import _amount, _anchor
from tenants.models import LedgerAnchor, Structure

BATCH = 5_000
TRIGGER = "ledger_entry_no_change"


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def ledger_resign(*, schema: str, key_schema: str) -> int:
    """Sign every entry of the ledger in `schema` again under the key of `key_schema` (the name
    the schema is about to take). Runs inside the caller's transaction: the append-only trigger
    is disabled and enabled again in it, so it is never off once committed. Returns the number of
    entries signed."""
    table = f"{_q(schema)}.{_q(LedgerEntry._meta.db_table)}"
    with connection.cursor() as cur:
        cur.execute(f"SELECT id, hash FROM {table} ORDER BY position")  # noqa: S608 - quoted
        rows = cur.fetchall()
        if not rows:
            return 0
        cur.execute(f"ALTER TABLE {table} DISABLE TRIGGER {_q(TRIGGER)}")
        for start in range(0, len(rows), BATCH):
            batch = rows[start : start + BATCH]
            values = ", ".join(["(%s::bigint, %s)"] * len(batch))
            cur.execute(
                f"UPDATE {table} AS e SET signature = v.signature "  # noqa: S608 - quoted
                f"FROM (VALUES {values}) AS v(id, signature) WHERE e.id = v.id",
                [
                    value
                    for pk, hash_ in batch
                    for value in (pk, keys.sign(schema_name=key_schema, message=hash_))
                ],
            )
        cur.execute(f"ALTER TABLE {table} ENABLE TRIGGER {_q(TRIGGER)}")
    return len(rows)


def ledger_adopt_anchors(*, structure: Structure, anchors: list[LedgerAnchor]) -> LedgerAnchor:
    """Copy `anchors` (checked by `ledger_verify_moved`) to `structure`, signed under its key,
    except those it already has, and anchor the head as the record of the move. Runs on the
    structure's schema (its final name), inside the caller's transaction."""
    schema_name = keys.current_schema()
    if schema_name != structure.schema_name:
        raise RuntimeError("ledger_adopt_anchors runs on the structure's own schema")
    present = set(
        LedgerAnchor.objects.filter(structure=structure).values_list(
            "position", "hash", "anchored_at", "reason"
        )
    )
    copies = []
    for anchor in anchors:
        if (anchor.position, anchor.hash, anchor.anchored_at, anchor.reason) in present:
            continue  # restored over itself (--replace): that anchor is already there
        copy = LedgerAnchor(
            structure=structure,
            position=anchor.position,
            hash=anchor.hash,
            sales_total=_amount(anchor.sales_total),
            payments_total=_amount(anchor.payments_total),
            anchored_at=anchor.anchored_at,
            reason=anchor.reason,
        )
        copy.signature = keys.sign(schema_name=schema_name, message=canonical.anchor_text_of(copy))
        copies.append(copy)
    LedgerAnchor.objects.bulk_create(copies)
    head = LedgerHead.objects.select_for_update().get(pk=True)
    return _anchor(head=head, reason=LedgerAnchor.Reason.MOVE)
