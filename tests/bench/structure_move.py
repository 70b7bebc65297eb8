"""Backup and move of one structure (issue 17 §4, docs/adr/0023).

A structure with a 100,000-entry signed ledger (tests/bench/ledger.py's entries), 2,000
customers and 200 photo files of 50 kB:
- structure_export_100k_s: `manage.py structure_export` (pg_dump, files, manifest);
- structure_import_100k_s: `manage.py structure_import --slug NEW` (digests, psql restore into a
  temporary schema, the ledger verified under the old key, re-signed under the new one, rename,
  public rows, files), then checked with `verify_ledger`.
One run each (they are seconds long); goal 60 s each.
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
import time
from pathlib import Path

ENTRIES = 100_000
CUSTOMERS = 2_000
FILES = 200
FILE_BYTES = 50_000
GOAL_S = 60


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _fill(structure) -> None:
    from django.conf import settings
    from django.db import transaction
    from django_tenants.utils import schema_context

    from ponton.customers.models import Customer
    from ponton.ledger import keys
    from ponton.ledger.models import LedgerEntry, LedgerHead
    from tests.bench.ledger import _entries

    with schema_context(structure.schema_name), transaction.atomic():
        batch, last = [], None
        for entry in _entries(ENTRIES):
            entry.signature = keys.sign(schema_name=structure.schema_name, message=entry.hash)
            batch.append(entry)
            last = entry
            if len(batch) == 5000:
                LedgerEntry.objects.bulk_create(batch)
                batch = []
        LedgerEntry.objects.bulk_create(batch)
        LedgerHead.objects.filter(pk=True).update(
            position=last.position,
            hash=last.hash,
            sales_total=last.sales_total,
            payments_total=last.payments_total,
        )
        Customer.objects.bulk_create(
            [
                Customer(first_name=f"Client{i}", last_name="Banc", email=f"c{i}@banc.test")
                for i in range(CUSTOMERS)
            ]
        )
    folder = Path(settings.MEDIA_ROOT) / structure.schema_name / "products" / "photos"
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(FILES):
        (folder / f"photo{i}.jpg").write_bytes(os.urandom(FILE_BYTES))


def bench_structure_move(*, env: dict[str, str], emit) -> None:
    """In a media root of its own, removed at the end."""
    from django.test import override_settings

    from tests.support.files import forget_media_root

    with (
        tempfile.TemporaryDirectory(prefix="ponton-bench-media-") as media,
        override_settings(MEDIA_ROOT=media),
    ):
        forget_media_root()
        try:
            _bench(emit)
        finally:
            forget_media_root()


def _bench(emit) -> None:
    from django.core.management import call_command
    from django.db import connection

    from tenants.services import StructureData, structure_create
    from tests.bench.sales import cpu_calibration_s

    stamp = int(time.time())
    structure, _owner = structure_create(
        data=StructureData(
            name="Club déménagé", slug=f"move{stamp}", owner_email=f"o@move{stamp}.test"
        )
    )
    t0 = time.perf_counter()
    _fill(structure)
    connection.set_schema_to_public()
    filled = time.perf_counter() - t0
    log(f"  {ENTRIES} entries, {CUSTOMERS} customers, {FILES} files: {filled:.1f} s")
    calibration = cpu_calibration_s()
    with tempfile.TemporaryDirectory(prefix="ponton-bench-move-") as work:
        archive = Path(work) / "move.tar.gz"
        t0 = time.perf_counter()
        call_command("structure_export", structure.slug, output=str(archive), stdout=sys.stderr)
        exported = time.perf_counter() - t0
        size_mb = archive.stat().st_size / 1e6
        emit(
            "structure_export_100k_s",
            round(exported, 2),
            "s",
            GOAL_S,
            entries=ENTRIES,
            files=FILES,
            archive_mb=round(size_mb, 1),
            cpu_calibration_s=calibration,
        )
        new_slug = f"moved{stamp}"
        t0 = time.perf_counter()
        call_command("structure_import", str(archive), slug=new_slug, stdout=sys.stderr)
        imported = time.perf_counter() - t0
    out = io.StringIO()
    call_command("verify_ledger", structure=new_slug, stdout=out)
    if f"{ENTRIES} écritures, chaîne intègre" not in out.getvalue():
        raise RuntimeError(f"the moved ledger does not verify: {out.getvalue()}")
    emit(
        "structure_import_100k_s",
        round(imported, 2),
        "s",
        GOAL_S,
        entries=ENTRIES,
        files=FILES,
        cpu_calibration_s=calibration,
    )
