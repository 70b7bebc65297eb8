"""PO-7 signed archives: a ZIP of the period's ledger entries and the caller's files, with a
manifest of SHA-256 digests signed by the structure's Ed25519 key, checked offline by
`manage.py verify_archive`, which names exactly what was altered."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from ponton.ledger import archives, canonical
from ponton.ledger.models import LedgerEntry
from tenants.models import LedgerAnchor, StructureSigningKey

from .test_ledger import append_invoice, append_payment

REPO = Path(__file__).resolve().parents[3]
TICKETS = b"ticket;total\r\nT-1;12.50\r\n"


@pytest.fixture
def ledger(structure_a):
    structure, _ = structure_a
    with schema_context(structure.schema_name):
        yield structure


def build(**kwargs) -> bytes:
    today = timezone.localdate()
    return archives.archive_build(
        first_day=kwargs.pop("first_day", today),
        last_day=kwargs.pop("last_day", today),
        label=kwargs.pop("label", "Archive du jour"),
        extra_files=kwargs.pop("extra_files", {"tickets.csv": TICKETS}),
    )


def rezip(data: bytes, *, replace: dict[str, bytes] | None = None, drop: str = "") -> bytes:
    """The archive with some files replaced or one removed, everything else as it was."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            if name != drop:
                target.writestr(name, (replace or {}).get(name, source.read(name)))
    return out.getvalue()


def verify(tmp_path, data: bytes, *extra) -> tuple[int, str]:
    path = tmp_path / "archive.zip"
    path.write_bytes(data)
    out = io.StringIO()
    try:
        call_command("verify_archive", str(path), *extra, stdout=out)
    except CommandError as exc:
        return exc.returncode, out.getvalue()
    return 0, out.getvalue()


@pytest.fixture
def archive(ledger):
    append_invoice("FA-2026-00001", "30.00")
    append_payment("FA-2026-00001", "30.00")
    append_invoice("FA-2026-00002", "12.50")
    return build()


def test_archive_holds_the_period_signed(ledger, archive):
    """PO-7: ledger.csv/json with every column, the caller's files, anchor.json (an anchor
    recorded with reason "archive"), public_key.pem, a manifest of digests and its Ed25519
    signature."""
    files = zipfile.ZipFile(io.BytesIO(archive))
    assert sorted(files.namelist()) == [
        "anchor.json",
        "ledger.csv",
        "ledger.json",
        "manifest.json",
        "manifest.sig",
        "public_key.pem",
        "tickets.csv",
    ]
    manifest = json.loads(files.read("manifest.json"))
    assert manifest["structure"]["id"] == ledger.pk
    assert manifest["structure"]["name"] == "Club A"
    assert manifest["label"] == "Archive du jour"
    today = timezone.localdate().isoformat()
    assert manifest["period"] == {"first_day": today, "last_day": today}
    assert manifest["entries"] == {"count": 3, "first_position": 1, "last_position": 3}
    assert manifest["files"] == {
        name: hashlib.sha256(files.read(name)).hexdigest()
        for name in ("anchor.json", "ledger.csv", "ledger.json", "public_key.pem", "tickets.csv")
    }
    key = StructureSigningKey.objects.get(structure=ledger)
    assert manifest["public_key_fingerprint"] == key.fingerprint
    assert files.read("public_key.pem").decode() == key.public_key
    public = serialization.load_pem_public_key(files.read("public_key.pem"))
    public.verify(files.read("manifest.sig"), files.read("manifest.json"))  # raises if not
    # The private key is sealed in the public schema, never stored in clear.
    with connection.cursor() as cur:
        cur.execute("SELECT private_key FROM public.tenants_structuresigningkey")
        assert cur.fetchone()[0].startswith("sealed:")

    ledger_json = json.loads(files.read("ledger.json"))
    entries = ledger_json["entries"]
    assert [e["position"] for e in entries] == [1, 2, 3]
    stored = LedgerEntry.objects.get(position=3)
    assert entries[2] == {
        "position": 3,
        "recorded_at": canonical.reduce(stored.recorded_at),
        "kind": "invoice",
        "reference": "FA-2026-00002",
        "payload": stored.payload,
        "sales_amount": "12.50",
        "payments_amount": "0.00",
        "sales_total": "42.50",
        "payments_total": "30.00",
        "previous_hash": stored.previous_hash,
        "hash": stored.hash,
        "signature": stored.signature,
    }
    assert ledger_json["previous"]["position"] == 0
    rows = files.read("ledger.csv").decode().splitlines()
    assert rows[0] == (
        "position;recorded_at;kind;reference;payload;sales_amount;payments_amount;"
        "sales_total;payments_total;previous_hash;hash;signature"
    )
    assert len(rows) == 4 and rows[3].endswith(f";{stored.hash};{stored.signature}")

    anchor = LedgerAnchor.objects.get(structure=ledger)
    assert (anchor.reason, anchor.position, anchor.hash) == ("archive", 3, stored.hash)
    assert json.loads(files.read("anchor.json"))["signature"] == anchor.signature
    assert files.read("tickets.csv") == TICKETS


