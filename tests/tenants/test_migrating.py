"""Issue 17 (a thousand structures): `migrate` visits only the structure schemas that miss a
migration; which ones is read from their django_migrations tables (docs/adr/0022)."""

from __future__ import annotations

from django.db import connection

from tenants import migrating


def _forget(schema: str, app: str, name: str) -> None:
    with connection.cursor() as cur:
        cur.execute(
            f'DELETE FROM "{schema}".django_migrations WHERE app = %s AND name = %s',  # noqa: S608
            [app, name],
        )


def test_up_to_date_schemas_are_skipped_and_a_missing_migration_is_seen(make_structure):
    """Issue 17: a structure cloned from the template has every migration on disk recorded;
    one row missing (a migration not applied there), or no django_migrations table at all
    (a schema never migrated), and that schema is behind; the order given is kept."""
    a, _ = make_structure(slug="migra")
    b, _ = make_structure(slug="migrb")
    c, _ = make_structure(slug="migrc")
    schemas = [c.schema_name, a.schema_name, b.schema_name]
    nodes, _replaces = migrating.migrations_on_disk()
    assert ("tenants", "0006_structure_name_index") in nodes
    assert ("customers", "0002_card_search") in nodes
    assert migrating.schemas_behind(schemas) == []

    _forget(b.schema_name, "customers", "0002_card_search")
    _forget(c.schema_name, "tenants", "0006_structure_name_index")
    with connection.cursor() as cur:
        cur.execute("CREATE SCHEMA s_migrvide")
    assert migrating.schemas_behind([*schemas, "s_migrvide"]) == [
        c.schema_name,
        b.schema_name,
        "s_migrvide",
    ]
    applied = migrating.applied_by_schema([a.schema_name, "s_migrvide"])
    assert applied["s_migrvide"] == set()
    assert applied[a.schema_name] >= nodes


def test_a_squashed_migration_counts_once_all_it_replaces_are_recorded(make_structure, monkeypatch):
    """Issue 17: a squashed migration is applied where the migrations it replaces all are
    (Django's rule), behind where one of them is missing."""
    a, _ = make_structure(slug="squasha")
    b, _ = make_structure(slug="squashb")
    nodes, replaces = migrating.migrations_on_disk()
    squashed = ("customers", "0001_squashed_0002_card_search")
    replaced = [("customers", "0001_initial"), ("customers", "0002_card_search")]
    monkeypatch.setattr(
        migrating,
        "migrations_on_disk",
        lambda: ((nodes - set(replaced)) | {squashed}, {**replaces, squashed: replaced}),
    )
    assert migrating.schemas_behind([a.schema_name, b.schema_name]) == []
    _forget(b.schema_name, *replaced[1])
    assert migrating.schemas_behind([a.schema_name, b.schema_name]) == [b.schema_name]
