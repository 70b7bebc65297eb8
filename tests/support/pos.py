"""Till helpers for tests: a till with a registered device, and tickets made and signed as
the device's JavaScript makes them (modules/pos/static/pos/till.js)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone
from django_tenants.utils import schema_context

from modules.pos import signing
from modules.pos.models import Till, TillDevice, TillSession
from modules.pos.services import device_register, session_open, ticket_record, till_create
from tests.support.sales import STAFF


@dataclass
class Counter:
    till: Till
    device: TillDevice
    key: str
    session: TillSession
    sequence: int = 0
    made: list = field(default_factory=list)

    def ticket(
        self,
        lines: list[dict],
        payments: list[dict],
        *,
        total: Decimal,
        customer: int | None = None,
        offline: bool = False,
        sold_at: dt.datetime | None = None,
    ) -> tuple[dict, str]:
        """The next ticket of the device (payload, signature), as till.js makes it."""
        self.sequence += 1
        payload = {
            "v": 1,
            "key": str(uuid.uuid4()),
            "till": self.till.pk,
            "device": str(self.device.uid),
            "sequence": self.sequence,
            "sold_at": (sold_at or timezone.now()).astimezone(dt.UTC).isoformat(),
            "session": self.session.pk,
            "customer": customer,
            "lines": lines,
            "payments": payments,
            "total": f"{total:.2f}",
            "offline": offline,
        }
        signed = (payload, signing.sign(self.key, payload))
        self.made.append(signed)
        return signed


def open_counter(
    *, opening_float: str = "150.00", name: str = "Accueil", till: Till | None = None
) -> Counter:
    """Inside a structure's schema: a till (`till`, or a new one), a registered device and an
    open session."""
    till = till or till_create(name=name)
    device, key = device_register(till=till, actor=STAFF, label="Tablette")
    session = session_open(till=till, opening_float=opening_float, actor=STAFF)
    return Counter(till=till, device=device, key=key, session=session)


def line(product, *, quantity: int = 1, session=None, rate=None, consumer=None) -> dict:
    return {
        "product": product.pk,
        "session": session.pk if session else None,
        "rate": rate.pk if rate else None,
        "consumer": consumer.pk if consumer else None,
        "quantity": quantity,
    }


def pay(method: str, amount: str, **cheque) -> dict:
    return {"method": method, "amount": amount, **cheque}


def in_schema(club, fn):
    """fn() inside the schema of the club's structure."""
    with schema_context(club.structure.schema_name):
        return fn()


def sell(club, lines, payments, total, **kwargs):
    """A ticket of the club's device, made and signed as till.js does, recorded by the
    service (from outside the club's schema)."""

    def record():
        payload, signature = club.counter.ticket(lines, payments, total=Decimal(total), **kwargs)
        return ticket_record(
            structure=club.structure,
            device=club.counter.device,
            payload=payload,
            signature=signature,
            actor=STAFF,
        ).ticket

    return in_schema(club, record)
