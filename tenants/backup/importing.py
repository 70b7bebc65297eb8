"""`structure_import`: a structure restored from its archive, whole or not at all
(tenants.backup)."""

from __future__ import annotations

import hashlib
import io
import json
import re
import secrets
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.models import Field
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from ponton.accounts.models import CustomerLink, Membership, User
from ponton.accounts.services import user_get_or_create
from ponton.ledger.moves import ledger_adopt_anchors, ledger_resign
from ponton.ledger.selectors import ledger_verify_moved
from tenants import cloning
from tenants.backup.common import (
    ANCHOR_FIELDS,
    CHUNK,
    FORMAT,
    MANIFEST,
    MEDIA,
    NOT_COPIED,
    SCHEMA_SQL,
    BackupError,
    ImportResult,
    account_columns,
    migrations_of,
    pg_env,
    pg_program,
    quote,
    server_major,
)
from tenants.models import (
    Domain,
    LedgerAnchor,
    ModuleSubscription,
    Structure,
    StructureContact,
    StructureImage,
)
from tenants.services import schema_name_for, slug_is_valid


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
    return {tuple(pair) for pair in migrations_of(settings.TENANT_BASE_SCHEMA)}


def _rewrite_schema(lines: Iterable[str], source: str, target: str) -> Iterator[str]:
    """The dump's lines with its schema renamed: in every statement, never inside COPY data."""
    pattern = re.compile(rf"(?<![A-Za-z0-9_$]){re.escape(source)}(?![A-Za-z0-9_$])")
    in_copy = False
    for line in lines:
        if in_copy:
            if line.rstrip("\n") == "\\.":
                in_copy = False
            yield line
            continue
        if line.startswith("COPY ") and line.rstrip().endswith("FROM stdin;"):
            in_copy = True
        yield line if line.startswith("--") else pattern.sub(target, line)


def _restore(lines: Iterable[str], *, psql: Path) -> None:
    """Feed the dump to psql (one transaction, stop at the first error), streamed."""
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(  # noqa: S603 - fixed program path and arguments, no shell
            [str(psql), "--no-psqlrc", "--quiet", "--single-transaction", "-v", "ON_ERROR_STOP=1"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=errors,
            env=pg_env(),
        )
        assert process.stdin is not None  # noqa: S101 - stdin=PIPE
        try:
            for line in lines:
                process.stdin.write(line.encode())
        except BrokenPipeError:
            pass  # psql stopped at an error: its message follows
        finally:
            try:
                process.stdin.close()
            except BrokenPipeError:
                pass
            returncode = process.wait()
        if returncode != 0:
            errors.seek(0)
            message = errors.read().decode(errors="replace").strip()[-2000:]
            raise BackupError(
                _("La restauration du schéma a échoué : %(error)s") % {"error": message}
            )


def _drop_schema(name: str) -> None:
    with connection.cursor() as cur:
        cur.execute(f"DROP SCHEMA IF EXISTS {quote(name)} CASCADE")


def _migrate(schema: str) -> None:
    from django.db.migrations.executor import MigrationExecutor

    with schema_context(schema):
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


def _unsaved_anchors(manifest: dict[str, Any]) -> list[LedgerAnchor]:
    """The archive's anchors as they were (the structure id of their origin), not saved."""
    anchors = []
    for row in manifest.get("ledger_anchors") or []:
        anchor = LedgerAnchor(structure_id=manifest["structure_id"], signature=row["signature"])
        for name in ANCHOR_FIELDS:
            field = LedgerAnchor._meta.get_field(name)
            assert isinstance(field, Field)  # noqa: S101 - concrete fields
            setattr(anchor, name, field.to_python(row[name]))
        anchors.append(anchor)
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
    if values.get("created_at"):  # auto_now_add set it to now: the structure's own date
        Structure.objects.filter(pk=structure.pk).update(created_at=values["created_at"])
        structure.created_at = values["created_at"]
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
    StructureContact.objects.filter(structure=structure).delete()
    StructureContact.objects.bulk_create(
        [StructureContact(structure=structure, **row) for row in manifest.get("contacts") or []]
    )
    StructureImage.objects.filter(structure=structure).delete()
    StructureImage.objects.bulk_create(
        [StructureImage(structure=structure, **row) for row in manifest.get("images") or []]
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
    for row in manifest.get("customer_links") or []:
        customer_account = User.objects.filter(email=row["email"]).first()
        if customer_account is not None:
            CustomerLink.objects.get_or_create(
                user=customer_account,
                structure=structure,
                defaults={"customer_id": row["customer_id"]},
            )
    return structure


def _remap_accounts(manifest: dict[str, Any], *, schema: str) -> None:
    """The account ids in `schema`'s rows (account_columns) become the ids of this database's
    accounts of the same email, found or created (on the same database they do not change)."""
    mapping = []
    for old, person in (manifest.get("accounts") or {}).items():
        user = user_get_or_create(
            email=person["email"], first_name=person["first_name"], last_name=person["last_name"]
        )
        if user.pk != int(old):
            mapping.append((int(old), user.pk))
    if not mapping:
        return
    values = ", ".join(["(%s::bigint, %s::bigint)"] * len(mapping))
    params = [number for pair in mapping for number in pair]
    with connection.cursor() as cur:
        for table, column in account_columns(schema):
            cur.execute(
                f"UPDATE {quote(schema)}.{quote(table)} AS t SET {quote(column)} = m.new "  # noqa: S608
                f"FROM (VALUES {values}) AS m(old, new) WHERE t.{quote(column)} = m.old",
                params,
            )


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
            with io.TextIOWrapper(handle, encoding="utf-8", newline="") as text:
                _restore(_rewrite_schema(text, manifest["schema_name"], temporary), psql=psql)
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
                _remap_accounts(manifest, schema=temporary)
                with connection.cursor() as cur:
                    cur.execute(f"ALTER SCHEMA {quote(temporary)} RENAME TO {quote(schema)}")
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
