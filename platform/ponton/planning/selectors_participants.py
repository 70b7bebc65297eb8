"""PL-4 Participants of a session: the rows the list and its exports show.

The participants of a session are the consumers of the order lines booked on it; orders come
with the sales app (next issue), which will fill `session_participants` from its order lines
(one row per line: consumer, payer, rate, amount, payment state). Until then a session has no
participant, and the list says so. Pages and exports only ever see `Participant` rows."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import TextChoices
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


def session_participants(*, session: Session) -> list[Participant]:
    """PL-4: the participants of a session, by consumer name. No order exists yet: empty."""
    return []
