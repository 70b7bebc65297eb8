"""A small, dated data set for the statistics (ST-1, ST-2; tests/platform/stats, tests/e2e),
sold through the public selling services with the clock set to each day of the story
(django.utils.timezone.now patched, so documents, payments and ledger entries carry those
dates).

March 2025 (last year): one Stage catamaran session (10 seats), 4 adult seats invoiced 720 €,
paid by card.

2 March 2026 (three sessions: catamaran 15/03 10 seats at the port, paddle 20/03 20 seats on
the beach, catamaran 10/04 8 seats at the port):
- o1 Claire: 3 adult catamaran seats (540), a T-shirt (10) and a cap (10) on one invoice of
  560 € (its VAT base, 466,67 €, is not the sum of the lines' own roundings); paid cheque 300 +
  card 260.
- o2 Marc: 2 child catamaran seats (300) and 5 paddle seats (150): invoice 450 €, 100 € cash.
- a quote of Claire for 2 seats on 10/04: takes no seat, counts for nothing.
- o5 Claire: 2 paddle seats (60) invoiced, paid cash.

5 April 2026:
- o4 Marc: 1 adult seat on 10/04, purchase receipt 180 € paid by card, then its invoice (the
  sale counts once).
- o5 cancelled: credit note 60 €, refunded cash.
- o6 Marc: a free line "Livre des marées" 21,10 € at 5,5 %, invoiced, unpaid.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from ponton.billing.models import Document
from ponton.billing.services import receipt_issue
from ponton.catalogue.models import Category, Product
from ponton.catalogue.services import rate_add, site_create, stock_pool_create
from ponton.customers.services import customer_create
from ponton.planning.services import session_add
from ponton.selling import services as selling
from ponton.selling.services import LineRequest, PaymentData
from tests.support.sales import STAFF, published

PARIS = ZoneInfo("Europe/Paris")


def at(year: int, month: int, day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=PARIS)


@dataclass
class Clock:
    monkeypatch: pytest.MonkeyPatch

    def set(self, moment: dt.datetime) -> None:
        self.monkeypatch.setattr(timezone, "now", lambda: moment.astimezone(dt.UTC))


def _category(domain: str, name: str) -> Category:
    return Category.objects.get(parent__name=domain, name=name)


def pay(document: Document, amount: str, method: str, kind: str = "payment", **extra):
    return selling.pay(
        document=document,
        data=PaymentData(kind=kind, method=method, amount=Decimal(amount), **extra),
        actor=STAFF,
    )


def _sell(structure, payer, lines, *, quote=False):
    return selling.order_place(payer=payer, lines=lines, actor=STAFF, quote=quote)


def _invoice(structure, order):
    ids = list(order.lines.values_list("pk", flat=True))
    return selling.invoice(structure=structure, order=order, line_ids=ids, actor=STAFF)


def build_story(structure, clock: Clock) -> SimpleNamespace:
    """The data set of the module docstring, in the structure's schema (the caller's)."""
    d = SimpleNamespace(structure=structure)
    clock.set(at(2025, 3, 1))
    d.port = site_create(name="Port du Moulin Blanc")
    d.beach = site_create(name="Plage du Trez")
    d.catamaran = published(
        Product.Kind.ACTIVITY,
        name="Stage catamaran",
        price=Decimal("180.00"),
        category=_category("Sport", "Voile"),
        site=d.port,
    )
    d.adult = rate_add(product=d.catamaran, name="Adulte", amount=Decimal("180.00"))
    d.child = rate_add(product=d.catamaran, name="Enfant", amount=Decimal("150.00"))
    d.paddle = published(
        Product.Kind.ACTIVITY,
        name="Location paddle",
        price=Decimal("30.00"),
        category=_category("Sport", "Nautisme"),
        site=d.beach,
    )
    clothes = _category("Boutique", "Vêtements")
    d.tshirt = published(
        Product.Kind.SHOP_ITEM,
        name="T-shirt",
        price=Decimal("10.00"),
        category=clothes,
        stock_pool=stock_pool_create(name="T-shirts", quantity=50),
    )
    d.cap = published(
        Product.Kind.SHOP_ITEM,
        name="Casquette",
        price=Decimal("10.00"),
        category=clothes,
        stock_pool=stock_pool_create(name="Casquettes", quantity=50),
    )
    d.claire = customer_create(first_name="Claire", last_name="Le Goff", email="claire@exemple.fr")
    d.marc = customer_create(first_name="Marc", last_name="Kerouac", email="marc@exemple.fr")

    def session(product, start, capacity, site):
        return session_add(
            product=product,
            starts_at=start,
            ends_at=start + dt.timedelta(hours=3),
            capacity=capacity,
            site=site,
        )

    # Last year.
    d.last_year = session(d.catamaran, at(2025, 3, 15), 10, d.port)
    p1 = _sell(structure, d.claire, [LineRequest(d.catamaran, d.last_year, d.adult, quantity=4)])
    pay(_invoice(structure, p1), "720.00", "card")

    # This year.
    clock.set(at(2026, 3, 2))
    d.march = session(d.catamaran, at(2026, 3, 15), 10, d.port)
    d.paddle_day = session(d.paddle, at(2026, 3, 20, 14), 20, d.beach)
    d.april = session(d.catamaran, at(2026, 4, 10), 8, d.port)
    o1 = _sell(
        structure,
        d.claire,
        [
            LineRequest(d.catamaran, d.march, d.adult, quantity=3),
            LineRequest(d.tshirt, quantity=1),
            LineRequest(d.cap, quantity=1),
        ],
    )
    d.o1_invoice = _invoice(structure, o1)
    pay(
        d.o1_invoice,
        "300.00",
        "cheque",
        cheque_bank="Crédit Maritime",
        cheque_number="0001234",
        cheque_issuer="Claire Le Goff",
    )
    pay(d.o1_invoice, "260.00", "card")
    o2 = _sell(
        structure,
        d.marc,
        [
            LineRequest(d.catamaran, d.march, d.child, quantity=2),
            LineRequest(d.paddle, d.paddle_day, quantity=5),
        ],
    )
    d.o2_invoice = _invoice(structure, o2)
    pay(d.o2_invoice, "100.00", "cash")
    _sell(structure, d.claire, [LineRequest(d.catamaran, d.april, d.adult, quantity=2)], quote=True)
    o5 = _sell(structure, d.claire, [LineRequest(d.paddle, d.paddle_day, quantity=2)])
    o5_invoice = _invoice(structure, o5)
    pay(o5_invoice, "60.00", "cash")

    clock.set(at(2026, 4, 5, 11))
    o4 = _sell(structure, d.marc, [LineRequest(d.catamaran, d.april, d.adult, quantity=1)])
    d.receipt = receipt_issue(
        structure=structure, order=o4, line_ids=[o4.lines.get().pk], actor=STAFF
    )
    pay(d.receipt, "180.00", "card")
    d.receipt_invoice = selling.receipt_to_invoice(
        structure=structure, receipt=d.receipt, actor=STAFF
    )
    d.credit_note = selling.line_cancel(structure=structure, line=o5.lines.get(), actor=STAFF)
    pay(d.credit_note, "60.00", "cash", kind="refund")
    o6 = _sell(
        structure,
        d.marc,
        [
            LineRequest(
                label="Livre des marées",
                unit_price=Decimal("21.10"),
                vat_rate=Decimal("5.5"),
                accounting_code="707000",
            )
        ],
    )
    d.o6_invoice = _invoice(structure, o6)
    return d
