"""OR-10 Minimum participants threshold (CA-4 "seuil minimum de participants").

Below the threshold of an activity's session, participants book without paying: their lines
stay "commandé". The booking that reaches the threshold invoices every participant of the
session and sends each a Click & Pay request; participants who book later are invoiced and
get their request at order time. Runs inside the order's transaction (emails leave after
commit); the session's row is still locked by the seats just taken, so two bookings cannot
both believe they reached the threshold."""

from __future__ import annotations

from collections import defaultdict

from django.utils.translation import gettext as _

from ponton.billing import selectors as billing_selectors
from ponton.billing.models import Document, DocumentLine
from ponton.billing.money import ZERO
from ponton.billing.services import invoice_issue
from ponton.payments.models import PaymentRequest
from ponton.payments.services import PaymentsError, current_structure, payment_request_create
from ponton.planning.models import Session
from ponton.sales import services as sales
from ponton.sales.models import Order, OrderLine
from ponton.sales.services import Actor

HELD = (OrderLine.State.ORDERED, OrderLine.State.INVOICED)


def min_participants_after_order(*, order: Order, actor: Actor) -> int:
    """After `order` took its seats: Click & Pay for whom the threshold now concerns.
    Returns the number of requests sent."""
    lines = [
        line
        for line in order.lines.filter(session__isnull=False, state__in=HELD).select_related(
            "product"
        )
        if line.product is not None and (line.product.min_participants or 0) > 0
    ]
    by_session: dict[int, list[OrderLine]] = defaultdict(list)
    for line in lines:
        assert line.session_id is not None  # chosen on session__isnull=False
        by_session[line.session_id].append(line)
    sent = 0
    for session_id, own in by_session.items():
        product = own[0].product
        assert product is not None and product.min_participants  # the lines were chosen so
        threshold = product.min_participants
        sold = Session.objects.values_list("sold", flat=True).get(pk=session_id)
        if sold < threshold:
            continue  # below the threshold: booked without paying
        before = sold - sum(line.quantity for line in own)
        if before >= threshold:
            targets = own  # a later participant: at order time
        else:
            targets = list(
                OrderLine.objects.filter(session_id=session_id, state__in=HELD).select_related(
                    "order"
                )
            )
            sales.history_add(
                order=order,
                actor=actor,
                action="threshold_reached",
                message=_(
                    "Seuil de %(threshold)s participants atteint : demandes de Click & Pay "
                    "envoyées à tous les participants."
                )
                % {"threshold": threshold},
            )
        sent += _request_payment(lines=targets, actor=actor)
    return sent


def _request_payment(*, lines: list[OrderLine], actor: Actor) -> int:
    """Invoice the lines still "commandé" (one invoice per order), then one Click & Pay
    request per invoice still due that has none active."""
    structure = current_structure()
    by_order: dict[int, list[OrderLine]] = defaultdict(list)
    for line in lines:
        by_order[line.order_id].append(line)
    invoice_ids: set[int] = set()
    for order_id, order_lines in sorted(by_order.items()):
        to_invoice = [line.pk for line in order_lines if line.state == OrderLine.State.ORDERED]
        if to_invoice:
            invoice = invoice_issue(
                structure=structure,
                order=Order.objects.get(pk=order_id),
                line_ids=to_invoice,
                actor=actor,
            )
            invoice_ids.add(invoice.pk)
        invoiced = [line.pk for line in order_lines if line.state == OrderLine.State.INVOICED]
        invoice_ids.update(
            DocumentLine.objects.filter(
                order_line_id__in=invoiced, document__kind=Document.Kind.INVOICE
            ).values_list("document_id", flat=True)
        )
    sent = 0
    for document in Document.objects.filter(pk__in=invoice_ids).select_related("order"):
        if billing_selectors.document_balance(document=document).due <= ZERO:
            continue
        if PaymentRequest.objects.filter(
            document=document, state=PaymentRequest.State.ACTIVE
        ).exists():
            continue
        try:
            payment_request_create(document=document, actor=actor)
        except PaymentsError as exc:
            # No email on the payer's card: staff see why in the order's history.
            sales.history_add(
                order=document.order,
                actor=actor,
                action="payment_request_refused",
                message=_("Click & Pay non envoyé pour %(number)s : %(reason)s")
                % {"number": document.number, "reason": str(exc)},
            )
            continue
        sent += 1
    return sent
