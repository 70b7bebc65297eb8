"""FEC benchmark (CO-3).

fec_year_s: the FEC of a whole year of the big structure (`tests/bench/compta_data.py`:
100,000 invoices with 150,000 lines, 200,000 payments in six methods), every journal, written
to a file exactly as the "Télécharger le FEC" view does (`compta.accounting.exports
.fec_export`); median of 3 runs. The file is checked: one entry per invoice and per payment,
continuous numbering, debit = credit overall.
"""

from __future__ import annotations

import os
import resource
import statistics
import sys
import tempfile
import time

RUNS = 3
GOAL_S = 10


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _check(path: str, *, entries: int) -> None:
    debit = credit = 0
    numbers = set()
    with open(path, encoding="iso-8859-15", newline="") as file:
        next(file)
        for record in file:
            fields = record.rstrip("\r\n").split("|")
            numbers.add(fields[2])
            debit += int(fields[11].replace(",", ""))
            credit += int(fields[12].replace(",", ""))
    if len(numbers) != entries or debit != credit:
        raise RuntimeError(f"FEC check failed: {len(numbers)} entries, {debit} != {credit}")


def bench_fec_year_s(*, env: dict[str, str], emit) -> None:
    from django_tenants.utils import schema_context

    from ponton.compta.accounting.entries import Period
    from ponton.compta.accounting.exports import fec_export
    from tests.bench.compta_data import big_structure

    big = big_structure()
    period = Period.checked(big.start, big.end)
    durations, cpu = [], []
    with schema_context(big.structure.schema_name):
        for run in range(RUNS):
            handle, path = tempfile.mkstemp(suffix=".txt")
            try:
                started, started_cpu = time.perf_counter(), time.process_time()
                with os.fdopen(handle, "wb") as out:
                    summary = fec_export(structure=big.structure, period=period, out=out)
                durations.append(time.perf_counter() - started)
                cpu.append(time.process_time() - started_cpu)
                if run == 0:
                    size = os.path.getsize(path)
                    _check(path, entries=summary.entries)
                log(
                    f"FEC #{run + 1}: {durations[-1]:.2f} s ({cpu[-1]:.2f} s CPU Python), "
                    f"{summary.entries} écritures, "
                    f"{summary.lines} lignes, {summary.name}"
                )
            finally:
                os.unlink(path)
    emit(
        "fec_year_s",
        round(statistics.median(durations), 2),
        "s",
        GOAL_S,
        python_cpu_s=round(statistics.median(cpu), 2),
        entries=summary.entries,
        lines=summary.lines,
        megabytes=round(size / 1e6, 1),
        max_rss_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        runs=RUNS,
    )
