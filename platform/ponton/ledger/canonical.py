"""The canonical form of ledger content: what is hashed, and how it is stored.

Values are reduced to JSON strings, integers, booleans, null, lists and objects: a Decimal
becomes its string with its own places ("12.50"), a date or datetime its ISO form (datetimes
in UTC); floats are refused (a float is never an amount). The canonical text is
`json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)`: PostgreSQL's jsonb
keeps those values exactly, so the text is recomputed identically from the stored payload.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from typing import Any


def reduce(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise TypeError("naive datetime in ledger content")
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): reduce(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [reduce(v) for v in value]
    raise TypeError(f"{type(value).__name__} is not allowed in ledger content")


def _exactly(kind: type, value: Any) -> Any:
    """The columns of an entry hold these types (reduced as `reduce` would: a str enum,
    Django's TextChoices, becomes its plain string)."""
    if not isinstance(value, kind) or isinstance(value, bool):
        raise TypeError(f"{type(value).__name__} where the ledger expects {kind.__name__}")
    return str(value) if kind is str else value


# json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False), the encoder
# built once (json.dumps builds one per call when given arguments).
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _utc_iso(value: Any) -> str:
    """`reduce` of a datetime, for the one column that holds one."""
    if not isinstance(value, dt.datetime) or value.tzinfo is None:
        raise TypeError("the ledger expects an aware datetime")
    return value.astimezone(dt.UTC).isoformat()


def text(value: Any) -> str:
    return _ENCODER.encode(reduce(value))


def entry_hash(*, payload: Any, **columns: Any) -> str:
    """The SHA-256 of an entry's canonical content (`stored_entry_hash` of its reduced
    payload and its other columns)."""
    return stored_entry_hash(payload=reduce(payload), **columns)


def stored_entry_hash(
    *,
    position: int,
    recorded_at: dt.datetime,
    kind: str,
    reference: str,
    payload: Any,
    sales_amount: Decimal,
    payments_amount: Decimal,
    sales_total: Decimal,
    payments_total: Decimal,
    previous_hash: str,
) -> str:
    """`entry_hash` of an entry read back: its payload was reduced before it was stored, so
    the JSON value read is already canonical and is hashed as it is (a value altered in the
    table into anything else, a float say, simply gives another hash)."""
    content = _ENCODER.encode(
        {
            "position": _exactly(int, position),
            "recorded_at": _utc_iso(recorded_at),
            "kind": _exactly(str, kind),
            "reference": _exactly(str, reference),
            "payload": payload,
            "sales_amount": str(_exactly(Decimal, sales_amount)),
            "payments_amount": str(_exactly(Decimal, payments_amount)),
            "sales_total": str(_exactly(Decimal, sales_total)),
            "payments_total": str(_exactly(Decimal, payments_total)),
            "previous_hash": _exactly(str, previous_hash),
        }
    )
    return hashlib.sha256(content.encode()).hexdigest()


def anchor_text(
    *,
    structure_id: int,
    position: int,
    hash: str,  # noqa: A002 - the column's name
    sales_total: Decimal,
    payments_total: Decimal,
    anchored_at: dt.datetime,
    reason: str,
) -> str:
    """The canonical text of an anchor, which its signature covers."""
    return _ENCODER.encode(
        {
            "structure": _exactly(int, structure_id),
            "position": _exactly(int, position),
            "hash": _exactly(str, hash),
            "sales_total": str(_exactly(Decimal, sales_total)),
            "payments_total": str(_exactly(Decimal, payments_total)),
            "anchored_at": _utc_iso(anchored_at),
            "reason": _exactly(str, reason),
        }
    )


def anchor_text_of(anchor: Any) -> str:
    """`anchor_text` of a `tenants.LedgerAnchor`."""
    return anchor_text(
        structure_id=anchor.structure_id,
        position=anchor.position,
        hash=anchor.hash,
        sales_total=anchor.sales_total,
        payments_total=anchor.payments_total,
        anchored_at=anchor.anchored_at,
        reason=anchor.reason,
    )
