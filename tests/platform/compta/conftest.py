"""Cheques to deposit (CO-1): a structure with bank details, invoices paid by cheque."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from ponton.billing import services as billing
from ponton.billing.models import Document, Payment
from ponton.billing.services import PaymentData
from ponton.sales import services as sales
from ponton.sales.services import LineRequest
from tests.support.sales import STAFF, make_shop

BANK = {
    "legal_name": "Association Club Nautique de Kerlouan",
    "siret": "12345678900011",
    "address_line1": "1 quai des Voiles",
    "postal_code": "29890",
    "city": "Kerlouan",
    "bank_account_holder": "Club Nautique de Kerlouan",
    "iban": "FR7630006000011234567890189",
    "bic": "AGRIFRPP",
}


def invoice_for(shop, *, price: str = "180.00") -> Document:
    """An invoice of one free line at `price` (a new order each time)."""
    order = sales.order_create(
        payer=shop.payer,
        lines=[
            LineRequest(label="Stage catamaran", unit_price=Decimal(price), vat_rate=Decimal(20))
        ],
        actor=STAFF,
    )
    return billing.invoice_issue(
        structure=shop.structure,
        order=order,
        line_ids=list(order.lines.values_list("pk", flat=True)),
        actor=STAFF,
    )


def pay_by_cheque(
    document: Document,
    amount: str,
    *,
    number: str,
    bank: str = "Crédit Maritime",
    issuer: str = "Claire Le Goff",
    received_on: dt.date | None = None,
) -> Payment:
    return billing.payment_record(
        document=document,
        data=PaymentData(
            kind=Payment.Kind.PAYMENT,
            method=Payment.Method.CHEQUE,
            amount=Decimal(amount),
            received_on=received_on,
            cheque_bank=bank,
            cheque_number=number,
            cheque_issuer=issuer,
        ),
        actor=STAFF,
    )


def refund(document: Document, amount: str, method: str = Payment.Method.CHEQUE) -> Payment:
    return billing.payment_record(
        document=document,
        data=PaymentData(kind=Payment.Kind.REFUND, method=method, amount=Decimal(amount)),
        actor=STAFF,
    )


@pytest.fixture
def club(make_structure):
    return make_structure(name="Club Nautique", **BANK)


@pytest.fixture
def shop(club):
    structure, owner = club
    with schema_context(structure.schema_name):
        shop = make_shop()
        shop.structure = structure
        shop.owner = owner
        yield shop