def test_intact_archive_verifies_offline(ledger, archive, tmp_path):
    """PO-7: verify_archive says the archive is intact and exits 0, also with the public key
    given apart."""
    code, out = verify(tmp_path, archive)
    key = StructureSigningKey.objects.get(structure=ledger)
    assert code == 0
    assert f"archive intègre, 3 écritures, clé {key.fingerprint}" in out
    pem = tmp_path / "club.pem"
    pem.write_text(key.public_key)
    assert verify(tmp_path, archive, "--public-key", str(pem))[0] == 0
    # The check needs no database: the pure function gives the same answer.
    check = archives.archive_verify(archive)
    assert (check.ok, check.entries, check.problems) == (True, 3, [])


def test_altered_file_is_named(ledger, archive, tmp_path):
    """PO-7: a file changed inside the zip is named by its digest."""
    altered = rezip(archive, replace={"ledger.csv": b"position\r\n", "tickets.csv": b"rien"})
    code, out = verify(tmp_path, altered)
    assert code == 1
    assert out.splitlines() == [
        f"{tmp_path / 'archive.zip'} : ledger.csv : empreinte différente du manifeste",
        f"{tmp_path / 'archive.zip'} : tickets.csv : empreinte différente du manifeste",
    ]


def test_altered_entry_in_ledger_json_is_named(ledger, archive):
    """PO-7: an amount changed in ledger.json: its digest, and the entry whose hash no
    longer matches, are named."""
    content = json.loads(zipfile.ZipFile(io.BytesIO(archive)).read("ledger.json"))
    content["entries"][1]["payload"]["amount"] = "3.00"
    altered = rezip(archive, replace={"ledger.json": json.dumps(content).encode()})
    assert archives.archive_verify(altered).problems == [
        "ledger.json : empreinte différente du manifeste",
        "écriture n° 2 : empreinte incorrecte",
    ]


def test_altered_manifest_fails_its_signature(ledger, archive, tmp_path):
    """PO-7: a manifest rewritten to match altered files fails its signature."""
    files = zipfile.ZipFile(io.BytesIO(archive))
    manifest = json.loads(files.read("manifest.json"))
    manifest["files"]["tickets.csv"] = hashlib.sha256(b"rien").hexdigest()
    altered = rezip(
        archive,
        replace={"manifest.json": json.dumps(manifest).encode(), "tickets.csv": b"rien"},
    )
    code, out = verify(tmp_path, altered)
    assert code == 1
    assert out.splitlines() == [f"{tmp_path / 'archive.zip'} : manifeste : signature invalide"]


def test_archive_resigned_with_another_key_fails_against_the_structure_key(
    ledger, archive, tmp_path
):
    """PO-7: everything re-signed with the attacker's key is consistent in itself; given the
    structure's public key, the check refuses it."""
    other = Ed25519PrivateKey.generate()
    other_pem = other.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    files = zipfile.ZipFile(io.BytesIO(archive))
    manifest = json.loads(files.read("manifest.json"))
    manifest["public_key_fingerprint"] = archives.fingerprint_of(other.public_key())
    manifest["files"]["public_key.pem"] = hashlib.sha256(other_pem).hexdigest()
    manifest_bytes = json.dumps(manifest).encode()
    forged = rezip(
        archive,
        replace={
            "manifest.json": manifest_bytes,
            "manifest.sig": other.sign(manifest_bytes),
            "public_key.pem": other_pem,
        },
    )
    assert archives.archive_verify(forged).ok
    key = StructureSigningKey.objects.get(structure=ledger)
    check = archives.archive_verify(forged, public_key_pem=key.public_key.encode())
    assert check.problems == [
        "public_key.pem : différente de la clé publique fournie",
        "manifeste : signature invalide",
        "manifeste : l'empreinte de la clé publique ne correspond pas à la clé",
    ]


