"""Rows a block of one transaction queues and writes together at its end.

A complete sale (order, invoice, payments) appends two ledger entries and three history lines:
written one at a time, each ledger entry locks and reads the ledger head, inserts, and moves
the head. Inside a batch those writes are queued and done at the end of the block, still in
the same transaction: one lock of the head, one INSERT per table (docs/adr/0008).

A queued row belongs to the transaction depth where the batch was opened. Queuing from a
nested atomic block (a savepoint) is refused: the savepoint could be rolled back while the
queued row would still be written at the end of the batch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.db import transaction

Item = TypeVar("Item")


@dataclass
class _Open:
    depth: int
    items: list[Any] = field(default_factory=list)


class TransactionBatch(Generic[Item]):
    """`with batch():` opens a batch (inside a transaction); `batch.queue(item)` queues an
    item and says True when a batch is open (the caller writes the row itself otherwise);
    at the end of the block, `write(items)` gets every queued item, in order, unless the block
    raised. A batch opened inside an open batch adds nothing: the outer one writes."""

    def __init__(self, name: str, write: Callable[[list[Item]], object]):
        self._open: ContextVar[_Open | None] = ContextVar(name, default=None)
        self._write = write

    @contextmanager
    def __call__(self) -> Iterator[None]:
        if self._open.get() is not None:
            yield
            return
        connection = transaction.get_connection()
        if not connection.in_atomic_block:
            raise RuntimeError("a batch of writes is opened inside the transaction it writes in")
        batch = _Open(depth=len(connection.savepoint_ids))
        token = self._open.set(batch)
        try:
            yield
        finally:
            self._open.reset(token)
        if batch.items:
            self._write(batch.items)

    def queue(self, item: Item) -> bool:
        batch = self._open.get()
        if batch is None:
            return False
        if len(transaction.get_connection().savepoint_ids) != batch.depth:
            raise RuntimeError(
                "a row is queued from a nested atomic block: its savepoint could be rolled "
                "back and the row still written at the end of the batch"
            )
        batch.items.append(item)
        return True

    def is_open(self) -> bool:
        """Whether a batch is open in this context (its rows are not written yet)."""
        return self._open.get() is not None
