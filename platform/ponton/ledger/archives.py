"""Signed archives of the ledger (PO-7, art. 286 I 3° bis CGI; docs/adr/0013).

`archive_build` writes a ZIP: the ledger entries of a period (`ledger.csv`, `ledger.json`,
every column, signatures included), the caller's own files (the till adds its tickets and
closings), `anchor.json` (the chain head at archive time, also recorded as an anchor in the
public schema), `public_key.pem`, `manifest.json` (structure, period, the SHA-256 of every
other file, the public key's fingerprint) and `manifest.sig`, the Ed25519 signature of
`manifest.json` under the structure's archive key (raw 64 bytes: `openssl pkeyutl -verify
-pubin -inkey public_key.pem -rawin -in manifest.json -sigfile manifest.sig` checks it too).

`archive_verify` checks such a ZIP offline, without the database: the manifest's signature,
each file's digest, and the chain inside `ledger.json` (positions, links, hashes, perpetual
totals). The entries' keyed signatures need the server's secret and are checked by
`verify_ledger`, not here.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ponton.ledger import canonical
from ponton.ledger.models import GENESIS_HASH, LedgerEntry
from ponton.ledger.services import ledger_anchor
from tenants.models import LedgerAnchor, Structure, StructureSigningKey

FORMAT = "ponton-archive/1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
PUBLIC_KEY = "public_key.pem"
LEDGER_CSV = "ledger.csv"
LEDGER_JSON = "ledger.json"
ANCHOR = "anchor.json"
RESERVED = {MANIFEST, SIGNATURE, PUBLIC_KEY, LEDGER_CSV, LEDGER_JSON, ANCHOR}
COLUMNS = (
    "position",
    "recorded_at",
    "kind",
    "reference",
    "payload",
    "sales_amount",
    "payments_amount",
    "sales_total",
    "payments_total",
    "previous_hash",
    "hash",
    "signature",
)
DECIMALS = ("sales_amount", "payments_amount", "sales_total", "payments_total")


def _json(value: Any) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode()


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- building ---------------------------------------------------------------------------------


def archive_build(
    *, first_day: dt.date, last_day: dt.date, label: str, extra_files: dict[str, bytes]
) -> bytes:
    """The signed ZIP of the current structure's ledger entries recorded from `first_day` to
    `last_day` (local days, both included), with `extra_files` (name -> content) beside them.
    Records an anchor (reason "archive") first: the archive holds the entries up to it."""
    if last_day < first_day:
        raise ValueError("last_day is before first_day")
    for name in extra_files:
        if name in RESERVED or not name or "/" in name or "\\" in name or name.startswith("."):
            raise ValueError(f"archive file name not allowed: {name!r}")
    anchor = ledger_anchor(reason=LedgerAnchor.Reason.ARCHIVE)
    structure = Structure.objects.get(pk=anchor.structure_id)
    private_key, public_pem, fingerprint = signing_key(structure=structure)
    previous, entries = _period_entries(first_day, last_day, up_to=anchor.position)

    files: dict[str, bytes] = {
        LEDGER_CSV: _ledger_csv(entries),
        LEDGER_JSON: _json(
            {
                "format": FORMAT,
                "structure": {"id": structure.pk, "name": structure.name},
                "period": {"first_day": first_day.isoformat(), "last_day": last_day.isoformat()},
                "previous": previous,
                "entries": entries,
            }
        ),
        **extra_files,
        ANCHOR: _json(_anchor_dict(anchor)),
        PUBLIC_KEY: public_pem,
    }
    manifest = _json(
        {
            "format": FORMAT,
            "label": label,
            "structure": {
                "id": structure.pk,
                "name": structure.name,
                "slug": structure.slug,
                "siret": structure.siret,
            },
            "period": {"first_day": first_day.isoformat(), "last_day": last_day.isoformat()},
            "created_at": canonical.reduce(timezone.now()),
            "entries": {
                "count": len(entries),
                "first_position": entries[0]["position"] if entries else None,
                "last_position": entries[-1]["position"] if entries else None,
            },
            "anchor": {"position": anchor.position, "hash": anchor.hash},
            "public_key_fingerprint": fingerprint,
            "files": {name: _digest(data) for name, data in sorted(files.items())},
        }
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
        archive.writestr(MANIFEST, manifest)
        archive.writestr(SIGNATURE, private_key.sign(manifest))
    return buffer.getvalue()


def signing_key(*, structure: Structure) -> tuple[Ed25519PrivateKey, bytes, str]:
    """The structure's archive key (private key, public key PEM, fingerprint), made at its
    first use. A key whose sealed private half no longer opens (SECRET_KEY rotated without
    fallback) is left for the old archives' sake and a new one is made."""
    with transaction.atomic():
        # One key made per structure even when two archives are built at once.
        Structure.objects.select_for_update().filter(pk=structure.pk).values_list("pk").get()
        for row in StructureSigningKey.objects.filter(structure=structure):
            if row.private_key:
                key = serialization.load_pem_private_key(row.private_key.encode(), password=None)
                if isinstance(key, Ed25519PrivateKey):
                    return key, row.public_key.encode(), row.fingerprint
        key = Ed25519PrivateKey.generate()
        public = key.public_key()
        row = StructureSigningKey.objects.create(
            structure=structure,
            private_key=key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ).decode(),
            public_key=public.public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            ).decode(),
            fingerprint=fingerprint_of(public),
        )
        return key, row.public_key.encode(), row.fingerprint


