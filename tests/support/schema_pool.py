"""Blank structure schemas made once per test session, handed out by renaming them.

Copying the template schema (tenants/cloning.py) costs about 0.6 s of PostgreSQL work: with a
thousand structures created by the suite it was most of the suite's time. A test that runs in
a transaction rolled back at its end (pytest-django's `db`) can instead take a committed blank
clone and rename it to the new structure's schema: the rename is one catalogue update, rolled
back with the test, so the blank clone is there again for the next test. Its identity
sequences, which a rollback does not rewind, are set back to the template's values on each use.

A test that commits (`transactional_db`, servers in subprocesses) keeps the schemas it took;
`replenish()` makes new blank clones before the next test, outside any transaction. The
structure-creation tests themselves (marker `real_clone`) and every process other than pytest's
(daphne, benchmarks) copy the template for real.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection

from tenants import cloning

PREFIX = "test_blank_"
SIZE = 6


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class SchemaPool:
    def __init__(self) -> None:
        self._sequences: list[tuple[str, int]] | None = None

    def _free(self) -> list[str]:
        with connection.cursor() as cur:
            cur.execute(
                "SELECT nspname FROM pg_namespace WHERE nspname LIKE %s ORDER BY nspname",
                [PREFIX + "%"],
            )
            return [row[0] for row in cur.fetchall()]

    def replenish(self) -> None:
        """Bring the pool back to SIZE blank clones (committed: call outside a transaction)."""
        free = set(self._free())
        for index in range(SIZE):
            name = f"{PREFIX}{index}"
            if name not in free:
                cloning.clone_schema(source=settings.TENANT_BASE_SCHEMA, target=name)

    def drop(self) -> None:
        with connection.cursor() as cur:
            for name in self._free():
                cur.execute(f"DROP SCHEMA {_q(name)} CASCADE")

    def _sequence_starts(self, schema: str) -> list[tuple[str, int]]:
        """Each identity sequence of a blank clone and the value a fresh clone starts at."""
        if self._sequences is None:
            with connection.cursor() as cur:
                cur.execute(
                    "SELECT c.relname, a.attname, "
                    "pg_get_serial_sequence(quote_ident(n.nspname) || '.' || "
                    "quote_ident(c.relname), a.attname) "
                    "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = %s AND a.attidentity IN ('a', 'd') "
                    "AND NOT a.attisdropped",
                    [schema],
                )
                found = []
                for table, column, sequence in cur.fetchall():
                    cur.execute(
                        f"SELECT COALESCE(MAX({_q(column)}), 0) + 1 "  # noqa: S608 - quoted
                        f"FROM {_q(settings.TENANT_BASE_SCHEMA)}.{_q(table)}"
                    )
                    found.append((sequence.split(".", 1)[1], cur.fetchone()[0]))
            self._sequences = found
        return self._sequences

    def clone(self, *, source: str, target: str) -> None:
        """tenants.cloning.clone_schema, by renaming a blank clone when one is free."""
        free = self._free() if source == settings.TENANT_BASE_SCHEMA else []
        if not free:
            cloning.clone_schema(source=source, target=target)
            return
        cloning._check(target)
        blank = free[0]
        starts = self._sequence_starts(blank)
        with connection.cursor() as cur:
            cur.execute(f"ALTER SCHEMA {_q(blank)} RENAME TO {_q(target)}")
            if starts:
                calls = ", ".join(
                    f"setval('{_q(target)}.{sequence}', {value}, false)"
                    for sequence, value in starts
                )
                cur.execute(f"SELECT {calls}")
