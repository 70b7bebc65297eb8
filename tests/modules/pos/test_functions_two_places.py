"""PO-6 "One order, two places": a till order changed in the Club Manager (a line cancelled,
a payment added) stays fully usable from the till, and an order changed at the till stays fully
usable in the Club Manager, at the service level and over HTTP. The product we replace forbids
it; here both sides work on the same order, documents and payments."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from modules.pos import services
from modules.pos.models import Ticket
from modules.pos.selectors import session_report
from ponton import selling
from ponton.billing.models import Document, Payment
from ponton.billing.selectors import document_balance, order_balance
from ponton.ledger.selectors import ledger_verify
from ponton.sales.models import OrderLine
from tenants.services import module_grant
from tests.support.pos import in_schema, line, pay, sell
from tests.support.sales import STAFF, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def club(till_club):
    module_grant(structure=till_club.structure, label="pos")
    return till_club


@pytest.fixture
def staff_client(club, client_for):
    return client_for(club.structure, club.owner)


def stage_and_shirt(club) -> Ticket:
    """A ticket of a "Stage catamaran" seat (180 €) and a T-shirt (20 €), paid 200 € cash."""
    return sell(
        club,
        [
            line(club.activity, session=club.session, rate=club.adult, consumer=club.payer),
            line(club.shirt),
        ],
        [pay("cash", "200.00")],
        "200",
        customer=club.payer.pk,
    )


def lines_of(ticket: Ticket) -> dict[str, OrderLine]:
    return {
        line.product.name: line
        for line in OrderLine.objects.filter(order_id=ticket.order_id).select_related("product")
    }


# Service level ------------------------------------------------------------------------------


def test_po6_services_manager_changes_then_the_till_goes_on(club):
    ticket = stage_and_shirt(club)

    def manager_side():
        shirt = lines_of(ticket)["T-shirt"]
        credit_note = selling.line_cancel(structure=club.structure, line=shirt, actor=STAFF)
        selling.pay(
            document=credit_note,
            data=selling.PaymentData(kind="refund", method="card", amount=Decimal("20.00")),
            actor=STAFF,
        )

    in_schema(club, manager_side)

    def till_side():
        session = club.counter.session
        reprint = services.ticket_reprint(ticket=ticket, actor=STAFF)
        cancelling = services.ticket_cancel(
            structure=club.structure, ticket=ticket, session=session, actor=STAFF
        )
        return reprint, cancelling

    reprint, cancelling = in_schema(club, till_side)

    def then():
        states = {name: line.state for name, line in lines_of(ticket).items()}
        assert states == {"Stage catamaran": "cancelled", "T-shirt": "cancelled"}
        assert reprint.count == 1
        assert cancelling.total == Decimal("-180.00")
        refund = Payment.objects.get(document=cancelling.document)
        assert (refund.kind, refund.method, refund.amount) == ("refund", "cash", Decimal("180.00"))
        report = session_report(club.counter.session)
        assert report.expected_cash == Decimal("170.00")  # 150 + 200 - 180
        assert report.sales == Decimal("20.00")
        assert order_balance(order_id=ticket.order_id) == Decimal("0.00")
        assert ledger_verify().ok

    in_schema(club, then)


def test_po6_services_till_changes_then_the_manager_goes_on(club):
    ticket = stage_and_shirt(club)

    def till_side():
        session = club.counter.session
        for kind, method in (("refund", "cash"), ("payment", "card")):
            services.till_payment_add(
                session=session,
                document=ticket.document,
                data=selling.PaymentData(kind=kind, method=method, amount=Decimal("200.00")),
                actor=STAFF,
            )

    in_schema(club, till_side)

    def manager_side():
        stage = lines_of(ticket)["Stage catamaran"]
        credit_note = selling.line_cancel(structure=club.structure, line=stage, actor=STAFF)
        refund = selling.pay(
            document=credit_note,
            data=selling.PaymentData(kind="refund", method="card", amount=Decimal("180.00")),
            actor=STAFF,
        )
        return credit_note, refund

    credit_note, refund = in_schema(club, manager_side)

    def then():
        assert document_balance(document=credit_note).due == Decimal("0.00")
        assert refund.amount == Decimal("180.00")
        report = session_report(club.counter.session)
        assert report.expected_cash == Decimal("150.00")  # the cash went back at the till
        card = next(m for m in report.methods if m.method == "card")
        assert card.received == Decimal("200.00")
        assert order_balance(order_id=ticket.order_id) == Decimal("0.00")
        assert ledger_verify().ok

    in_schema(club, then)


# HTTP --------------------------------------------------------------------------------------


def test_po6_http_a_line_cancelled_and_refunded_in_the_manager_then_the_till_cancels_the_ticket(
    club, staff_client
):
    ticket = stage_and_shirt(club)
    shirt = in_schema(club, lambda: lines_of(ticket)["T-shirt"])
    today = timezone.localdate().isoformat()

    cancelled = staff_client.post(
        f"/manager/commandes/{ticket.order_id}/lignes/{shirt.pk}/annuler/", {"note": "Taille"}
    )
    assert cancelled.status_code == 302
    credit_note = in_schema(club, lambda: Document.objects.get(kind="credit_note"))
    refunded = staff_client.post(
        f"/manager/factures/{credit_note.pk}/paiement/",
        {"kind": "refund", "method": "card", "amount": "20.00", "received_on": today},
    )
    assert refunded.status_code == 302

    assert staff_client.get(f"/caisse/tickets/{ticket.pk}/").status_code == 200
    order = text(staff_client.get(f"/caisse/tickets/{ticket.pk}/commande/"))
    assert f'<tr data-document="{credit_note.number}">' in order
    assert "Annulé" in order
    done = staff_client.post(f"/caisse/tickets/{ticket.pk}/annuler/", follow=True)
    assert "annulé par le ticket n°" in text(done)
    card = text(staff_client.get(f"/manager/commandes/{ticket.order_id}/"))
    assert "<strong data-to-pay>0,00 €</strong>" in card

    def then():
        assert set(
            OrderLine.objects.filter(order_id=ticket.order_id).values_list("state", flat=True)
        ) == {"cancelled"}
        report = session_report(club.counter.session)
        assert (report.cancelled, report.expected_cash) == (1, Decimal("170.00"))
        assert ledger_verify().ok

    in_schema(club, then)


def test_po6_http_a_payment_changed_at_the_till_then_the_manager_cancels_and_refunds(
    club, staff_client
):
    ticket = stage_and_shirt(club)
    receipt = ticket.document
    till_payment = f"/caisse/tickets/{ticket.pk}/documents/{receipt.pk}/paiement/"
    staff_client.post(till_payment, {"kind": "refund", "method": "cash", "amount": "200,00"})
    staff_client.post(till_payment, {"kind": "payment", "method": "card", "amount": "200,00"})

    card = text(staff_client.get(f"/manager/commandes/{ticket.order_id}/"))
    assert "<strong data-to-pay>0,00 €</strong>" in card
    document = text(staff_client.get(f"/manager/factures/{receipt.pk}/"))
    assert "Carte bancaire" in document
    stage = in_schema(club, lambda: lines_of(ticket)["Stage catamaran"])
    staff_client.post(f"/manager/commandes/{ticket.order_id}/lignes/{stage.pk}/annuler/", {})
    credit_note = in_schema(club, lambda: Document.objects.get(kind="credit_note"))
    refunded = staff_client.post(
        f"/manager/factures/{credit_note.pk}/paiement/",
        {
            "kind": "refund",
            "method": "card",
            "amount": "180.00",
            "received_on": timezone.localdate().isoformat(),
        },
    )
    assert refunded.status_code == 302

    # and back at the till: the ticket, its order and a reprint still work
    assert "Annulé" in text(staff_client.get(f"/caisse/tickets/{ticket.pk}/commande/"))
    reprint = staff_client.post(f"/caisse/tickets/{ticket.pk}/imprimer/", follow=True)
    assert "DUPLICATA n° 1" in text(reprint)

    def then():
        report = session_report(club.counter.session)
        assert report.expected_cash == Decimal("150.00")
        assert order_balance(order_id=ticket.order_id) == Decimal("0.00")
        assert ledger_verify().ok

    in_schema(club, then)
