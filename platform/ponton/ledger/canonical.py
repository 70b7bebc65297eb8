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


def text(value: Any) -> str:
    return json.dumps(reduce(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(
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
    content = text(
        {
            "position": position,
            "recorded_at": recorded_at,
            "kind": kind,
            "reference": reference,
            "payload": payload,
            "sales_amount": sales_amount,
            "payments_amount": payments_amount,
            "sales_total": sales_total,
            "payments_total": payments_total,
            "previous_hash": previous_hash,
        }
    )
    return hashlib.sha256(content.encode()).hexdigest()
