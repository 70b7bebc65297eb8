"""ST-2 Statistiques financières: revenue incl. and excl. VAT by period (with last year),
product, category and site; VAT collected per rate; payments, refunds and net by method;
credit notes and refunds by period; what customers owe today, by age.

Everything is computed by grouped SQL (`ponton.stats.selectors.sql` for what the ORM cannot
say): one query for the document lines of the period, one for last year's, one for the
payments, one for the credit notes, one for what is owed. Python merges grouped rows only.
Revenue agrees to the cent with the documents and with the ledger's sales effects; the net
received by method with the ledger's payment effects (tests/platform/stats)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from django.db.models import Count, DateField, Sum
from django.db.models.functions import Trunc
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ponton.billing.models import Payment
from ponton.stats.models import RevenueSummary
from ponton.stats.periods import Period, local_midnight
from ponton.stats.selectors import sql
from ponton.stats.selectors.common import (
    Filters,
    category_labels,
    product_names,
    rate_percent,
    site_names,
)

ZERO = Decimal("0.00")
AGES = (
    gettext_lazy("Non échu"),
    gettext_lazy("0 à 30 jours"),
    gettext_lazy("31 à 60 jours"),
    gettext_lazy("61 à 90 jours"),
    gettext_lazy("Plus de 90 jours"),
)


@dataclass
class Revenue:
    quantity: int = 0
    ttc: Decimal = ZERO
    ht: Decimal = ZERO

    @property
    def vat(self) -> Decimal:
        return self.ttc - self.ht

    def add(self, quantity: int, ttc: Decimal, ht: Decimal) -> None:
        self.quantity += quantity
        self.ttc += ttc
        self.ht += ht


@dataclass
class RevenueRow:
    key: object
    label: str
    figures: Revenue = field(default_factory=Revenue)
    previous_ttc: Decimal | None = None  # rows by period: the same bucket last year
    share: Decimal | None = None  # percent of the period's revenue TTC

    @property
    def change(self) -> Decimal | None:
        """Change of the revenue TTC against last year, in percent."""
        if not self.previous_ttc:
            return None
        return rate_percent(self.figures.ttc - self.previous_ttc, self.previous_ttc)


@dataclass
class VatRow:
    rate: Decimal
    base: Decimal
    vat: Decimal
    ttc: Decimal


@dataclass
class MethodRow:
    method: str
    label: str
    payments: Decimal = ZERO
    refunds: Decimal = ZERO
    count: int = 0

    @property
    def net(self) -> Decimal:
        return self.payments - self.refunds


@dataclass
class RefundRow:
    key: dt.date
    label: str
    credit_notes: int = 0
    credited: Decimal = ZERO  # credit notes issued, TTC
    refunded: Decimal = ZERO  # money paid back, every method


@dataclass
class AgeRow:
    label: str
    documents: int
    due: Decimal


@dataclass
class FinanceStatistics:
    period: Period
    total: Revenue
    previous_ttc: Decimal
    by_period: list[RevenueRow]
    by_product: list[RevenueRow]
    by_category: list[RevenueRow]
    by_site: list[RevenueRow]
    vat: list[VatRow]
    by_method: list[MethodRow]
    refunds: list[RefundRow]
    outstanding: list[AgeRow]

    @property
    def empty(self) -> bool:
        """Nothing sold, credited or received in the period."""
        return (
            not self.by_product
            and not self.by_method
            and not any(row.credit_notes for row in self.refunds)
        )

    @property
    def outstanding_total(self) -> Decimal:
        return sum((row.due for row in self.outstanding), ZERO)


# The grouped queries sort and hash a year of lines or payments (150,000 / 200,000 rows at the
# benchmark's size): with PostgreSQL's default 4 MB they spill to disk and take twice as long.
# Raised for their transaction only (docs/adr/0018).
WORK_MEM = "64MB"


@contextmanager
def _report_cursor() -> Iterator[CursorWrapper]:
    """A cursor in a transaction whose sorts and hashes may use WORK_MEM."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('work_mem', %s, true)", [WORK_MEM])
        yield cursor


def _params(period: Period, filters: Filters) -> dict:
    return {
        "grouping": period.grouping,
        "zone": timezone.get_current_timezone_name(),
        "since": period.since,
        "until": period.until,
        "site_id": filters.site_id,
        "product_id": filters.product_id,
        "category_ids": filters.category_ids(),
    }


def summarized_until() -> dt.date | None:
    """Every day before this one is in the revenue summary (None: no day is)."""
    return RevenueSummary.objects.values_list("until", flat=True).first()


def _ranges(period: Period) -> dict:
    """The summarized days of the period, and the live rest (as moments)."""
    until = summarized_until()
    end = period.end + dt.timedelta(days=1)  # exclusive
    summary_to = min(end, until) if until is not None else period.start
    summary_to = max(summary_to, period.start)
    return {
        "summary_from": period.start,
        "summary_to": summary_to,
        "live_since": local_midnight(summary_to),
        "live_until": local_midnight(end),
    }


def line_cube(*, period: Period, filters: Filters) -> list[tuple]:
    """(bucket, product id, site id, category id, VAT rate, quantity, TTC, HT) per group of
    the revenue lines of the period (credit notes negative): summarized days from the
    summary, the others from the documents."""
    ranges = _ranges(period)
    query = sql.line_cube_sql(
        site=filters.site_id is not None,
        product=filters.product_id is not None,
        categories=filters.category_id is not None,
        live=ranges["live_since"] < ranges["live_until"],
    )
    with _report_cursor() as cursor:
        cursor.execute(query, _params(period, filters) | ranges)
        return cursor.fetchall()


