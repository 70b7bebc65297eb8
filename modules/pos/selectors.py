"""Reads of the till: the X report, ticket search, access checks (PO-3, PO-4)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.http import Http404
from django.utils import timezone

from modules.pos.models import CashMovement, Ticket, Till, TillClosing, TillPayment, TillSession
from ponton.billing.models import Payment

ZERO = Decimal("0.00")
# The methods a drawer is counted in at closing, in this order.
COUNTED_METHODS = [
    Payment.Method.CASH,
    Payment.Method.CARD,
    Payment.Method.CHEQUE,
    Payment.Method.HOLIDAY_VOUCHER,
    Payment.Method.CREDIT,
    Payment.Method.TRANSFER,
]


@dataclass
class MethodTotals:
    method: str
    label: str
    received: Decimal = ZERO
    refunded: Decimal = ZERO
    count: int = 0

    @property
    def net(self) -> Decimal:
        return self.received - self.refunded


@dataclass
class XReport:
    session: TillSession
    opening_float: Decimal
    tickets: int
    cancelled: int
    sales: Decimal  # tickets' totals (cancelling tickets count negative)
    methods: list[MethodTotals]
    cash_in: Decimal
    cash_out: Decimal
    overbooked: int
    offline: int
    expected: dict[str, Decimal] = field(default_factory=dict)

    @property
    def received(self) -> Decimal:
        return sum((m.received for m in self.methods), ZERO)

    @property
    def refunded(self) -> Decimal:
        return sum((m.refunded for m in self.methods), ZERO)

    @property
    def net_received(self) -> Decimal:
        return self.received - self.refunded

    @property
    def expected_cash(self) -> Decimal:
        return self.expected[Payment.Method.CASH]

    def as_json(self) -> dict:
        return {
            "session": self.session.number,
            "opened_at": self.session.opened_at.isoformat(),
            "opening_float": str(self.opening_float),
            "tickets": self.tickets,
            "cancelled": self.cancelled,
            "sales": str(self.sales),
            "methods": [
                {
                    "method": m.method,
                    "received": str(m.received),
                    "refunded": str(m.refunded),
                    "count": m.count,
                }
                for m in self.methods
            ],
            "cash_in": str(self.cash_in),
            "cash_out": str(self.cash_out),
            "overbooked": self.overbooked,
            "offline": self.offline,
            "expected": {m: str(v) for m, v in self.expected.items()},
        }


def session_report(session: TillSession) -> XReport:
    """The X report of a session, at any time: a handful of aggregate queries."""
    tickets = session.tickets.aggregate(
        count=Count("id", filter=Q(cancels__isnull=True)),
        cancelled=Count("id", filter=Q(cancels__isnull=False)),
        sales=Sum("total"),
        offline=Count("id", filter=Q(offline=True)),
        overbooked=Count("id", filter=~Q(overbooked_sessions=[])),
    )
    by_method: dict[str, MethodTotals] = {
        method: MethodTotals(method=method, label=str(Payment.Method(method).label))
        for method in COUNTED_METHODS
    }
    rows = (
        TillPayment.objects.filter(session=session)
        .values("method", "kind")
        .annotate(total=Sum("amount"), n=Count("id"))
    )
    for row in rows:
        totals = by_method.setdefault(
            row["method"],
            MethodTotals(method=row["method"], label=str(Payment.Method(row["method"]).label)),
        )
        if row["kind"] == Payment.Kind.PAYMENT:
            totals.received += row["total"]
        else:
            totals.refunded += row["total"]
        totals.count += row["n"]
    moves = session.cash_movements.values("kind").annotate(total=Sum("amount"))
    cash = {row["kind"]: row["total"] for row in moves}
    cash_in = cash.get(CashMovement.Kind.IN, ZERO)
    cash_out = cash.get(CashMovement.Kind.OUT, ZERO)
    methods = list(by_method.values())
    expected = {m.method: m.net for m in methods}
    expected[Payment.Method.CASH] = (
        session.opening_float + by_method[Payment.Method.CASH].net + cash_in - cash_out
    )
    return XReport(
        session=session,
        opening_float=session.opening_float,
        tickets=tickets["count"] or 0,
        cancelled=tickets["cancelled"] or 0,
        sales=tickets["sales"] or ZERO,
        methods=methods,
        cash_in=cash_in,
        cash_out=cash_out,
        overbooked=tickets["overbooked"] or 0,
        offline=tickets["offline"] or 0,
        expected=expected,
    )


def access_till(till_id: int) -> Till:
    till = Till.objects.filter(pk=till_id, active=True).select_related("site").first()
    if till is None:
        raise Http404
    return till


def access_ticket(ticket_id: int) -> Ticket:
    ticket = (
        Ticket.objects.filter(pk=ticket_id)
        .select_related("till", "device", "session", "order", "document", "customer", "cancels")
        .first()
    )
    if ticket is None:
        raise Http404
    return ticket


def ticket_search(
    *,
    till: Till | None = None,
    number: str = "",
    day: dt.date | None = None,
    amount: Decimal | None = None,
    customer: str = "",
    limit: int = 50,
):
    """ "Recherche ticket": by number, date, amount, customer (name), newest first."""
    tickets = Ticket.objects.select_related("customer", "document", "order", "cancels")
    if till is not None:
        tickets = tickets.filter(till=till)
    if number.strip():
        tickets = tickets.filter(number__icontains=number.strip())
    if day is not None:
        zone = timezone.get_current_timezone()
        start = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
        tickets = tickets.filter(sold_at__gte=start, sold_at__lt=start + dt.timedelta(days=1))
    if amount is not None:
        tickets = tickets.filter(total=amount)
    for word in customer.split():
        tickets = tickets.filter(
            Q(customer__last_name__icontains=word) | Q(customer__first_name__icontains=word)
        )
    return tickets.order_by("-sold_at", "-id")[:limit]


def closings(till: Till):
    return TillClosing.objects.filter(till=till).select_related("session").order_by("-number")


def closing_totals(till: Till) -> dict[str, list[tuple[str, Decimal, int]]]:
    """Daily, monthly and yearly totals of the till's Z closings (sales of the sessions)."""
    result: dict[str, dict[str, list]] = {"day": {}, "month": {}, "year": {}}
    for closing in TillClosing.objects.filter(till=till).only("closed_at", "sales_total"):
        local = timezone.localtime(closing.closed_at)
        for period, key in (
            ("day", local.strftime("%d/%m/%Y")),
            ("month", local.strftime("%m/%Y")),
            ("year", local.strftime("%Y")),
        ):
            row = result[period].setdefault(key, [ZERO, 0])
            row[0] += closing.sales_total
            row[1] += 1
    return {
        period: [(key, value[0], value[1]) for key, value in rows.items()]
        for period, rows in result.items()
    }


