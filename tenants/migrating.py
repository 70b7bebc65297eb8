"""Which structure schemas a `migrate` has to visit (docs/adr/0022-migrating-many-structures.md).

django-tenants' migrate runs Django's whole `migrate` command in every schema, one after the
other, even when a schema has nothing to apply: loading the migration graph, rendering the
project state and checking it costs about a second a schema, so twenty minutes for a
thousand structures with nothing to do. Here the `django_migrations` table of every schema
is read in a few SQL queries and compared with the migrations on disk; only the schemas
missing one are handed to the migration executor. A schema is migrated one migration per
transaction (PostgreSQL's transactional DDL), each migration recorded in the same
transaction, so an interrupted run resumes where it stopped: the schemas already done are
up to date and skipped, none is migrated twice.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.db.migrations.loader import MigrationLoader

from tenants.cloning import _check, _q

# Schemas read per query (a UNION ALL of their django_migrations tables).
CHECK_BATCH = 200


def migrations_on_disk() -> tuple[set[tuple[str, str]], dict[tuple[str, str], list]]:
    """The migrations every schema must have recorded: the nodes of the migration graph (a
    squashed migration counts as applied when all the migrations it replaces are), and the
    replaced migrations of each squashed one."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    nodes = set(loader.graph.nodes)
    replaces = {
        key: list(loader.disk_migrations[key].replaces)
        for key in nodes
        if key in loader.disk_migrations and loader.disk_migrations[key].replaces
    }
    return nodes, replaces


def _schemas_with_table(schemas: list[str]) -> set[str]:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relname = 'django_migrations' AND c.relkind = 'r' "
            "AND n.nspname = ANY(%s)",
            [schemas],
        )
        return {row[0] for row in cur.fetchall()}


def applied_by_schema(schemas: Iterable[str]) -> dict[str, set[tuple[str, str]]]:
    """Each schema's recorded migrations (an empty set when it has no django_migrations)."""
    wanted = list(dict.fromkeys(schemas))
    for name in wanted:
        _check(name)
    applied: dict[str, set[tuple[str, str]]] = {name: set() for name in wanted}
    with_table = _schemas_with_table(wanted)
    present = [name for name in wanted if name in with_table]
    for start in range(0, len(present), CHECK_BATCH):
        batch = present[start : start + CHECK_BATCH]
        sql = " UNION ALL ".join(
            f"SELECT %s, app, name FROM {_q(name)}.django_migrations"  # noqa: S608 - checked names
            for name in batch
        )
        with connection.cursor() as cur:
            cur.execute(sql, batch)
            for schema, app, name in cur.fetchall():
                applied[schema].add((app, name))
    return applied


def schemas_behind(schemas: Iterable[str]) -> list[str]:
    """The schemas (in the given order) missing at least one migration on disk."""
    nodes, replaces = migrations_on_disk()
    behind = []
    for schema, done in applied_by_schema(schemas).items():
        missing = nodes - done
        missing = {key for key in missing if not (key in replaces and set(replaces[key]) <= done)}
        if missing:
            behind.append(schema)
    return behind
