"""Back up one structure and restore it elsewhere (manage.py structure_export / structure_import,
docs/adr/0023).

An archive is a `.tar.gz` holding:
- `schema.sql`: `pg_dump` of the structure's schema (plain SQL, no owner, no privileges), made
  with the `pg_dump` whose major version matches the server's;
- `media/...`: every file under MEDIA_ROOT/<schema>/ (public assets and private files alike);
- `manifest.json`: format, versions (Ponton, Django, PostgreSQL, pg_dump), the schema's migration
  state, the public-schema rows the structure needs (its row, domains, module switches, staff
  memberships by email, ledger anchors) and the SHA-256 and size of every other file.

The import checks every digest and the migration state before touching the database, restores
the dump into a temporary schema (`psql --single-transaction`), checks the restored ledger under
the key of the schema it comes from, and then, in one transaction, renames the temporary schema,
signs the ledger again under the new schema's key and writes the public rows. Files are unpacked
beside MEDIA_ROOT first and moved into place after the commit. On any failure the temporary
schema and files are removed: nothing is half-restored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import re
import secrets
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import IO, Any

import django
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from ponton.accounts.models import Membership
from ponton.accounts.services import user_get_or_create
from ponton.ledger.moves import ledger_adopt_anchors, ledger_resign
from ponton.ledger.selectors import ledger_verify_moved
from tenants import cloning
from tenants.models import Domain, LedgerAnchor, ModuleSubscription, Structure
from tenants.services import schema_name_for, slug_is_valid

FORMAT = "ponton-structure/1"
MANIFEST = "manifest.json"
SCHEMA_SQL = "schema.sql"
MEDIA = "media/"
CHUNK = 1 << 20
# Structure fields that name the row rather than describe the structure: not carried over.
NOT_COPIED = {"id", "schema_name", "slug"}
ANCHOR_FIELDS = ("position", "hash", "sales_total", "payments_total", "anchored_at", "reason")


class _Encoder(DjangoJSONEncoder):
    """DjangoJSONEncoder keeping microseconds (it cuts times to milliseconds): an anchor's
    signature covers its exact time."""

    def default(self, o: Any) -> Any:
        if isinstance(o, dt.datetime):
            return o.isoformat()
        return super().default(o)


class BackupError(Exception):
    """A refused export or import, with a French message."""


@dataclass(frozen=True)
class ImportResult:
    structure: Structure
    replaced: bool
    ledger_entries: int
    files: int
    migrated: bool


# --- PostgreSQL client programs --------------------------------------------------------------


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def server_major() -> int:
    with connection.cursor() as cur:
        cur.execute("SHOW server_version_num")
        return int(cur.fetchone()[0]) // 10_000


def _candidate_dirs() -> list[Path]:
    dirs = []
    if os.environ.get("PG_BIN_DIR"):
        dirs.append(Path(os.environ["PG_BIN_DIR"]))
    found = shutil.which("pg_dump")
    if found:
        dirs.append(Path(found).resolve().parent)
    dirs.extend(sorted(Path("/usr/lib/postgresql").glob("*/bin")))
    try:
        from pgserver._commands import POSTGRES_BIN_PATH  # the embedded default's server

        dirs.append(Path(POSTGRES_BIN_PATH))
    except ImportError:
        pass
    return dirs


def _major_of(program: Path) -> int | None:
    try:
        out = subprocess.run(  # noqa: S603 - a fixed program path, no shell
            [str(program), "--version"], capture_output=True, text=True, timeout=10, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    found = re.search(r"(\d+)(?:\.\d+)?", out)
    return int(found.group(1)) if found else None


def pg_program(name: str, *, major: int) -> Path:
    """`pg_dump` or `psql` of the server's major version (PG_BIN_DIR, PATH,
    /usr/lib/postgresql/*/bin, pgserver's bundled binaries); failing that, the oldest newer one
    (pg_dump reads older servers). A French error when none fits."""
    newer: list[tuple[int, Path]] = []
    seen: set[Path] = set()
    for folder in _candidate_dirs():
        program = folder / name
        if program in seen or not program.is_file():
            continue
        seen.add(program)
        found = _major_of(program)
        if found == major:
            return program
        if found is not None and found > major:
            newer.append((found, program))
    if newer:
        return min(newer)[1]
    raise BackupError(
        _(
            "Programme « %(name)s » de PostgreSQL %(major)s introuvable : installez le client "
            "PostgreSQL %(major)s (paquet postgresql-client-%(major)s) ou indiquez son dossier "
            "dans la variable d'environnement PG_BIN_DIR."
        )
        % {"name": name, "major": major}
    )


def _pg_env() -> dict[str, str]:
    db = connection.settings_dict
    env = dict(os.environ)
    for key, value in (
        ("PGHOST", db.get("HOST")),
        ("PGPORT", db.get("PORT")),
        ("PGUSER", db.get("USER")),
        ("PGPASSWORD", db.get("PASSWORD")),
        ("PGDATABASE", db.get("NAME")),
    ):
        if value:
            env[key] = str(value)
    return env


# --- Export ----------------------------------------------------------------------------------


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _migrations_of(schema: str) -> list[list[str]]:
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT app, name FROM {_q(schema)}.django_migrations ORDER BY app, name"  # noqa: S608
        )
        return [list(row) for row in cur.fetchall()]


def _structure_fields(structure: Structure) -> dict[str, Any]:
    values = {}
    for field in Structure._meta.concrete_fields:
        if field.attname in NOT_COPIED:
            continue
        value = field.value_from_object(structure)
        values[field.attname] = value.name if isinstance(value, FieldFile) else value
    return values


def _public_rows(structure: Structure) -> dict[str, Any]:
    return {
        "structure": _structure_fields(structure),
        "domains": [
            {"domain": d.domain, "is_primary": d.is_primary}
            for d in Domain.objects.filter(tenant=structure).order_by("-is_primary", "domain")
        ],
        "modules": [
            {
                "module": s.module,
                "enabled": s.enabled,
                "paid_status": s.paid_status,
                "requested_at": s.requested_at,
                "granted_at": s.granted_at,
            }
            for s in ModuleSubscription.objects.filter(structure=structure).order_by("module")
        ],
        "memberships": [
            {
                "email": m.user.email,
                "first_name": m.user.first_name,
                "last_name": m.user.last_name,
                "role": m.role,
                "is_active": m.is_active,
            }
            for m in Membership.objects.filter(structure=structure)
            .select_related("user")
            .order_by("user__email")
        ],
        "ledger_anchors": [
            {**{name: getattr(a, name) for name in ANCHOR_FIELDS}, "signature": a.signature}
            for a in LedgerAnchor.objects.filter(structure=structure).order_by("position", "id")
        ],
    }


def _versions(pg_dump: Path) -> dict[str, str]:
    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        server = cur.fetchone()[0]
    dump_version = subprocess.run(  # noqa: S603 - a fixed program path, no shell
        [str(pg_dump), "--version"], capture_output=True, text=True, timeout=10, check=True
    ).stdout.strip()
    try:
        ponton = metadata.version("ponton")
    except metadata.PackageNotFoundError:
        ponton = "0"
    return {
        "ponton": ponton,
        "django": django.get_version(),
        "postgresql": server,
        "pg_dump": dump_version,
    }


def structure_export(*, slug: str, output: Path) -> dict[str, Any]:
    """Write the archive of structure `slug` to `output`; return its manifest."""
    structure = Structure.objects.filter(slug=slug).exclude(schema_name="public").first()
    if structure is None:
        raise BackupError(_("Structure inconnue : %(slug)s") % {"slug": slug})
    schema = structure.schema_name
    pg_dump = pg_program("pg_dump", major=server_major())
    with tempfile.TemporaryDirectory(prefix="ponton-export-") as work:
        dump = Path(work) / SCHEMA_SQL
        result = subprocess.run(  # noqa: S603 - fixed program path and arguments, no shell
            [
                str(pg_dump),
                "--format=plain",
                "--no-owner",
                "--no-privileges",
                f"--schema={schema}",
                f"--file={dump}",
            ],
            env=_pg_env(),
            capture_output=True,
            text=True,
            timeout=3600,
        )
        if result.returncode != 0:
            raise BackupError(
                _("pg_dump a échoué : %(error)s") % {"error": result.stderr.strip()[-2000:]}
            )
        media_root = Path(settings.MEDIA_ROOT) / schema
        media_files = (
            sorted(p for p in media_root.rglob("*") if p.is_file()) if media_root.is_dir() else []
        )
        files = {SCHEMA_SQL: {"sha256": _sha256_file(dump), "size": dump.stat().st_size}}
        for path in media_files:
            files[MEDIA + path.relative_to(media_root).as_posix()] = {
                "sha256": _sha256_file(path),
                "size": path.stat().st_size,
            }
        manifest = {
            "format": FORMAT,
            "created_at": timezone.now(),
            "slug": structure.slug,
            "schema_name": schema,
            "structure_id": structure.pk,
            "versions": _versions(pg_dump),
            "migrations": _migrations_of(schema),
            **_public_rows(structure),
            "files": files,
        }
        body = json.dumps(manifest, cls=_Encoder, indent=2, ensure_ascii=False).encode()
        output.parent.mkdir(parents=True, exist_ok=True)
        partial = output.with_name(output.name + ".partial")
        with tarfile.open(partial, "w:gz") as archive:
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime = len(body), int(timezone.now().timestamp())
            archive.addfile(info, io.BytesIO(body))
            archive.add(dump, arcname=SCHEMA_SQL)
            for path in media_files:
                archive.add(path, arcname=MEDIA + path.relative_to(media_root).as_posix())
        partial.replace(output)
    return json.loads(body)


# --- Import ----------------------------------------------------------------------------------


def _read_manifest(archive: tarfile.TarFile) -> dict[str, Any]:
    try:
        member = archive.getmember(MANIFEST)
        handle = archive.extractfile(member)
        manifest = json.loads(handle.read()) if handle else None
    except (KeyError, ValueError) as exc:
        raise BackupError(_("Ce fichier n'est pas une archive de structure Ponton.")) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(_("Ce fichier n'est pas une archive de structure Ponton."))
    return manifest


def _check_digests(archive: tarfile.TarFile, manifest: dict[str, Any]) -> None:
    """Every file of the manifest is there with its size and SHA-256, and nothing else."""
    expected: dict[str, dict[str, Any]] = manifest.get("files") or {}
    seen = set()
    for member in archive.getmembers():
        if member.name == MANIFEST:
            continue
        name = member.name
        if not member.isfile() or name not in expected or ".." in name.split("/"):
            raise BackupError(
                _("Archive altérée : le fichier « %(name)s » n'est pas dans le manifeste.")
                % {"name": name}
            )
        digest = hashlib.sha256()
        handle = archive.extractfile(member)
        assert handle is not None  # noqa: S101 - a regular file
        while block := handle.read(CHUNK):
            digest.update(block)
        if digest.hexdigest() != expected[name]["sha256"] or member.size != expected[name]["size"]:
            raise BackupError(
                _("Archive altérée : l'empreinte de « %(name)s » ne correspond pas au manifeste.")
                % {"name": name}
            )
        seen.add(name)
    missing = sorted(set(expected) - seen)
    if missing:
        raise BackupError(_("Archive incomplète : « %(name)s » manque.") % {"name": missing[0]})


def _migration_gap(manifest: dict[str, Any]) -> bool:
    """Refuse an archive from a newer migration state; True when it is older (the restored
    schema is then migrated before it goes live)."""
    archived = {tuple(pair) for pair in manifest.get("migrations") or []}
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    unknown = sorted(archived - known)
    if unknown:
        raise BackupError(
            _(
                "Cette archive vient d'une version plus récente de Ponton : migrations inconnues "
                "ici (%(names)s). Mettez Ponton à jour avant de l'importer."
            )
            % {"names": ", ".join(f"{app}.{name}" for app, name in unknown[:5])}
        )
    return bool(_tenant_migrations() - archived)


def _tenant_migrations() -> set[tuple[str, ...]]:
    return {tuple(pair) for pair in _migrations_of(settings.TENANT_BASE_SCHEMA)}


def _rewrite_schema(sql: str, source: str, target: str) -> str:
    """The dump with its schema renamed: in every statement, never inside COPY data."""
    pattern = re.compile(rf"(?<![A-Za-z0-9_$]){re.escape(source)}(?![A-Za-z0-9_$])")
    out, in_copy = [], False
    for line in sql.splitlines(keepends=True):
        if in_copy:
            out.append(line)
            if line.rstrip("\n") == "\\.":
                in_copy = False
            continue
        if line.startswith("COPY ") and line.rstrip().endswith("FROM stdin;"):
            in_copy = True
        out.append(line if line.startswith("--") else pattern.sub(target, line))
    return "".join(out)


def _restore(sql: str, *, psql: Path) -> None:
    result = subprocess.run(  # noqa: S603 - fixed program path and arguments, no shell
        [str(psql), "--no-psqlrc", "--quiet", "--single-transaction", "-v", "ON_ERROR_STOP=1"],
        input=sql,
        env=_pg_env(),
        capture_output=True,
        text=True,
        timeout=3600,
    )
    if result.returncode != 0:
        raise BackupError(
            _("La restauration du schéma a échoué : %(error)s")
            % {"error": result.stderr.strip()[-2000:]}
        )


def _drop_schema(name: str) -> None:
    with connection.cursor() as cur:
        cur.execute(f"DROP SCHEMA IF EXISTS {_q(name)} CASCADE")


def _migrate(schema: str) -> None:
    from django.db.migrations.executor import MigrationExecutor

    with schema_context(schema):
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


def _unsaved_anchors(manifest: dict[str, Any]) -> list[LedgerAnchor]:
    anchors = []
    for row in manifest.get("ledger_anchors") or []:
        anchor = LedgerAnchor(structure_id=manifest["structure_id"], signature=row["signature"])
        for name in ANCHOR_FIELDS:
            setattr(anchor, name, row[name])
        anchor.anchored_at = parse_datetime(row["anchored_at"])
        anchors.append(anchor)
    for anchor in anchors:
        anchor.sales_total = LedgerAnchor._meta.get_field("sales_total").to_python(
            anchor.sales_total
        )
        anchor.payments_total = LedgerAnchor._meta.get_field("payments_total").to_python(
            anchor.payments_total
        )
    return anchors


def _structure_values(manifest: dict[str, Any]) -> dict[str, Any]:
    values = {}
    for field in Structure._meta.concrete_fields:
        if field.attname in NOT_COPIED or field.attname not in manifest["structure"]:
            continue
        raw = manifest["structure"][field.attname]
        values[field.attname] = None if raw is None else field.to_python(raw)
    return values


def _write_public_rows(
    manifest: dict[str, Any], *, slug: str, schema: str, existing: Structure | None
) -> Structure:
    values = _structure_values(manifest)
    if existing is None:
        structure = Structure(slug=slug, schema_name=schema, **values)
        structure.save()
    else:
        structure = existing
        for name, value in values.items():
            setattr(structure, name, value)
        structure.save()
        ModuleSubscription.objects.filter(structure=structure).delete()
    platform_domain = f"{slug}.{settings.PLATFORM_DOMAIN}"
    if not Domain.objects.filter(tenant=structure, domain=platform_domain).exists():
        Domain.objects.filter(tenant=structure).update(is_primary=False)
        Domain.objects.create(domain=platform_domain, tenant=structure, is_primary=True)
    same_slug = slug == manifest["slug"]
    for row in manifest["domains"]:
        custom = not row["domain"].endswith("." + settings.PLATFORM_DOMAIN)
        if custom and same_slug and not Domain.objects.filter(domain=row["domain"]).exists():
            Domain.objects.create(domain=row["domain"], tenant=structure, is_primary=False)
    ModuleSubscription.objects.bulk_create(
        [
            ModuleSubscription(
                structure=structure,
                module=row["module"],
                enabled=row["enabled"],
                paid_status=row["paid_status"],
                requested_at=parse_datetime(row["requested_at"]) if row["requested_at"] else None,
                granted_at=parse_datetime(row["granted_at"]) if row["granted_at"] else None,
            )
            for row in manifest["modules"]
        ]
    )
    for row in manifest["memberships"]:
        user = user_get_or_create(
            email=row["email"], first_name=row["first_name"], last_name=row["last_name"]
        )
        Membership.objects.get_or_create(
            user=user,
            structure=structure,
            defaults={"role": row["role"], "is_active": row["is_active"]},
        )
    return structure


def structure_import(
    *, archive_path: Path, slug: str | None = None, replace: bool = False
) -> ImportResult:
    """Restore the archive at `archive_path` as structure `slug` (the archive's by default).
    Refuses a slug already taken unless `replace`, an altered archive and one from a newer
    migration state; leaves nothing behind when it fails."""
    try:
        archive = tarfile.open(archive_path, "r:gz")
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(_("Ce fichier n'est pas une archive de structure Ponton.")) from exc
    with archive:
        manifest = _read_manifest(archive)
        _check_digests(archive, manifest)
        older = _migration_gap(manifest)
        slug = slug or manifest["slug"]
        if not slug_is_valid(slug):
            raise BackupError(_("Cet identifiant n'est pas utilisable : %(slug)s") % {"slug": slug})
        existing = Structure.objects.filter(slug=slug).first()
        if existing is not None and not replace:
            raise BackupError(
                _(
                    "La structure « %(slug)s » existe déjà : ajoutez --replace pour la remplacer "
                    "par l'archive, ou --slug pour l'importer sous un autre identifiant."
                )
                % {"slug": slug}
            )
        schema = existing.schema_name if existing is not None else schema_name_for(slug)
        if existing is None and cloning.schema_exists(schema):
            raise BackupError(
                _("Le schéma « %(schema)s » existe déjà dans cette base.") % {"schema": schema}
            )
        psql = pg_program("psql", major=server_major())
        temporary = f"import_{secrets.token_hex(6)}"
        media_root = Path(settings.MEDIA_ROOT)
        staging = media_root / f".{temporary}"
        try:
            handle = archive.extractfile(SCHEMA_SQL)
            assert handle is not None  # noqa: S101 - checked by _check_digests
            sql = _rewrite_schema(handle.read().decode(), manifest["schema_name"], temporary)
            _restore(sql, psql=psql)
            del sql
            if older:
                _migrate(temporary)
            with schema_context(temporary):
                verification = ledger_verify_moved(
                    schema_name_before=manifest["schema_name"],
                    anchors=_unsaved_anchors(manifest),
                )
            if not verification.ok:
                raise BackupError(
                    _(
                        "Le journal inaltérable de l'archive ne se vérifie pas (%(reason)s) : "
                        "import refusé. Si l'archive vient d'un serveur à une autre SECRET_KEY, "
                        "mettez celle-ci dans SECRET_KEY_FALLBACKS le temps de l'import."
                    )
                    % {"reason": verification.reason}
                )
            files = _stage_media(archive, staging)
            with transaction.atomic():
                if existing is not None:
                    existing = Structure.objects.select_for_update().get(pk=existing.pk)
                    _drop_schema(schema)
                entries = ledger_resign(schema=temporary, key_schema=schema)
                with connection.cursor() as cur:
                    cur.execute(f"ALTER SCHEMA {_q(temporary)} RENAME TO {_q(schema)}")
                structure = _write_public_rows(
                    manifest, slug=slug, schema=schema, existing=existing
                )
                with schema_context(schema):
                    ledger_adopt_anchors(structure=structure, anchors=_unsaved_anchors(manifest))
                connection.set_schema_to_public()  # type: ignore[attr-defined]
        except BaseException:
            connection.set_schema_to_public()  # type: ignore[attr-defined]
            _drop_schema(temporary)
            shutil.rmtree(staging, ignore_errors=True)
            raise
    _place_media(staging, media_root / schema)
    return ImportResult(structure, existing is not None, entries, files, older)


def _stage_media(archive: tarfile.TarFile, staging: Path) -> int:
    count = 0
    staging.mkdir(parents=True)
    for member in archive.getmembers():
        if not member.name.startswith(MEDIA):
            continue
        target = staging / member.name[len(MEDIA) :]
        if staging.resolve() not in target.resolve().parents:
            raise BackupError(_("Archive altérée : chemin de fichier refusé."))
        target.parent.mkdir(parents=True, exist_ok=True)
        source: IO[bytes] | None = archive.extractfile(member)
        assert source is not None  # noqa: S101 - checked by _check_digests
        with target.open("wb") as out:
            shutil.copyfileobj(source, out, CHUNK)
        count += 1
    return count


def _place_media(staging: Path, final: Path) -> None:
    """After the commit: the structure's files are the archive's."""
    if final.exists():
        trash = final.with_name(f".{final.name}-{secrets.token_hex(4)}")
        final.rename(trash)
        shutil.rmtree(trash, ignore_errors=True)
    staging.rename(final)
