"""PL-4 Participants of a session: the rows the list and its exports show.

The participants of a session are the consumers of the order lines booked on it (one row per
line still ordered or invoiced: consumer, payer, rate, amount, payment state of its invoice).
Pages and exports only ever see `Participant` rows. Sales and billing depend on planning, not
the reverse, so their models are imported where they are read."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum, TextChoices
from django.utils.translation import gettext_lazy as _

from ponton.planning.models import Session


class PaymentState(TextChoices):
    PAID = "paid", _("Payé")
    PARTIAL = "partial", _("Partiellement payé")
    UNPAID = "unpaid", _("Non payé")


@dataclass(frozen=True, slots=True)
class Participant:
    """One participant of a session: one booked place (an order line)."""

    key: str  # stable id of the row (the order line), the value of its selection checkbox
    consumer: str  # who takes part
    payer: str  # who pays (a parent for a child, a company for its staff...)
    rate: str  # the rate (tarif) booked
    amount: Decimal  # tax-included price of the place, euros
    payment_state: PaymentState
    email: str = ""
    mobile: str = ""

    @property
    def payment_state_label(self) -> str:
        return str(PaymentState(self.payment_state).label)


def _state(*, total: Decimal, paid: Decimal) -> PaymentState:
    if paid >= total:
        return PaymentState.PAID
    return PaymentState.PARTIAL if paid > 0 else PaymentState.UNPAID


def session_participants(*, session: Session) -> list[Participant]:
    """PL-4: the participants of a session, by consumer name; four queries whatever their
    number. A line not invoiced yet is unpaid; an invoiced one takes its invoice's state."""
    from ponton.billing.models import Document, DocumentLine, Payment
    from ponton.sales.models import OrderLine

    lines = list(
        OrderLine.objects.filter(
            session=session, state__in=[OrderLine.State.ORDERED, OrderLine.State.INVOICED]
        ).select_related("consumer", "order__payer")
    )
    invoice_of = dict(
        DocumentLine.objects.filter(
            order_line__in=lines, document__kind=Document.Kind.INVOICE
        ).values_list("order_line_id", "document_id")
    )
    totals = dict(
        Document.objects.filter(pk__in=set(invoice_of.values())).values_list("pk", "total")
    )
    paid: dict[int, Decimal] = {}
    for document_id, kind, amount in (
        Payment.objects.filter(document_id__in=totals)
        .values_list("document_id", "kind")
        .annotate(s=Sum("amount"))
    ):
        sign = 1 if kind == Payment.Kind.PAYMENT else -1
        paid[document_id] = paid.get(document_id, Decimal(0)) + sign * amount
    rows = []
    for line in lines:
        payer = line.order.payer
        consumer = line.consumer or payer
        document_id = invoice_of.get(line.pk)
        state = (
            _state(total=totals[document_id], paid=paid.get(document_id, Decimal(0)))
            if document_id is not None
            else PaymentState.UNPAID
        )
        rows.append(
            Participant(
                key=str(line.pk),
                consumer=consumer.full_name,
                payer=payer.full_name,
                rate=line.rate_name,
                amount=line.total,
                payment_state=state,
                email=consumer.email or payer.email,
                mobile=consumer.mobile or payer.mobile,
            )
        )
    rows.sort(key=lambda row: (row.consumer.lower(), int(row.key)))
    return rows