@dataclass(frozen=True)
class TillRow:
    till: Till
    session: TillSession | None
    tickets_today: int
    last_closing: TillClosing | None


def tills_overview() -> list[TillRow]:
    """The structure's tills for the Club Manager: open session, today's tickets, last Z."""
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(timezone.localdate(), dt.time.min, tzinfo=zone)
    rows = []
    tills = Till.objects.select_related("site").annotate(
        today=Count("tickets", filter=Q(tickets__sold_at__gte=start))
    )
    for till in tills:
        rows.append(
            TillRow(
                till=till,
                session=till.sessions.filter(closed_at__isnull=True).first(),
                tickets_today=till.today,
                last_closing=till.closings.order_by("-number").first(),
            )
        )
    return rows


# The sell screen's catalogue (PO-1, PO-8) ---------------------------------------------------


def _category_label(category) -> str:
    if category is None:
        return ""
    if category.parent is not None:
        return f"{category.parent.name} › {category.name}"
    return category.name


def till_catalogue(*, now: dt.datetime | None = None) -> dict:
    """What the sell screen shows and prices on the device, as JSON-ready data: the published
    products sold at the counter (not those sold only as associated products, nor those with
    required custom fields, which the till does not ask), their rates of the day, the mandatory
    associated products the server adds by itself (their price counts in the ticket's total),
    and today's sessions of activities not ended yet with their free seats. Amounts are strings
    with two places, as in the ticket the device signs."""
    from django.db.models import Exists, OuterRef

    from ponton.catalogue.models import CustomField, Product, Rate
    from ponton.catalogue.selectors import mandatory_associations
    from ponton.planning.models import Session

    now = now or timezone.now()
    today = timezone.localdate(now)
    products = list(
        Product.objects.filter(
            Q(sale_until__isnull=True) | Q(sale_until__gte=today),
            Q(sale_from__isnull=True) | Q(sale_from__lte=today),
            status=Product.Status.PUBLISHED,
            associated_only=False,
        )
        .exclude(Exists(CustomField.objects.filter(required=True, products=OuterRef("pk"))))
        .select_related("category__parent", "stock_pool")
        .order_by("category__parent__position", "category__position", "name", "pk")
    )
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(today, dt.time.min, tzinfo=zone)
    sessions = (
        Session.objects.filter(
            product__in=[p for p in products if p.kind == Product.Kind.ACTIVITY],
            starts_at__lt=start + dt.timedelta(days=1),
            ends_at__gt=now,
        )
        .order_by("starts_at", "pk")
        .values("id", "product_id", "starts_at", "ends_at", "capacity", "sold")
    )
    mandatory: dict[int, list[dict]] = {}
    for association in mandatory_associations(today=today).select_related("associated"):
        associated = association.associated
        mandatory.setdefault(association.product_id, []).append(
            {
                "id": associated.pk,
                "name": associated.name,
                "price": f"{associated.price:.2f}",
                "consumer_required": associated.consumer_required,
            }
        )
    rates: dict[int, list[dict]] = {}
    for rate in Rate.objects.filter(
        Q(season__isnull=True) | Q(season__starts_on__lte=today, season__ends_on__gte=today),
        product__in=products,
    ).order_by("product_id", "position", "pk"):
        rates.setdefault(rate.product_id, []).append(
            {"id": rate.pk, "name": rate.name, "amount": f"{rate.amount:.2f}"}
        )
    categories: dict[int, str] = {}
    items = []
    for product in products:
        if product.category_id is not None:
            categories.setdefault(product.category_id, _category_label(product.category))
        pool = product.stock_pool
        items.append(
            {
                "id": product.pk,
                "name": product.name,
                "kind": product.kind,
                "category": product.category_id,
                "price": f"{product.price:.2f}",
                "consumer_required": product.consumer_required,
                "min_quantity": product.min_quantity,
                "stock_free": (pool.quantity - pool.sold) if pool is not None else None,
                "barcode": product.barcode,
                "rates": rates.get(product.pk, []),
                "mandatory": mandatory.get(product.pk, []),
            }
        )
    return {
        "day": today.isoformat(),
        "generated_at": now.isoformat(),
        "categories": [{"id": pk, "name": name} for pk, name in categories.items()],
        "products": items,
        "sessions": [
            {
                "id": row["id"],
                "product": row["product_id"],
                "starts_at": row["starts_at"].isoformat(),
                "ends_at": row["ends_at"].isoformat(),
                "time": timezone.localtime(row["starts_at"]).strftime("%H:%M"),
                "end_time": timezone.localtime(row["ends_at"]).strftime("%H:%M"),
                "free": row["capacity"] - row["sold"],
            }
            for row in sessions
        ],
    }
