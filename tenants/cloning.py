"""Create a structure's schema by copying the fully migrated template schema.

Running every migration for each new structure gets slower with every migration added;
copying the template's tables (structure, indexes, constraints, identity sequences, foreign
keys, triggers and rows such as django_migrations) costs the same whatever the history.
See docs/adr/0003-schema-cloning.md.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.db import connection, transaction

SCHEMA_NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _check(name: str) -> None:
    if not SCHEMA_NAME_RE.match(name) or name.startswith("pg_"):
        raise ValueError(f"invalid schema name: {name!r}")


def schema_exists(name: str) -> bool:
    with connection.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [name])
        return cur.fetchone() is not None


@transaction.atomic
def clone_schema(*, source: str, target: str) -> None:
    """Copy `source` into a new schema `target`, in one transaction."""
    _check(source)
    _check(target)
    with connection.cursor() as cur:
        # pg_class has no index by schema: it is scanned once, for the source's tables; the
        # other catalogs are then read by table oid, through their indexes, so the clone
        # stays as fast with a thousand structures' schemas as with one (docs/adr/0022).
        cur.execute(
            "SELECT c.oid, c.relname FROM pg_class c "
            "WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = %s) "
            "AND c.relkind IN ('r', 'p') ORDER BY c.relname",
            [source],
        )
        rows = cur.fetchall()
        tables = [row[1] for row in rows]
        oids = [row[0] for row in rows]
        # Read the definitions with only the source on the search path, so references to
        # its own objects come out unqualified and references to public stay qualified.
        cur.execute(f"SET LOCAL search_path TO {_q(source)}")
        cur.execute(
            "SELECT cl.relname, con.conname, pg_get_constraintdef(con.oid) "
            "FROM pg_constraint con JOIN pg_class cl ON cl.oid = con.conrelid "
            "WHERE con.conrelid = ANY(%s::oid[]) AND con.contype = 'f' "
            "ORDER BY cl.relname, con.conname",
            [oids],
        )
        foreign_keys = cur.fetchall()
        cur.execute(
            "SELECT pg_get_triggerdef(t.oid, true) FROM pg_trigger t "
            "WHERE t.tgrelid = ANY(%s::oid[]) AND NOT t.tgisinternal ORDER BY t.tgname",
            [oids],
        )
        triggers = [row[0] for row in cur.fetchall()]
        cur.execute(
            "SELECT c.relname, a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
            "WHERE a.attrelid = ANY(%s::oid[]) AND a.attnum > 0 "
            "AND a.attidentity IN ('a', 'd') AND NOT a.attisdropped",
            [oids],
        )
        identities = cur.fetchall()

        cur.execute(f"CREATE SCHEMA {_q(target)}")
        for table in tables:
            cur.execute(
                f"CREATE TABLE {_q(target)}.{_q(table)} "
                f"(LIKE {_q(source)}.{_q(table)} INCLUDING ALL)"
            )
            cur.execute(
                f"INSERT INTO {_q(target)}.{_q(table)} SELECT * FROM {_q(source)}.{_q(table)}"  # noqa: S608 - quoted identifiers
            )
        cur.execute(f"SET LOCAL search_path TO {_q(target)}, public")
        for table, name, definition in foreign_keys:
            cur.execute(f"ALTER TABLE {_q(table)} ADD CONSTRAINT {_q(name)} {definition}")
        for definition in triggers:
            cur.execute(definition)
        for table, column in identities:
            # Identity sequences are new: start them after the copied rows.
            max_of = f"SELECT MAX({_q(column)}) FROM {_q(table)}"  # noqa: S608 - quoted names
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, %s), "
                f"COALESCE(({max_of}), 0) + 1, false)",
                [f"{_q(target)}.{_q(table)}", column],
            )
        cur.execute("SET LOCAL search_path TO public")


def template_schema() -> str:
    return settings.TENANT_BASE_SCHEMA
