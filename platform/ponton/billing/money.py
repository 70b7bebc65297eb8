"""Money rules (architecture: "Money, documents, integrity").

Prices are entered tax-included (French B2C). A document's VAT is computed per rate on the
sum of its lines at that rate, never line by line: base = total / (1 + rate), rounded half
up to the cent; VAT = total − base. So the bases and VAT amounts of a document always add
up exactly to its total, and one cent of rounding can only appear once per rate."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.formats import number_format

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class VatLine:
    rate: Decimal
    base: Decimal
    vat: Decimal
    total: Decimal


def vat_breakdown(lines: Iterable[tuple[Decimal, Decimal]]) -> list[VatLine]:
    """(tax-included amount, VAT rate in %) pairs -> one VatLine per rate, by rate."""
    totals: dict[Decimal, Decimal] = {}
    for amount, rate in lines:
        key = Decimal(rate).quantize(CENT)
        totals[key] = totals.get(key, ZERO) + amount
    result = []
    for rate in sorted(totals):
        total = cents(totals[rate])
        base = cents(total / (1 + rate / 100))
        result.append(VatLine(rate=rate, base=base, vat=total - base, total=total))
    return result


def percent_of(amount: Decimal, percent: Decimal) -> Decimal:
    return cents(amount * percent / 100)


def money(value: Decimal) -> str:
    """An amount for a message, in the reader's language: "1 234,50" in French (the "€" is
    in the message itself)."""
    return number_format(value, decimal_pos=2, use_l10n=True, force_grouping=True)
