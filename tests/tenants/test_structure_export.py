"""Backup and move of one structure (issue 17 §4, docs/adr/0023): `structure_export` writes the
schema (pg_dump), the files and a manifest; `structure_import` restores them under another slug
or over the same one, and the restored ledger still verifies. The refusals leave nothing behind.

pg_dump and psql read what is committed: these tests commit (transactional_db) and drop the
schemas they made at the end."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django_tenants.utils import schema_context

from ponton import selling
from ponton.accounts.models import CustomerLink, Membership, User
from ponton.billing.models import Document
from ponton.billing.services import PaymentData
from ponton.catalogue.services.photos import photo_add
from ponton.customers.models import Customer
from ponton.customers.services import customer_create
from ponton.ledger import keys, services
from ponton.ledger.models import LedgerEntry
from ponton.sales.services import LineRequest
from tenants.models import (
    Domain,
    LedgerAnchor,
    ModuleSubscription,
    Structure,
    StructureContact,
    StructureImage,
)
from tests.support.files import forget_media_root, png_upload
from tests.support.sales import STAFF, make_shop

pytestmark = pytest.mark.django_db(transaction=True)


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def schemas_like(pattern: str) -> list[str]:
    with connection.cursor() as cur:
        cur.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE %s", [pattern])
        return [row[0] for row in cur.fetchall()]


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    forget_media_root()
    yield Path(settings.MEDIA_ROOT)
    forget_media_root()


@pytest.fixture
def club(make_structure, make_member, media):
    """A structure with a customer, a product photo, a sale invoiced and paid, an anchor."""
    structure, _owner = make_structure(name="Club export", modules=["forum"])
    make_member(structure, email=f"moniteur@{structure.slug}.test")
    made = [structure.schema_name]
    with schema_context(structure.schema_name):
        shop = make_shop()
        photo_add(product=shop.activity, upload=png_upload("voile.png"))
        selling.sale_complete(
            structure=structure,
            payer=shop.payer,
            lines=[
                LineRequest(
                    product=shop.activity,
                    session=shop.session,
                    rate=shop.adult,
                    consumer=shop.payer,
                )
            ],
            payments=[PaymentData(kind="payment", method="cash", amount=Decimal("180.00"))],
            actor=STAFF,
        )
        services.ledger_anchor(reason=LedgerAnchor.Reason.MANUAL)
        claire = User.objects.create_user(
            email=f"claire@{structure.slug}.test", first_name="Claire", last_name="Le Goff"
        )
        Customer.objects.filter(pk=shop.payer.pk).update(account_id=claire.pk)
        CustomerLink.objects.create(user=claire, structure=structure, customer_id=shop.payer.pk)
    StructureContact.objects.create(
        structure=structure, role="director", first_name="Anne", last_name="Kerbrat", email="a@k.fr"
    )
    StructureImage.objects.create(structure=structure, image="structures/images/ponton.png")
    yield structure, made
    connection.set_schema_to_public()
    with connection.cursor() as cur:
        for name in made + schemas_like("import_%"):
            cur.execute(f"DROP SCHEMA IF EXISTS {_q(name)} CASCADE")


def export(structure, tmp_path) -> Path:
    path = tmp_path / f"{structure.slug}.tar.gz"
    out = io.StringIO()
    call_command("structure_export", structure.slug, output=str(path), stdout=out)
    assert f"archive {path}" in out.getvalue()
    return path


def rows_of(schema: str, cursor=None) -> dict[str, list[str]]:
    """Every row of every table of `schema`, as JSON text, sorted (the entries' signatures
    apart: the import signs them again under the new schema's key); `cursor`: another
    database's (psycopg), else the test database's."""
    with cursor if cursor is not None else connection.cursor() as cur:
        cur.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind IN ('r', 'p') ORDER BY c.relname",
            [schema],
        )
        tables = [row[0] for row in cur.fetchall()]
        found = {}
        for table in tables:
            cur.execute(
                f"SELECT (to_jsonb(t) - 'signature')::text FROM {_q(schema)}.{_q(table)} t"  # noqa: S608
            )
            found[table] = sorted(row[0] for row in cur.fetchall())
    return found


def rewrite(archive: Path, target: Path, *, sql=None, manifest=None, digests: bool) -> None:
    """A copy of `archive` with schema.sql and/or the manifest changed; with `digests`, the
    manifest's digests are made to match again (as a careful forger would)."""
    with tarfile.open(archive, "r:gz") as tar:
        files = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}
    body = json.loads(files["manifest.json"])
    if sql is not None:
        files["schema.sql"] = sql(files["schema.sql"].decode()).encode()
    if manifest is not None:
        manifest(body)
    if digests:
        for name, data in files.items():
            if name != "manifest.json":
                body["files"][name] = {
                    "sha256": hashlib.sha256(data).hexdigest(),
                    "size": len(data),
                }
    files["manifest.json"] = json.dumps(body).encode()
    with tarfile.open(target, "w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def test_round_trip_under_a_new_slug(club, tmp_path, media):
    """Issue 17 §4: a structure exported and imported under a new slug has the same rows in
    every table, its photo, its public rows (domain, modules, staff), a new sequence value that
    does not collide, and a ledger that `verify_ledger` passes under its new key, with the move
    anchored."""
    structure, made = club
    path = export(structure, tmp_path)
    with tarfile.open(path, "r:gz") as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())
    assert manifest["schema_name"] == structure.schema_name
    assert manifest["versions"]["postgresql"].startswith("15")
    assert ["ledger", "0004_till_kinds"] in manifest["migrations"]
    photos = [name for name in manifest["files"] if name.startswith("media/products/photos/")]
    assert len(photos) == 1

    # As on another database: Claire's account is not there; the import makes it again (by
    # email) and the customer row names the new account.
    claire_email = f"claire@{structure.slug}.test"
    User.objects.filter(email=claire_email).delete()
    new_slug = structure.slug + "b"
    made.append("s_" + new_slug)
    out = io.StringIO()
    call_command("structure_import", str(path), slug=new_slug, stdout=out)
    assert f"{new_slug} : structure créée" in out.getvalue()
    moved = Structure.objects.get(slug=new_slug)

    claire = User.objects.get(email=claire_email)
    link = CustomerLink.objects.get(user=claire)
    assert link.structure == moved
    with schema_context(moved.schema_name):
        assert Customer.objects.get(pk=link.customer_id).account_id == claire.pk
        Customer.objects.filter(pk=link.customer_id).update(account_id=None)
    with schema_context(structure.schema_name):
        Customer.objects.filter(pk=link.customer_id).update(account_id=None)
    assert rows_of(moved.schema_name) == rows_of(structure.schema_name)
    assert moved.name == "Club export" and moved.pk != structure.pk
    assert moved.created_at == structure.created_at
    assert Domain.objects.get(tenant=moved).domain.startswith(new_slug + ".")
    assert set(
        ModuleSubscription.objects.filter(structure=moved).values_list("module", "enabled")
    ) == set(
        ModuleSubscription.objects.filter(structure=structure).values_list("module", "enabled")
    )
    assert set(
        Membership.objects.filter(structure=moved).values_list("user__email", "role")
    ) == set(Membership.objects.filter(structure=structure).values_list("user__email", "role"))
    assert list(StructureContact.objects.filter(structure=moved).values_list("role", "email")) == [
        ("director", "a@k.fr")
    ]
    assert StructureImage.objects.get(structure=moved).image.name == "structures/images/ponton.png"
    photo = photos[0].removeprefix("media/")
    assert (media / moved.schema_name / photo).read_bytes() == (
        media / structure.schema_name / photo
    ).read_bytes()

    with schema_context(moved.schema_name):
        assert Document.objects.filter(kind=Document.Kind.INVOICE).count() == 1
        assert Customer.objects.count() == 2
        customer_create(first_name="Nouvelle", last_name="Cliente")
        entry = LedgerEntry.objects.order_by("position").first()
        assert keys.signature_ok(
            schema_name=moved.schema_name, message=entry.hash, signature=entry.signature
        )
        assert not keys.signature_ok(
            schema_name=structure.schema_name, message=entry.hash, signature=entry.signature
        )
    reasons = list(LedgerAnchor.objects.filter(structure=moved).values_list("reason", flat=True))
    assert reasons == ["manual", "move"]
    out = io.StringIO()
    call_command("verify_ledger", structure=new_slug, stdout=out)
    assert "chaîne intègre" in out.getvalue()
    assert schemas_like("import_%") == []


