"""Numbers per structure, series and year, without gaps (OR-11).

One statement takes the next number: INSERT … ON CONFLICT DO UPDATE … RETURNING. The
counter row stays locked until the caller's transaction ends, so two documents issued in
parallel get consecutive numbers, and a transaction that fails gives its number back (its
increment is rolled back with it): no gap, no duplicate."""

from __future__ import annotations

from django.db import connection, transaction

from ponton.billing.models import Counter

SERIES: dict[str, str] = {
    Counter.Series.INVOICE: "FA",
    Counter.Series.CREDIT_NOTE: "AV",
    Counter.Series.RECEIPT: "RE",
    Counter.Series.ORDER: "CO",
    Counter.Series.QUOTE: "DE",
}


def next_number(*, series: str, year: int) -> str:
    return next_numbers(series, year=year)[0]


def next_numbers(*series: str, year: int) -> list[str]:
    """The next number of each series, in one statement (a complete sale takes its order's and
    its invoice's together, as late as it can: the rows stay locked until commit)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("a number is taken inside the transaction that uses it")
    if not series or len(set(series)) != len(series):
        raise ValueError("one number per series at a time")
    table = connection.ops.quote_name(Counter._meta.db_table)
    values = ", ".join(["(%s, %s, 1)"] * len(series))
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {table} (series, year, last) VALUES {values} "  # noqa: S608 - quoted name
            f"ON CONFLICT (series, year) DO UPDATE SET last = {table}.last + 1 "
            "RETURNING series, last",
            [value for name in series for value in (name, year)],
        )
        taken = dict(cur.fetchall())
    return [f"{SERIES[name]}-{year}-{taken[name]:05d}" for name in series]