def test_removed_file_is_named(ledger, archive, tmp_path):
    """PO-7: a file taken out of the zip is named; an added one too."""
    code, out = verify(tmp_path, rezip(archive, drop="anchor.json"))
    assert code == 1
    assert out.splitlines() == [f"{tmp_path / 'archive.zip'} : anchor.json : absent de l'archive"]
    buffer = io.BytesIO(archive)
    with zipfile.ZipFile(buffer, "a") as target:
        target.writestr("notes.txt", b"ajout")
    assert archives.archive_verify(buffer.getvalue()).problems == [
        "notes.txt : absent du manifeste"
    ]


def test_archive_of_a_later_period_starts_from_the_previous_entry(ledger, monkeypatch):
    """PO-7: an archive of one day holds the entries recorded that day (the closing of the day
    before is recorded on the next one); its chain starts from the last entry before the day,
    so it verifies on its own; one signing key serves every archive."""
    day1 = dt.datetime(2026, 5, 4, 10, tzinfo=dt.UTC)
    monkeypatch.setattr(timezone, "now", lambda: day1)
    append_invoice("FA-2026-00001", "30.00")
    day2 = dt.datetime(2026, 5, 5, 10, tzinfo=dt.UTC)
    monkeypatch.setattr(timezone, "now", lambda: day2)
    append_payment("FA-2026-00001", "30.00")  # preceded by the closing of 4 May
    first = build(first_day=dt.date(2026, 5, 4), last_day=dt.date(2026, 5, 4), extra_files={})
    second = build(first_day=dt.date(2026, 5, 5), last_day=dt.date(2026, 5, 5), extra_files={})
    content = json.loads(zipfile.ZipFile(io.BytesIO(second)).read("ledger.json"))
    before = LedgerEntry.objects.get(position=1)
    assert content["previous"] == {
        "position": 1,
        "hash": before.hash,
        "sales_total": "30.00",
        "payments_total": "0.00",
    }
    assert [(e["position"], e["kind"]) for e in content["entries"]] == [
        (2, "closing_day"),
        (3, "payment"),
    ]
    assert content["entries"][1]["payments_total"] == "30.00"
    assert archives.archive_verify(first).entries == 1
    assert archives.archive_verify(second).ok
    assert StructureSigningKey.objects.filter(structure=ledger).count() == 1
    assert list(
        LedgerAnchor.objects.filter(structure=ledger).values_list("reason", "position")
    ) == [("closing", 2), ("archive", 3), ("archive", 3)]


def test_reserved_or_unsafe_file_names_are_refused(ledger):
    """PO-7: the caller cannot replace the archive's own files; nothing is anchored."""
    for name in ("ledger.csv", "manifest.json", "../x.csv", "a/b.csv"):
        with pytest.raises(ValueError):
            build(extra_files={name: b"x"})
    assert LedgerAnchor.objects.filter(structure=ledger).count() == 0
    assert StructureSigningKey.objects.filter(structure=ledger).count() == 0


@pytest.mark.slow
def test_verify_archive_runs_without_a_database(ledger, archive, tmp_path):
    """PO-7: the check is offline: the command works with no reachable database."""
    path = tmp_path / "archive.zip"
    path.write_bytes(archive)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ponton.config.settings.test",
        "DATABASE_URL": "postgres://personne@127.0.0.1:9/aucune",
    }
    good = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", "verify_archive", str(path)],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        check=False,
    )
    assert (good.returncode, good.stderr) == (0, "")
    assert "archive intègre, 3 écritures" in good.stdout
    path.write_bytes(rezip(archive, drop="ledger.csv"))
    bad = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "verify_archive", str(path)],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        check=False,
    )
    assert bad.returncode == 1
    assert bad.stdout == f"{path} : ledger.csv : absent de l'archive\n"