def test_moved_to_another_database(club, tmp_path, media):
    """Issue 17 §4: the archive restored on another database (made and migrated by the same
    `migrate` as any deployment's, the import and the ledger check run there as an operator
    would, by `manage.py`): same slug, every table's rows the same, its photo, and
    `verify_ledger` passes there."""
    import subprocess
    import sys

    import psycopg

    from tests.support.servers import ROOT, database_env

    structure, _made = club
    path = export(structure, tmp_path)
    other = f"{connection.settings_dict['NAME']}_other"
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{other}"
    with connection.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {_q(other)}")
        cur.execute(f"CREATE DATABASE {_q(other)}")
    env = {
        **database_env(PONTON_MEDIA_ROOT=str(tmp_path / "other-media")),
        "DATABASE_URL": url,
    }

    def manage(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    try:
        manage("migrate", "--noinput", "-v", "0")
        assert f"{structure.slug} : structure créée" in manage("structure_import", str(path))
        assert "chaîne intègre" in manage("verify_ledger", "--structure", structure.slug)
        with psycopg.connect(url, autocommit=True) as there:
            # The customer's account is another database's user row (made again by email):
            # the link is compared by email, the rows without the account id.
            email = there.execute(
                f"SELECT u.email FROM {_q(structure.schema_name)}.customers_customer c "  # noqa: S608
                "JOIN public.accounts_user u ON u.id = c.account_id"
            ).fetchall()
            assert email == [(f"claire@{structure.slug}.test",)]
            there.execute(
                f"UPDATE {_q(structure.schema_name)}.customers_customer SET account_id = NULL"  # noqa: S608
            )
            moved = rows_of(structure.schema_name, there.cursor())
        with schema_context(structure.schema_name):
            Customer.objects.update(account_id=None)
        assert moved == rows_of(structure.schema_name)
        photo = next((media / structure.schema_name).rglob("*.png")).relative_to(media)
        assert (tmp_path / "other-media" / photo).read_bytes() == (media / photo).read_bytes()
    finally:
        with connection.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS {_q(other)} WITH (FORCE)")


def _latest_tenants_migration() -> list[str]:
    from django.db.migrations.loader import MigrationLoader

    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    return next(["tenants", name] for app, name in graph.leaf_nodes() if app == "tenants")


def test_replace_restores_the_archived_state(club, tmp_path, media):
    """Issue 17 §4: `--replace` puts the archive back over the structure of the same slug (a
    customer deleted after the backup is there again), in the same schema, ledger intact, its
    anchors not copied twice (one more: the move). The archive here is from an older migration
    state: its schema is migrated before it goes live."""
    structure, _made = club
    last = _latest_tenants_migration()
    exported = export(structure, tmp_path)
    before = rows_of(structure.schema_name)
    before.pop("django_migrations")
    path = tmp_path / "older.tar.gz"
    rewrite(
        exported,
        path,
        sql=lambda sql: "".join(
            line for line in sql.splitlines(keepends=True) if "\t".join(last) + "\t" not in line
        ),
        manifest=lambda m: m["migrations"].remove(last),
        digests=True,
    )
    with schema_context(structure.schema_name):
        Customer.objects.filter(first_name="Louis").delete()
    (media / structure.schema_name / "stray.txt").write_text("après la sauvegarde")
    anchors = LedgerAnchor.objects.filter(structure=structure)
    before_anchors = list(anchors.values_list("reason", flat=True))
    out = io.StringIO()
    call_command("structure_import", str(path), replace=True, stdout=out)
    assert f"{structure.slug} : structure remplacée" in out.getvalue()
    assert "schéma migré" in out.getvalue()
    assert list(anchors.values_list("reason", flat=True)) == [*before_anchors, "move"]
    assert Structure.objects.filter(slug=structure.slug).count() == 1
    after = rows_of(structure.schema_name)
    assert any(f'"name": "{last[1]}"' in row for row in after.pop("django_migrations"))
    assert after == before
    assert not (media / structure.schema_name / "stray.txt").exists()
    out = io.StringIO()
    call_command("verify_ledger", structure=structure.slug, stdout=out)
    assert "chaîne intègre" in out.getvalue()


def test_refusals_leave_nothing_behind(club, tmp_path):
    """Issue 17 §4: refused in French, with nothing restored: an existing slug without
    --replace, an archive whose digests do not match, one from a newer migration state, and one
    whose ledger was rewritten (digests made to match: the ledger's signatures refuse it), and
    one whose dump fails half-way (restored in one transaction: no table of it is left)."""
    structure, _made = club
    path = export(structure, tmp_path)
    count = Structure.objects.count()

    with pytest.raises(CommandError, match="existe déjà : ajoutez --replace"):
        call_command("structure_import", str(path), stdout=io.StringIO())

    def richer(sql: str) -> str:
        return sql.replace("Claire", "Clara", 1)

    altered = tmp_path / "altered.tar.gz"
    rewrite(path, altered, sql=richer, digests=False)
    with pytest.raises(CommandError, match="Archive altérée : l'empreinte de « schema.sql »"):
        call_command("structure_import", str(altered), slug="autreclub", stdout=io.StringIO())

    newer = tmp_path / "newer.tar.gz"
    rewrite(
        path,
        newer,
        manifest=lambda m: m["migrations"].append(["ledger", "0099_future"]),
        digests=True,
    )
    with pytest.raises(CommandError, match="version plus récente de Ponton.*ledger.0099_future"):
        call_command("structure_import", str(newer), slug="autreclub", stdout=io.StringIO())

    def forged(sql: str) -> str:
        """The invoice's entry says 18.00 instead of 180.00 (hash and chain left as they were:
        the import finds the content does not match its hash)."""
        head, _sep, rest = sql.partition("COPY ")
        start = rest.index("ledger_ledgerentry")
        block_end = rest.index("\\.", start)
        block = rest[start:block_end].replace("180.00", "18.00")
        return head + "COPY " + rest[:start] + block + rest[block_end:]

    rewritten = tmp_path / "rewritten.tar.gz"
    rewrite(path, rewritten, sql=forged, digests=True)
    with pytest.raises(CommandError, match="journal inaltérable de l'archive ne se vérifie pas"):
        call_command("structure_import", str(rewritten), slug="autreclub", stdout=io.StringIO())

    broken = tmp_path / "broken.tar.gz"
    rewrite(path, broken, sql=lambda sql: sql + "\nSELECT une_fonction_absente();\n", digests=True)
    with pytest.raises(CommandError, match="La restauration du schéma a échoué : .*une_fonction"):
        call_command("structure_import", str(broken), slug="autreclub", stdout=io.StringIO())

    assert Structure.objects.count() == count
    assert not Structure.objects.filter(slug="autreclub").exists()
    assert schemas_like("import_%") == [] and schemas_like("s_autreclub") == []