def _rows(figures: dict, labels: dict, total_ttc: Decimal) -> list[RevenueRow]:
    rows = [
        RevenueRow(key=key, label=labels[key], figures=f, share=rate_percent(f.ttc, total_ttc))
        for key, f in figures.items()
    ]
    return sorted(rows, key=lambda row: (-row.figures.ttc, row.label))


def _payments(period: Period) -> tuple[list[MethodRow], dict[dt.date, Decimal]]:
    """Payments and refunds received in the period (by their date), by method; refunds by
    bucket."""
    rows = (
        Payment.objects.filter(received_on__gte=period.start, received_on__lte=period.end)
        .annotate(bucket=Trunc("received_on", period.grouping, output_field=DateField()))
        .values_list("bucket", "method", "kind")
        .annotate(amount=Sum("amount"), count=Count("pk"))
        .order_by()
    )
    labels = dict(Payment.Method.choices)
    methods: dict[str, MethodRow] = {}
    refunds: dict[dt.date, Decimal] = {}
    for bucket, method, kind, amount, count in rows:
        row = methods.setdefault(method, MethodRow(method=method, label=str(labels[method])))
        row.count += count
        if kind == Payment.Kind.PAYMENT:
            row.payments += amount
        else:
            row.refunds += amount
            refunds[bucket] = refunds.get(bucket, ZERO) + amount
    order = list(labels)
    return sorted(methods.values(), key=lambda r: order.index(r.method)), refunds


def _credit_notes(period: Period) -> dict[dt.date, tuple[int, Decimal]]:
    with _report_cursor() as cursor:
        cursor.execute(sql.credit_notes_sql(), _params(period, Filters()))
        return {bucket: (count, total) for bucket, count, total in cursor.fetchall()}


def outstanding_by_age(*, today: dt.date | None = None) -> list[AgeRow]:
    """What customers owe today (reste dû), by days past the due date of the invoices and
    receipts it comes from. The total is the sum of the orders' positive balances
    (`ponton.billing.selectors.order_balance`)."""
    with _report_cursor() as cursor:
        cursor.execute(sql.outstanding_sql(), {"today": today or timezone.localdate()})
        found = {age: (count, due) for age, count, due in cursor.fetchall()}
    return [
        AgeRow(label=str(label), documents=count, due=due)
        for age, label in enumerate(AGES)
        for count, due in [found.get(age, (0, ZERO))]
        if age or age in found  # "non échu" only when something is not due yet
    ]


def finance_statistics(
    *,
    period: Period,
    filters: Filters | None = None,
    today: dt.date | None = None,
    with_outstanding: bool = True,
) -> FinanceStatistics:
    """ST-2: the figures of the period (filters narrow the revenue tables; payments, refunds
    and what is owed concern whole documents and are not narrowed by product or site), and
    what is owed `today` whatever the period (`with_outstanding`)."""
    filters = filters or Filters()
    by_bucket: dict[dt.date, Revenue] = {}
    by_product: dict[int | None, Revenue] = {}
    by_category: dict[int | None, Revenue] = {}
    by_site: dict[int | None, Revenue] = {}
    vat: dict[Decimal, Revenue] = {}
    total = Revenue()
    for bucket, product_id, site_id, category_id, rate, quantity, ttc, ht in line_cube(
        period=period, filters=filters
    ):
        for group in (
            by_bucket.setdefault(bucket, Revenue()),
            by_product.setdefault(product_id, Revenue()),
            by_category.setdefault(category_id, Revenue()),
            by_site.setdefault(site_id, Revenue()),
            vat.setdefault(rate, Revenue()),
            total,
        ):
            group.add(quantity, ttc, ht)
    previous: dict[dt.date, Decimal] = {}
    previous_period = period.previous()
    for row in line_cube(period=previous_period, filters=filters):
        bucket = period.to_current(row[0])
        previous[bucket] = previous.get(bucket, ZERO) + row[6]
    methods, refunded = _payments(period)
    credit_notes = _credit_notes(period)
    return FinanceStatistics(
        period=period,
        total=total,
        previous_ttc=sum(previous.values(), ZERO),
        by_period=[
            RevenueRow(
                key=bucket,
                label=period.label(bucket),
                figures=by_bucket.get(bucket, Revenue()),
                previous_ttc=previous.get(bucket, ZERO),
            )
            for bucket in period.buckets()
        ],
        by_product=_rows(
            by_product, product_names(by_product, none_label=_("Lignes libres")), total.ttc
        ),
        by_category=_rows(by_category, category_labels(), total.ttc),
        by_site=_rows(by_site, site_names(by_site), total.ttc),
        vat=[VatRow(rate=rate, base=f.ht, vat=f.vat, ttc=f.ttc) for rate, f in sorted(vat.items())],
        by_method=methods,
        refunds=[
            RefundRow(
                key=bucket,
                label=period.label(bucket),
                credit_notes=credit_notes.get(bucket, (0, ZERO))[0],
                credited=credit_notes.get(bucket, (0, ZERO))[1],
                refunded=refunded.get(bucket, ZERO),
            )
            for bucket in period.buckets()
        ],
        outstanding=outstanding_by_age(today=today) if with_outstanding else [],
    )