def fingerprint_of(public_key: Ed25519PublicKey) -> str:
    """SHA-256 of the raw 32-byte public key."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return _digest(raw)


def _period_entries(
    first_day: dt.date, last_day: dt.date, *, up_to: int
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(the entry just before the period, as the chain's starting point; the entries of the
    period, every position from the first to the last entry recorded in it)."""
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(first_day, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    in_period = LedgerEntry.objects.filter(
        recorded_at__gte=start, recorded_at__lt=end, position__lte=up_to
    )
    first = in_period.order_by("position").values_list("position", flat=True).first()
    last = in_period.order_by("-position").values_list("position", flat=True).first()
    rows: list[dict[str, Any]] = []
    if first is not None and last is not None:
        rows = [
            _entry_dict(row)
            for row in LedgerEntry.objects.filter(position__range=(first, last))
            .order_by("position")
            .values(*COLUMNS)
        ]
    before = (first or up_to + 1) - 1
    previous = {
        "position": 0,
        "hash": GENESIS_HASH,
        "sales_total": "0.00",
        "payments_total": "0.00",
    }
    if before:
        row = LedgerEntry.objects.values(*COLUMNS).get(position=before)
        previous = {
            "position": row["position"],
            "hash": row["hash"],
            "sales_total": str(row["sales_total"]),
            "payments_total": str(row["payments_total"]),
        }
    return previous, rows


def _entry_dict(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    out["recorded_at"] = canonical.reduce(row["recorded_at"])
    for name in DECIMALS:
        out[name] = str(row[name])
    return out


def _ledger_csv(entries: list[dict[str, Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for entry in entries:
        writer.writerow([canonical.text(entry[c]) if c == "payload" else entry[c] for c in COLUMNS])
    return buffer.getvalue().encode()


def _anchor_dict(anchor: LedgerAnchor) -> dict[str, Any]:
    return {
        "structure_id": anchor.structure_id,
        "position": anchor.position,
        "hash": anchor.hash,
        "sales_total": str(anchor.sales_total),
        "payments_total": str(anchor.payments_total),
        "anchored_at": canonical.reduce(anchor.anchored_at),
        "reason": anchor.reason,
        "signature": anchor.signature,
    }


# --- offline verification ---------------------------------------------------------------------


@dataclass
class ArchiveCheck:
    """What `archive_verify` found: `problems` in French, each naming the file or entry."""

    problems: list[str] = field(default_factory=list)
    entries: int = 0
    fingerprint: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems


def archive_verify(data: bytes, *, public_key_pem: bytes | None = None) -> ArchiveCheck:
    """Check an archive made by `archive_build`, offline. With `public_key_pem` (the
    structure's key obtained apart), the manifest must be signed by that key; without it, by
    the key inside the archive (which proves integrity, not origin: compare the fingerprint)."""
    check = ArchiveCheck()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        contents = {name: archive.read(name) for name in archive.namelist()}
    except (zipfile.BadZipFile, OSError, ValueError):
        check.problems.append(_("archive : fichier ZIP illisible"))
        return check
    manifest_bytes = contents.get(MANIFEST)
    signature = contents.get(SIGNATURE)
    for name, content in ((MANIFEST, manifest_bytes), (SIGNATURE, signature)):
        if content is None:
            check.problems.append(_("%(name)s : absent de l'archive") % {"name": name})
    if manifest_bytes is None or signature is None:
        return check
    public_key = _public_key(contents.get(PUBLIC_KEY), public_key_pem, check)
    if public_key is None:
        return check
    check.fingerprint = fingerprint_of(public_key)
    try:
        public_key.verify(signature, manifest_bytes)
    except InvalidSignature:
        check.problems.append(_("manifeste : signature invalide"))
    try:
        manifest = json.loads(manifest_bytes)
        listed = dict(manifest["files"])
    except (ValueError, KeyError, TypeError):
        check.problems.append(_("manifeste : illisible"))
        return check
    if manifest.get("public_key_fingerprint") != check.fingerprint:
        check.problems.append(
            _("manifeste : l'empreinte de la clé publique ne correspond pas à la clé")
        )
    for name, digest in sorted(listed.items()):
        if name not in contents:
            check.problems.append(_("%(name)s : absent de l'archive") % {"name": name})
        elif _digest(contents[name]) != digest:
            check.problems.append(
                _("%(name)s : empreinte différente du manifeste") % {"name": name}
            )
    for name in sorted(set(contents) - set(listed) - {MANIFEST, SIGNATURE}):
        check.problems.append(_("%(name)s : absent du manifeste") % {"name": name})
    if LEDGER_JSON in contents:
        _check_chain(contents[LEDGER_JSON], contents.get(ANCHOR), check)
    return check


def _public_key(
    inside: bytes | None, given: bytes | None, check: ArchiveCheck
) -> Ed25519PublicKey | None:
    pem = given if given is not None else inside
    if pem is None:
        check.problems.append(_("%(name)s : absent de l'archive") % {"name": PUBLIC_KEY})
        return None
    try:
        key = serialization.load_pem_public_key(pem)
    except ValueError:
        key = None
    if not isinstance(key, Ed25519PublicKey):
        check.problems.append(_("clé publique : illisible ou pas une clé Ed25519"))
        return None
    if given is not None and inside is not None and inside.strip() != given.strip():
        check.problems.append(
            _("%(name)s : différente de la clé publique fournie") % {"name": PUBLIC_KEY}
        )
    return key


def _check_chain(ledger: bytes, anchor: bytes | None, check: ArchiveCheck) -> None:
    """Recompute the chain of `ledger.json` from its starting point; name the first entry
    that does not match."""
    try:
        content = json.loads(ledger)
        previous = content["previous"]
        entries = content["entries"]
        expected = int(previous["position"]) + 1
        link = str(previous["hash"])
        sales_total = Decimal(previous["sales_total"])
        payments_total = Decimal(previous["payments_total"])
    except (ValueError, KeyError, TypeError, InvalidOperation):
        check.problems.append(_("%(name)s : illisible") % {"name": LEDGER_JSON})
        return
    for entry in entries:
        problem = _entry_problem(entry, expected, link, sales_total, payments_total)
        if problem:
            check.problems.append(problem)
            return
        sales_total = Decimal(entry["sales_total"])
        payments_total = Decimal(entry["payments_total"])
        link = entry["hash"]
        expected += 1
        check.entries += 1
    if anchor is not None:
        try:
            anchored = json.loads(anchor)
            position, anchored_hash = int(anchored["position"]), anchored["hash"]
        except (ValueError, KeyError, TypeError):
            check.problems.append(_("%(name)s : illisible") % {"name": ANCHOR})
            return
        last = expected - 1
        if position < last or (position == last and anchored_hash != link):
            check.problems.append(
                _("%(name)s : ne correspond pas à l'écriture n° %(position)s")
                % {"name": ANCHOR, "position": position}
            )


def _entry_problem(
    entry: Any, expected: int, link: str, sales_total: Decimal, payments_total: Decimal
) -> str:
    try:
        position = entry["position"]
        if position != expected:
            return _("écriture n° %(expected)s : manquante (suivante trouvée : n° %(found)s)") % {
                "expected": expected,
                "found": position,
            }
        amounts = {name: Decimal(entry[name]) for name in DECIMALS}
        if entry["previous_hash"] != link:
            return _("écriture n° %(position)s : chaînage rompu") % {"position": position}
        if (amounts["sales_total"], amounts["payments_total"]) != (
            sales_total + amounts["sales_amount"],
            payments_total + amounts["payments_amount"],
        ):
            return _("écriture n° %(position)s : totaux perpétuels incorrects") % {
                "position": position
            }
        recomputed = canonical.stored_entry_hash(
            position=position,
            recorded_at=dt.datetime.fromisoformat(entry["recorded_at"]),
            kind=entry["kind"],
            reference=entry["reference"],
            payload=entry["payload"],
            previous_hash=entry["previous_hash"],
            **amounts,
        )
    except (ValueError, KeyError, TypeError, InvalidOperation):
        return _("écriture n° %(position)s : illisible") % {"position": expected}
    if recomputed != entry["hash"]:
        return _("écriture n° %(position)s : empreinte incorrecte") % {"position": position}
    return ""
