"""The till's demo data (`ponton_demo_fill`): the demo structure's till with an earlier
session closed by a Z, and today's session open with a morning of tickets in every method, a
cash withdrawal, so that the X report and the closings history have something to show. The
tickets are made and signed as a device makes them, and recorded by the same service."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from django.utils import timezone

from modules.pos import signing
from modules.pos.models import Till, TillDevice, TillSession
from modules.pos.services import (
    cash_move,
    device_register,
    session_close,
    session_open,
    ticket_record,
    till_create,
)
from ponton.catalogue.models import Product
from ponton.selling import Actor

CASHIER = Actor(account_id=None, name="Démonstration")


def _sell(structure, till: Till, device: TillDevice, key: str, basket, payments, minutes_ago):
    product_ids = [product.pk for product, _qty in basket]
    prices = dict(Product.objects.filter(pk__in=product_ids).values_list("pk", "price"))
    total = sum((prices[product.pk] * qty for product, qty in basket), Decimal("0.00"))
    device.refresh_from_db()
    payload = {
        "v": 1,
        "key": str(uuid.uuid4()),
        "till": till.pk,
        "device": str(device.uid),
        "sequence": device.last_sequence + 1,
        "sold_at": (timezone.now() - dt.timedelta(minutes=minutes_ago))
        .astimezone(dt.UTC)
        .isoformat(),
        "session": TillSession.objects.get(till=till, closed_at__isnull=True).pk,
        "customer": None,
        "lines": [
            {"product": p.pk, "session": None, "rate": None, "consumer": None, "quantity": q}
            for p, q in basket
        ],
        "payments": [
            {"method": method, "amount": f"{amount if amount else total:.2f}", **extra}
            for method, amount, extra in payments
        ],
        "total": f"{total:.2f}",
        "offline": False,
    }
    return ticket_record(
        structure=structure,
        device=device,
        payload=payload,
        signature=signing.sign(key, payload),
        actor=CASHIER,
    ).ticket


def demo_fill(*, structure) -> int:
    """Returns the number of tickets made."""
    till = Till.objects.filter(active=True).order_by("pk").first() or till_create(
        name="Caisse principale"
    )
    device, key = device_register(till=till, actor=CASHIER, label="Comptoir de l'accueil")
    shirt = Product.objects.get(name="T-shirt de la base")
    flask = Product.objects.get(name="Gourde de la base")
    card = Product.objects.get(name="Carte 10 sorties paddle")
    # An earlier session this morning, closed with its Z (two tickets, counted exactly).
    session_open(till=till, opening_float="150.00", actor=CASHIER)
    made = [
        _sell(structure, till, device, key, [(shirt, 1)], [("cash", None, {})], 300),
        _sell(structure, till, device, key, [(flask, 2)], [("card", None, {})], 280),
    ]
    session = TillSession.objects.get(till=till, closed_at__isnull=True)
    session_close(session=session, counted={"cash": "170.00", "card": "24.00"}, actor=CASHIER)
    # Today's session, still open.
    session_open(till=till, opening_float="150.00", actor=CASHIER)
    cheque = {
        "cheque_bank": "Crédit Maritime",
        "cheque_number": "0012345",
        "cheque_issuer": "M. Le Bihan",
    }
    for basket, payments, minutes in (
        ([(shirt, 1), (flask, 1)], [("cash", Decimal("50.00"), {})], 180),
        ([(card, 1)], [("card", Decimal("150.00"), {}), ("cash", Decimal("50.00"), {})], 150),
        ([(flask, 1)], [("holiday_voucher", None, {})], 120),
        ([(shirt, 2)], [("cheque", None, cheque)], 90),
        ([(flask, 3)], [("card", None, {})], 60),
        ([(shirt, 1)], [("cash", Decimal("20.00"), {})], 30),
    ):
        made.append(_sell(structure, till, device, key, basket, payments, minutes))
    session = TillSession.objects.get(till=till, closed_at__isnull=True)
    cash_move(session=session, kind="out", amount="11.50", reason="Achat de timbres", actor=CASHIER)
    return len(made)
