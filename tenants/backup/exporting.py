"""`structure_export`: the archive of one structure (tenants.backup)."""

from __future__ import annotations

import io
import json
import subprocess
import tarfile
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

import django
from django.conf import settings
from django.db import connection
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext as _

from ponton.accounts.models import CustomerLink, Membership, User
from tenants.backup.common import (
    ANCHOR_FIELDS,
    FORMAT,
    MANIFEST,
    MEDIA,
    NOT_COPIED,
    SCHEMA_SQL,
    BackupError,
    ManifestEncoder,
    account_columns,
    migrations_of,
    pg_env,
    pg_program,
    quote,
    server_major,
    sha256_file,
)
from tenants.models import (
    Domain,
    LedgerAnchor,
    ModuleSubscription,
    Structure,
    StructureContact,
    StructureImage,
)


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
        "contacts": list(
            StructureContact.objects.filter(structure=structure)
            .order_by("role")
            .values("role", "first_name", "last_name", "email", "phone")
        ),
        "images": [
            {"image": image.image.name, "position": image.position}
            for image in StructureImage.objects.filter(structure=structure)
        ],
        "accounts": _accounts(structure),
        "customer_links": [
            {"email": email, "customer_id": customer_id}
            for email, customer_id in CustomerLink.objects.filter(structure=structure)
            .order_by("user__email")
            .values_list("user__email", "customer_id")
        ],
        "ledger_anchors": [
            {**{name: getattr(a, name) for name in ANCHOR_FIELDS}, "signature": a.signature}
            for a in LedgerAnchor.objects.filter(structure=structure).order_by("position", "id")
        ],
    }


def _accounts(structure: Structure) -> dict[str, dict[str, str]]:
    """The platform accounts the structure's rows name by id (account_columns), by id: the
    import finds or creates them by email and rewrites the ids on another database."""
    ids: set[int] = set()
    with connection.cursor() as cur:
        for table, column in account_columns(structure.schema_name):
            cur.execute(
                f"SELECT DISTINCT {quote(column)} FROM "  # noqa: S608 - quoted identifiers
                f"{quote(structure.schema_name)}.{quote(table)} WHERE {quote(column)} IS NOT NULL"
            )
            ids.update(row[0] for row in cur.fetchall())
    return {
        str(pk): {"email": email, "first_name": first, "last_name": last}
        for pk, email, first, last in User.objects.filter(pk__in=ids)
        .order_by("pk")
        .values_list("pk", "email", "first_name", "last_name")
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
            env=pg_env(),
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
        files = {SCHEMA_SQL: {"sha256": sha256_file(dump), "size": dump.stat().st_size}}
        for path in media_files:
            files[MEDIA + path.relative_to(media_root).as_posix()] = {
                "sha256": sha256_file(path),
                "size": path.stat().st_size,
            }
        manifest = {
            "format": FORMAT,
            "created_at": timezone.now(),
            "slug": structure.slug,
            "schema_name": schema,
            "structure_id": structure.pk,
            "versions": _versions(pg_dump),
            "migrations": migrations_of(schema),
            **_public_rows(structure),
            "files": files,
        }
        body = json.dumps(manifest, cls=ManifestEncoder, indent=2, ensure_ascii=False).encode()
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
