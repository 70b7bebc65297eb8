"""What the export and the import share: the archive's names, the PostgreSQL client programs,
digests (tenants.backup)."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.utils.translation import gettext as _

from tenants.models import Structure

FORMAT = "ponton-structure/1"
MANIFEST = "manifest.json"
SCHEMA_SQL = "schema.sql"
MEDIA = "media/"
CHUNK = 1 << 20
# Structure fields that name the row rather than describe the structure: not carried over.
NOT_COPIED = {"id", "schema_name", "slug"}
ANCHOR_FIELDS = ("position", "hash", "sales_total", "payments_total", "anchored_at", "reason")


class ManifestEncoder(DjangoJSONEncoder):
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


def quote(name: str) -> str:
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


def pg_env() -> dict[str, str]:
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


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def migrations_of(schema: str) -> list[list[str]]:
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT app, name FROM {quote(schema)}.django_migrations ORDER BY app, name"  # noqa: S608
        )
        return [list(row) for row in cur.fetchall()]


def account_columns(schema: str) -> list[tuple[str, str]]:
    """(table, column) of every link to a platform account in `schema`: by the convention of
    architecture.md (Tenancy), a bigint column named `account_id` or `<something>_account_id`
    holding an accounts.User id."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = %s AND data_type = 'bigint' "
            "AND (column_name = 'account_id' OR column_name LIKE %s) "
            "ORDER BY table_name, column_name",
            [schema, "%\\_account\\_id"],
        )
        return [(table, column) for table, column in cur.fetchall()]
