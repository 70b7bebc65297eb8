"""The demo structure's past: two years of sessions and sales, so that every list, chart
and export of Compta and Statistiques shows something real on a fresh `make run`.

Everything goes through the product's own services (planning, selling, billing, ledger), each
step run at the moment it would have happened: `time_machine` moves the clock of this process
to that day for the step. The ledger is written in order of time, since the past is filled
before any of today's sales; invoice numbers follow each year's series.

What there is, week by week (more in summer, like a real sailing base):
- a Saturday paddle outing, a Thursday guided visit and, from April to October, a Monday
  catamaran course, each with a few buyers from a pool of thirty customers;
- payments in every method (cash, cheque with its bank, number and issuer, card, holiday
  vouchers, transfer, online card), some orders still partly unpaid (for the outstanding
  balance and its ageing), a few cancelled lines refunded (credit notes and refunds);
- T-shirts sold at the counter, now and then.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import time_machine
from django.utils import timezone

from ponton.catalogue.models import Product
from ponton.customers.services import customer_create
from ponton.planning.services import sessions_add_recurrence
from ponton.sales.models import OrderLine

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
MONTHS = 26
FIRST_NAMES = (
    "Anne Bruno Céline Denis Élodie Fabien Gaëlle Hervé Isabelle Julien Katell Loïc Maëlle "
    "Nicolas Océane Pierre Quentin Rozenn Sébastien Tifenn Ulysse Valérie Wenceslas Xavier "
    "Yannick Zoé Armelle Brieuc Corentin Soizic"
).split()
LAST_NAMES = (
    "Le Bihan,Tanguy,Quéméner,Guillou,Le Roux,Morvan,Jaouen,Cariou,Le Meur,Salaün,Abgrall,"
    "Hamon,Le Floch,Prigent,Bourhis,Calvez,Le Guen,Le Corre,Kervella,Pennec,Le Gall,Caroff,"
    "Riou,Guéguen,Le Bris,Madec,Nédélec,Olier,Paugam,Stéphan"
).split(",")
BANKS = ("Crédit Maritime", "Crédit Mutuel de Bretagne", "Banque Populaire Grand Ouest", "CIC")
METHODS = ("card", "cheque", "cash", "card", "holiday_voucher", "transfer", "online_card")


@dataclass
class _Counts:
    sessions: int = 0
    orders: int = 0
    credit_notes: int = 0
    unpaid: int = 0


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=PARIS)


def _season_buyers(day: dt.date, base: int) -> int:
    """Buyers per session: many in July and August, some in spring and autumn, few in winter."""
    if day.month in (7, 8):
        return base + 3
    if day.month in (4, 5, 6, 9):
        return base + 1
    return max(1, base - 1)


def fill_demo_history(
    *, structure, stage: Product, paddle: Product, visite: Product, shirt: Product, today=None
) -> dict[str, int]:
    """Fill the demo structure's past (see the module's docstring); returns what was made."""
    today = today or timezone.localdate()
    customers = []
    with time_machine.travel(_at(today - dt.timedelta(days=31 * MONTHS + 14), 9), tick=False):
        for i, (first, last) in enumerate(zip(FIRST_NAMES, LAST_NAMES, strict=True)):
            customers.append(
                customer_create(
                    first_name=first,
                    last_name=last,
                    email=f"{first.lower()}.{i}@clients.demo.ponton.test",
                    mobile=f"+3366{i:07d}",
                )
            )
    counts = _Counts()
    first_monday = today - dt.timedelta(days=31 * MONTHS)
    first_monday -= dt.timedelta(days=first_monday.weekday())
    sale = 0
    monday = first_monday
    while monday + dt.timedelta(days=7) <= today - dt.timedelta(days=today.weekday()):
        # The week is planned on the Monday before, at 8 a.m.
        with time_machine.travel(_at(monday - dt.timedelta(days=7), 8), tick=False):
            week = _plan_week(monday=monday, stage=stage, paddle=paddle, visite=visite)
        counts.sessions += len(week)
        # Each buyer buys two days before the session, in the afternoon; the week's sales are
        # made in order of time, so the ledger is too.
        sales: list[tuple[dt.datetime, Any]] = []
        for session in week:
            buyers = _season_buyers(session.starts_at.date(), 2 if session.product == paddle else 1)
            for _n in range(buyers):
                moment = timezone.localtime(session.starts_at) - dt.timedelta(days=2)
                sales.append((moment.replace(hour=15 + (sale + len(sales)) % 4), session))
        for moment, session in sorted(sales, key=lambda s: (s[0], s[1].pk)):
            payer = customers[(sale * 7) % len(customers)]
            with time_machine.travel(moment, tick=False):
                _sell(structure=structure, session=session, payer=payer, n=sale, counts=counts)
                if sale % 40 == 4:
                    _sell_shirts(structure=structure, shirt=shirt, payer=payer, n=sale)
                    counts.orders += 1
            sale += 1
        monday += dt.timedelta(days=7)
    deposits = _deposit_cheques(structure=structure, today=today)
    return {
        "deposits": deposits,
        "sessions": counts.sessions,
        "orders": counts.orders,
        "credit_notes": counts.credit_notes,
        "customers": len(customers),
        "unpaid": counts.unpaid,
    }


def _plan_week(*, monday: dt.date, stage: Product, paddle: Product, visite: Product) -> list:
    site = paddle.site
    plan = [
        (paddle, [5], (dt.time(10), dt.time(11, 30)), 10),
        (visite, [3], (dt.time(15), dt.time(16, 30)), 25),
    ]
    if 4 <= monday.month <= 10:
        plan.append((stage, [0], (dt.time(9, 30), dt.time(12, 30)), 8))
    sessions = []
    for product, weekdays, times, capacity in plan:
        sessions += sessions_add_recurrence(
            product=product,
            start_date=monday,
            end_date=monday + dt.timedelta(days=6),
            weekdays=weekdays,
            times=[times],
            capacity=capacity,
            site=site,
        )
    return sessions


def _payment(*, method: str, amount: Decimal, payer, n: int):
    from ponton.selling import PaymentData

    extra: dict[str, Any] = {}
    if method == "cheque":
        extra = {
            "cheque_bank": BANKS[n % len(BANKS)],
            "cheque_number": f"{1_204_000 + n * 13:07d}",
            "cheque_issuer": payer.full_name,
        }
    if method == "online_card":
        extra = {"gateway_reference": f"pi_demo_{n:05d}"}
    if method == "transfer":
        extra = {"reference": f"VIR {payer.last_name.upper()} {n}"}
    return PaymentData(kind="payment", method=method, amount=amount, **extra)


def _sell(*, structure, session, payer, n: int, counts: _Counts) -> None:
    """One sale of one or two seats: paid in full (one method or two), partly, or not at all;
    now and then a seat cancelled afterwards and refunded."""
    from ponton import selling
    from ponton.selling import Actor, LineRequest

    actor = Actor(account_id=None, name="Camille Marin")
    rates = list(session.product.rates.order_by("position", "pk"))
    rate = rates[n % len(rates)] if rates else None
    if session.product.consumer_required:  # one seat per named participant
        lines = [LineRequest(product=session.product, session=session, rate=rate, consumer=payer)]
    else:
        seats = 1 + (n % 3 == 0)
        lines = [LineRequest(product=session.product, session=session, rate=rate, quantity=seats)]
    channel = "online" if n % 5 == 3 else "manager"
    priced = selling.basket_price(payer=payer, lines=lines, channel=channel)
    total = priced.total
    method = "online_card" if channel == "online" else METHODS[n % len(METHODS)]
    if channel == "manager" and method == "online_card":
        method = "card"
    if channel == "manager" and n % 13 == 6:
        payments = []  # invoiced, not paid yet: the outstanding balance
        counts.unpaid += 1
    elif channel == "manager" and n % 11 == 2 and total > Decimal("20"):
        half = (total / 2).quantize(Decimal("0.01"))
        payments = [_payment(method="cheque", amount=half, payer=payer, n=n)]
        counts.unpaid += 1
    elif channel == "manager" and n % 7 == 1 and total > Decimal("20"):
        part = Decimal("20.00")
        payments = [
            _payment(method="holiday_voucher", amount=part, payer=payer, n=n),
            _payment(method="cash", amount=total - part, payer=payer, n=n),
        ]
    else:
        payments = [_payment(method=method, amount=total, payer=payer, n=n)]
    order, invoice, _payments, _balance = selling.sale_complete(
        structure=structure,
        payer=payer,
        lines=lines,
        payments=payments,
        actor=actor,
        channel=channel,
    )
    counts.orders += 1
    if n % 17 == 8 and payments and len(payments) == 1 and payments[0].method != "online_card":
        line = OrderLine.objects.get(order=order)
        credit_note = selling.line_cancel(structure=structure, line=line, actor=actor)
        if credit_note is not None:
            counts.credit_notes += 1
            selling.pay(
                document=credit_note,
                data=selling.PaymentData(
                    kind="refund",
                    method="cash" if payments[0].method == "cash" else "transfer",
                    amount=credit_note.total,
                    reference="" if payments[0].method == "cash" else f"REMB {order.number}",
                ),
                actor=actor,
            )


def _sell_shirts(*, structure, shirt: Product, payer, n: int) -> None:
    from ponton import selling
    from ponton.selling import Actor, LineRequest

    lines = [LineRequest(product=shirt, quantity=1)]
    total = selling.basket_price(payer=payer, lines=lines).total
    selling.sale_complete(
        structure=structure,
        payer=payer,
        lines=lines,
        payments=[_payment(method="cash" if n % 2 else "card", amount=total, payer=payer, n=n)],
        actor=Actor(account_id=None, name="Camille Marin"),
    )


def _deposit_cheques(*, structure, today: dt.date) -> int:
    """The cheques of each past month deposited at the bank on the 5th of the next month
    (CO-1); those of the last weeks still wait in Compta > Chèques."""
    from ponton.billing.models import Payment
    from ponton.compta.services.deposits import (
        DepositData,
        bank_account_ensure_default,
        deposit_create,
    )
    from ponton.selling import Actor

    account = bank_account_ensure_default(structure=structure)
    if account is None:
        return 0
    cheques = Payment.objects.filter(method="cheque", kind="payment").order_by("received_on")
    months: dict[tuple[int, int], list[int]] = {}
    for payment in cheques:
        months.setdefault((payment.received_on.year, payment.received_on.month), []).append(
            payment.pk
        )
    made = 0
    for (year, month), ids in sorted(months.items()):
        day = dt.date(year + month // 12, month % 12 + 1, 5)
        if day > today - dt.timedelta(days=20):
            break
        with time_machine.travel(_at(day, 10), tick=False):
            deposit_create(
                data=DepositData(
                    payment_ids=tuple(ids), bank_account_id=account.pk, deposited_on=day
                ),
                actor=Actor(account_id=None, name="Camille Marin"),
            )
        made += 1
    return made
