"""Issue 17 §4: structure_export uses the PostgreSQL client programs of the server's major
version, and says in French what to install when there is none (tenants.backup.common)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tenants.backup import common
from tenants.backup.common import BackupError, pg_program


def fake_program(folder: Path, name: str, version: str) -> Path:
    folder.mkdir(parents=True)
    program = folder / name
    program.write_text(f'#!/bin/sh\necho "{name} (PostgreSQL) {version}"\n')
    program.chmod(0o755)
    return program


def test_the_server_s_major_version_is_preferred(tmp_path, monkeypatch):
    """Issue 17 §4: between pg_dump 16 and 15, a PostgreSQL 15 server gets 15; with only 16
    (pg_dump reads older servers), 16."""
    newer = fake_program(tmp_path / "16", "pg_dump", "16.2")
    same = fake_program(tmp_path / "15", "pg_dump", "15.20 (Debian 15.20-0+deb12u1)")
    monkeypatch.setattr(common, "_candidate_dirs", lambda: [newer.parent, same.parent])
    assert pg_program("pg_dump", major=15) == same
    monkeypatch.setattr(common, "_candidate_dirs", lambda: [newer.parent])
    assert pg_program("pg_dump", major=15) == newer


def test_a_missing_or_older_pg_dump_is_named_in_french(tmp_path, monkeypatch):
    """Issue 17 §4: no pg_dump, or only an older one than the server, is refused with what to
    install."""
    older = fake_program(tmp_path / "14", "pg_dump", "14.11")
    monkeypatch.setattr(common, "_candidate_dirs", lambda: [older.parent, tmp_path / "none"])
    with pytest.raises(BackupError) as refused:
        pg_program("pg_dump", major=15)
    assert str(refused.value) == (
        "Programme « pg_dump » de PostgreSQL 15 introuvable : installez le client PostgreSQL 15 "
        "(paquet postgresql-client-15) ou indiquez son dossier dans la variable d'environnement "
        "PG_BIN_DIR."
    )
