"""B2C e-reporting (CO-5): what the 2027 e-invoicing reform asks a VAT-registered seller to
report of its sales to private persons, computed from the ledger (reads only).

The DGFiP's flow 10.3 ("transactions B2C agrégées", external specifications) reports, per day
(TT-77) and currency (TT-78, EUR), per transaction category (TT-81: TLB1 supplies of goods,
TPS1 supplies of services subject to VAT), the total excluding VAT (TT-82), the VAT (TT-83),
the number of transactions (TT-85) and, per VAT rate (TG-32), the rate (TT-86), the taxable
amount (TT-87) and the VAT (TT-88). Sales exempt under articles 261 to 261 E of the CGI are out
of the reform's scope, and a seller in franchise en base (art. 293 B) charges no VAT: both are
given apart ("exempt"), never inside TLB1/TPS1.

Source: the ledger entries of issued invoices, purchase receipts (the till's tickets issue one
each) and credit notes (negative). An invoice issued from a purchase receipt is skipped (the
receipt counted the sale; the ledger gives it no sales effect either). B2B documents, whose
frozen customer has a company SIREN or VAT number, are excluded. Shop items are goods;
activities, tickets, memberships and free lines are services. Entries written before CO-4
carry neither the product kind nor the exemption of their lines: their lines count as services,
and their 0 % lines as exempt only for a seller without VAT number (the franchise, as their
Factur-X XML says). docs/adr/0017-vat-exemptions.md.

Amounts are exactly the documents': a rate's taxable amount and VAT are the document's own
(`Document.vat`, rounded once per rate); when goods and services share a rate, the goods part
is computed like a rate of its own and the services get the rest, so the parts add up to the
document to the cent."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from ponton.billing.facturx_cii import line_exemption
from ponton.billing.money import ZERO, cents
from ponton.catalogue import vat
from ponton.catalogue.models import Product
from ponton.ledger.models import LedgerEntry

GOODS = "TLB1"  # livraisons de biens soumises à la TVA
SERVICES = "TPS1"  # prestations de services soumises à la TVA
CURRENCY = "EUR"
MAX_DAYS = 366
SOURCES = (LedgerEntry.Kind.INVOICE, LedgerEntry.Kind.RECEIPT, LedgerEntry.Kind.CREDIT_NOTE)


class EReportingError(ValueError):
    """A refused period, with a French message."""


@dataclass(frozen=True)
class RateTotal:
    """TG-32: one VAT rate of a category and day."""

    rate: Decimal  # TT-86
    taxable: Decimal  # TT-87, HT
    tax: Decimal  # TT-88

    @property
    def total(self) -> Decimal:
        return self.taxable + self.tax


@dataclass(frozen=True)
class CategoryTotal:
    """TG-31: the B2C transactions of one day and category (TLB1 or TPS1)."""

    category: str  # TT-81
    transactions: int  # TT-85
    rates: tuple[RateTotal, ...]  # by rate

    @property
    def taxable(self) -> Decimal:  # TT-82
        return sum((r.taxable for r in self.rates), ZERO)

    @property
    def tax(self) -> Decimal:  # TT-83
        return sum((r.tax for r in self.rates), ZERO)

    @property
    def total(self) -> Decimal:
        return self.taxable + self.tax


@dataclass(frozen=True)
class ExemptTotal:
    """Sales of one day and exemption reason, without VAT (out of the flow, given apart)."""

    reason: str  # the key of `ponton.catalogue.vat`
    transactions: int
    amount: Decimal

    @property
    def mention(self) -> str:
        found = vat.rule(self.reason)
        return found.mention if found else ""

    @property
    def vatex(self) -> str:
        found = vat.rule(self.reason)
        return found.vatex if found else ""


@dataclass(frozen=True)
class EReportingDay:
    """One day (TT-77) of B2C sales: its transactions, its categories, its exempt sales."""

    day: dt.date
    transactions: int  # B2C documents of the day (credit notes included)
    credit_notes: int
    categories: tuple[CategoryTotal, ...]  # TLB1 then TPS1, those with sales
    exempt: tuple[ExemptTotal, ...]  # by reason
    currency: str = CURRENCY  # TT-78

    @property
    def taxable(self) -> Decimal:
        return sum((c.taxable for c in self.categories), ZERO)

    @property
    def tax(self) -> Decimal:
        return sum((c.tax for c in self.categories), ZERO)

    @property
    def exempt_amount(self) -> Decimal:
        return sum((e.amount for e in self.exempt), ZERO)

    @property
    def total(self) -> Decimal:
        """Everything sold to private persons that day, VAT included, exempt sales too."""
        return self.taxable + self.tax + self.exempt_amount


def check_period(*, start: dt.date, end: dt.date) -> None:
    if start > end:
        raise EReportingError(_("La date de début doit précéder la date de fin."))
    if (end - start).days + 1 > MAX_DAYS:
        raise EReportingError(
            _("La période ne peut pas dépasser un an (%(days)s jours).") % {"days": MAX_DAYS}
        )


def is_business(customer: dict) -> bool:
    """A customer snapshot of a company (B2B): with a SIREN or a VAT number."""
    return bool(customer.get("siren") or customer.get("vat_number"))


@dataclass
class _Day:
    documents: set[str] = field(default_factory=set)
    credit_notes: set[str] = field(default_factory=set)
    in_category: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    amounts: dict[tuple[str, Decimal], list[Decimal]] = field(
        default_factory=lambda: defaultdict(lambda: [ZERO, ZERO])
    )
    exempt_documents: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    exempt_amounts: dict[str, Decimal] = field(default_factory=lambda: defaultdict(lambda: ZERO))


def _issued_day(payload: dict) -> dt.date | None:
    moment = parse_datetime(str(payload.get("issued_at") or ""))
    return timezone.localdate(moment) if moment is not None else None


def _add_document(day: _Day, kind: str, payload: dict) -> None:
    number = payload["number"]
    sign = Decimal(-1) if kind == LedgerEntry.Kind.CREDIT_NOTE else Decimal(1)
    seller = payload.get("seller") or {}
    taxed: dict[Decimal, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for line in payload.get("lines") or []:
        rate = Decimal(line["vat_rate"])
        total = Decimal(line["total"])
        reason = line_exemption(rate=rate, exemption=line.get("vat_exemption", ""), seller=seller)
        if reason:
            day.exempt_amounts[reason] += sign * total
            day.exempt_documents[reason].add(number)
            continue
        category = GOODS if line.get("product_kind") == Product.Kind.SHOP_ITEM else SERVICES
        taxed[rate.quantize(Decimal("0.01"))][category] += total
    for row in payload.get("vat") or []:
        rate = Decimal(row["rate"]).quantize(Decimal("0.01"))
        parts = {category: amount for category, amount in taxed.get(rate, {}).items() if amount}
        if not parts:
            continue
        base = Decimal(row["base"]) - sum(_exempt_at(payload, seller, rate), ZERO)
        tax = Decimal(row["vat"])
        for category, (part_base, part_tax) in _split(parts, base=base, tax=tax, rate=rate):
            amounts = day.amounts[(category, rate)]
            amounts[0] += sign * part_base
            amounts[1] += sign * part_tax
            day.in_category[category].add(number)
    day.documents.add(number)
    if kind == LedgerEntry.Kind.CREDIT_NOTE:
        day.credit_notes.add(number)


def _exempt_at(payload: dict, seller: dict, rate: Decimal) -> list[Decimal]:
    """The totals of the exempt lines at `rate` (only 0 %), inside the document's row."""
    return [
        Decimal(line["total"])
        for line in payload.get("lines") or []
        if Decimal(line["vat_rate"]).quantize(Decimal("0.01")) == rate
        and line_exemption(
            rate=Decimal(line["vat_rate"]),
            exemption=line.get("vat_exemption", ""),
            seller=seller,
        )
    ]


def _split(
    parts: dict[str, Decimal], *, base: Decimal, tax: Decimal, rate: Decimal
) -> list[tuple[str, tuple[Decimal, Decimal]]]:
    """A document's base and VAT at one rate shared between goods and services: the goods
    part rounded like a rate of its own, the services the rest (they add up exactly)."""
    if len(parts) == 1:
        ((category, _total),) = parts.items()
        return [(category, (base, tax))]
    goods_total = parts[GOODS]
    goods_base = cents(goods_total / (1 + rate / 100))
    goods_tax = goods_total - goods_base
    return [(GOODS, (goods_base, goods_tax)), (SERVICES, (base - goods_base, tax - goods_tax))]


def _entries(*, start: dt.date, end: dt.date):
    """The sales documents' entries recorded around the period (a document's entry is
    recorded in the transaction that issues it: a day of margin each side)."""
    tz = timezone.get_current_timezone()
    since = dt.datetime.combine(start - dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    until = dt.datetime.combine(end + dt.timedelta(days=2), dt.time.min, tzinfo=tz)
    return (
        LedgerEntry.objects.filter(kind__in=SOURCES, recorded_at__gte=since, recorded_at__lt=until)
        .order_by("position")
        .values_list("kind", "payload")
        .iterator(chunk_size=2000)
    )


def ereporting_days(*, start: dt.date, end: dt.date) -> list[EReportingDay]:
    """CO-5: the B2C sales of each day of [start, end] that has any, from the ledger."""
    check_period(start=start, end=end)
    days: dict[dt.date, _Day] = defaultdict(_Day)
    for kind, payload in _entries(start=start, end=end):
        if kind == LedgerEntry.Kind.INVOICE and payload.get("receipt"):
            continue  # issued from a purchase receipt, which counted the sale
        if is_business(payload.get("customer") or {}):
            continue
        issued = _issued_day(payload)
        if issued is None or not start <= issued <= end:
            continue
        _add_document(days[issued], kind, payload)
    return [_report(day, days[day]) for day in sorted(days)]


def _report(day: dt.date, data: _Day) -> EReportingDay:
    categories = []
    for category in (GOODS, SERVICES):
        rates = tuple(
            RateTotal(rate=rate, taxable=amounts[0], tax=amounts[1])
            for (name, rate), amounts in sorted(data.amounts.items(), key=lambda i: -i[0][1])
            if name == category
        )
        if rates:
            categories.append(CategoryTotal(category, len(data.in_category[category]), rates))
    exempt = tuple(
        ExemptTotal(reason, len(data.exempt_documents[reason]), amount)
        for reason, amount in sorted(data.exempt_amounts.items())
    )
    return EReportingDay(
        day=day,
        transactions=len(data.documents),
        credit_notes=len(data.credit_notes),
        categories=tuple(categories),
        exempt=exempt,
    )
