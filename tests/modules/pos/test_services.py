"""The till's services on a real PostgreSQL: selling through the one selling path, tickets
recorded once, in device order, signed; cash movements; X and Z (PO-1, PO-2, PO-3, PO-7,
PO-8)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from modules.pos import signing
from modules.pos.models import (
    CashMovement,
    Ticket,
    TicketRejection,
    TillClosing,
    TillPayment,
)
from modules.pos.selectors import session_report
from modules.pos.services import (
    TillError,
    cash_move,
    session_close,
    session_open,
    ticket_cancel,
    ticket_record,
    ticket_reprint,
)
from ponton.billing.models import Document, Payment
from ponton.ledger.models import LedgerEntry
from ponton.ledger.selectors import ledger_verify
from ponton.planning.models import Session
from ponton.sales.models import Order, OrderLine
from tests.support.pos import line, pay
from tests.support.sales import STAFF

pytestmark = pytest.mark.django_db


def record(club, payload, signature):
    counter = club.counter
    return ticket_record(
        structure=club.structure,
        device=counter.device,
        payload=payload,
        signature=signature,
        actor=STAFF,
    )


def test_po1_a_sale_paid_card_and_cash_with_change_is_one_order_receipt_and_ledger(in_till):
    club = in_till
    payload, sig = club.counter.ticket(
        [line(club.shirt, quantity=2)],
        [pay("card", "15.00"), pay("cash", "30.00")],
        total=Decimal("40.00"),
    )
    recorded = record(club, payload, sig)

    ticket = recorded.ticket
    assert recorded.duplicate is False
    assert ticket.number == f"C{club.counter.till.pk}-01-000001"
    assert ticket.total == Decimal("40.00")
    assert ticket.change_given == Decimal("5.00")
    assert ticket.order.channel == Order.Channel.TILL
    assert ticket.document.kind == Document.Kind.RECEIPT
    assert ticket.customer == club.counter.till.walk_in_customer
    payments = {(p.method, p.amount, p.change_given) for p in ticket.document.payments.all()}
    assert payments == {("card", Decimal("15.00"), 0), ("cash", Decimal("25.00"), Decimal("5.00"))}
    assert TillPayment.objects.filter(session=club.counter.session).count() == 2
    assert club.shirt.stock_pool.__class__.objects.get(pk=club.shirt.stock_pool_id).sold == 2
    kinds = list(LedgerEntry.objects.order_by("position").values_list("kind", flat=True))
    assert kinds[-4:] == ["receipt", "payment", "payment", "till_ticket"]
    # each payment's entry says where it was taken (PO-7: with the till, device and session)
    places = [e.payload["taken_at"] for e in LedgerEntry.objects.filter(kind="payment")]
    assert places == [{"till": ticket.till_id, "session": 1, "device": 1}] * 2
    assert ledger_verify().ok


def test_po8_the_same_ticket_sent_twice_is_recorded_once(in_till):
    club = in_till
    payload, sig = club.counter.ticket(
        [line(club.shirt)], [pay("cash", "20.00")], total=Decimal("20.00")
    )
    first = record(club, payload, sig)
    again = record(club, dict(payload), sig)

    assert again.duplicate is True
    assert again.ticket.pk == first.ticket.pk
    assert Ticket.objects.count() == 1
    assert Order.objects.filter(channel=Order.Channel.TILL).count() == 1


def test_po8_a_reused_key_with_another_content_is_refused(in_till):
    club = in_till
    payload, sig = club.counter.ticket(
        [line(club.shirt)], [pay("cash", "20.00")], total=Decimal("20.00")
    )
    record(club, payload, sig)
    forged = {**payload, "lines": [line(club.shirt, quantity=2)], "total": "40.00"}

    with pytest.raises(TillError) as refused:
        record(club, forged, signing.sign(club.counter.key, forged))

    assert refused.value.code == "key_reused"
    assert Ticket.objects.count() == 1


def test_po8_a_ticket_edited_after_signing_is_refused_and_nothing_is_written(in_till):
    club = in_till
    payload, sig = club.counter.ticket(
        [line(club.shirt)], [pay("cash", "20.00")], total=Decimal("20.00")
    )
    payload["payments"][0]["amount"] = "2.00"  # edited in IndexedDB
    entries = LedgerEntry.objects.count()

    with pytest.raises(TillError) as refused:
        record(club, payload, sig)

    assert refused.value.code == "bad_signature"
    assert "signature" in refused.value.message
    assert Ticket.objects.count() == 0
    assert Order.objects.count() == 0
    assert LedgerEntry.objects.count() == entries


def test_po8_tickets_are_recorded_in_device_order(in_till):
    club = in_till
    first = club.counter.ticket([line(club.shirt)], [pay("cash", "20.00")], total=Decimal("20"))
    second = club.counter.ticket([line(club.shirt)], [pay("cash", "20.00")], total=Decimal("20"))

    with pytest.raises(TillError) as refused:
        record(club, *second)
    assert refused.value.code == "out_of_order"
    record(club, *first)
    record(club, *second)

    assert list(Ticket.objects.order_by("sequence").values_list("sequence", flat=True)) == [1, 2]


def test_po8_an_offline_ticket_on_a_full_session_is_honoured_and_flagged(in_till):
    club = in_till
    Session.objects.filter(pk=club.session.pk).update(sold=3)  # full meanwhile (capacity 3)
    payload, sig = club.counter.ticket(
        [line(club.activity, session=club.session, rate=club.adult, consumer=club.payer)],
        [pay("card", "180.00")],
        total=Decimal("180.00"),
        customer=club.payer.pk,
        offline=True,
        sold_at=timezone.now() - dt.timedelta(minutes=30),
    )
    ticket = record(club, payload, sig).ticket

    assert ticket.offline is True
    assert ticket.overbooked_sessions == [club.session.pk]
    overbooked = Session.objects.get(pk=club.session.pk)
    assert (overbooked.sold, overbooked.capacity) == (4, 4)
    assert ticket.order.events.filter(action="overbooked").count() == 1
    from realtime.models import Notification

    note = Notification.objects.get(kind="pos.overbooked", user_id=club.owner.pk)
    assert note.title == f"Surréservation : ticket {ticket.number}"
    assert "Stage catamaran" in note.body
    assert session_report(club.counter.session).overbooked == 1


def test_po1_an_online_ticket_on_a_full_session_is_refused_whole(in_till):
    club = in_till
    Session.objects.filter(pk=club.session.pk).update(sold=3)
    payload, sig = club.counter.ticket(
        [line(club.activity, session=club.session, rate=club.adult, consumer=club.payer)],
        [pay("card", "180.00")],
        total=Decimal("180.00"),
        customer=club.payer.pk,
    )
    with pytest.raises(TillError, match="Complet") as refused:
        record(club, payload, sig)

    assert refused.value.code == "sale_refused"
    assert Ticket.objects.count() == 0
    assert Session.objects.get(pk=club.session.pk).sold == 3
    rejection = TicketRejection.objects.get()
    assert (rejection.sequence, rejection.code) == (1, "sale_refused")


def test_po1_a_card_payment_above_the_total_is_refused(in_till):
    club = in_till
    payload, sig = club.counter.ticket(
        [line(club.shirt)], [pay("card", "25.00")], total=Decimal("20.00")
    )
    with pytest.raises(TillError, match="dépasse le reste dû"):
        record(club, payload, sig)
    assert Ticket.objects.count() == 0
    assert Payment.objects.count() == 0


def test_po8_a_refused_ticket_is_kept_and_does_not_block_the_next_ones(in_till):
    """An offline ticket refused at sync (here: the catalogue price changed meanwhile) is
    kept with its reason, the team is told, its sequence is used: the device's next ticket is
    recorded; sending the refused one again gives the same answer, nothing more."""
    club = in_till
    stale = club.counter.ticket(
        [line(club.shirt)], [pay("cash", "18.00")], total=Decimal("18.00"), offline=True
    )
    good = club.counter.ticket(
        [line(club.shirt)], [pay("cash", "20.00")], total=Decimal("20.00"), offline=True
    )

    with pytest.raises(TillError) as refused:
        record(club, *stale)
    ticket = record(club, *good).ticket
    with pytest.raises(TillError) as again:
        record(club, *stale)

    assert refused.value.code == again.value.code == "price_changed"
    assert ticket.sequence == 2
    rejection = TicketRejection.objects.get()
    assert (rejection.sequence, rejection.total) == (1, Decimal("18.00"))
    assert "ne correspond plus aux prix du catalogue" in rejection.reason
    from realtime.models import Notification

    assert Notification.objects.filter(kind="pos.rejected", user_id=club.owner.pk).count() == 1
    assert Ticket.objects.count() == 1


def test_po8_a_ticket_waits_while_the_till_is_closed_and_keeps_its_sequence(in_till):
    club = in_till
    session_close(session=club.counter.session, counted={"cash": "150"}, actor=STAFF)
    waiting = club.counter.ticket(
        [line(club.shirt)], [pay("cash", "20.00")], total=Decimal("20.00"), offline=True
    )
    with pytest.raises(TillError) as refused:
        record(club, *waiting)
    assert refused.value.code == "closed"
    assert TicketRejection.objects.count() == 0
    session_open(till=club.counter.till, opening_float="0", actor=STAFF)
    assert record(club, *waiting).ticket.sequence == 1


def test_po1_a_second_open_session_on_a_till_is_refused(in_till):
    club = in_till
    with pytest.raises(TillError, match="déjà ouverte"):
        session_open(till=club.counter.till, opening_float="10", actor=STAFF)


def test_po2_po3_cash_in_out_and_the_x_report(in_till):
    club = in_till
    record(
        club, *club.counter.ticket([line(club.shirt)], [pay("cash", "50.00")], total=Decimal(20))
    )
    record(
        club, *club.counter.ticket([line(club.shirt)], [pay("card", "20.00")], total=Decimal(20))
    )
    session = club.counter.session
    cash_move(session=session, kind="in", amount="30,00", reason="Monnaie", actor=STAFF)
    cash_move(session=session, kind="out", amount="11.50", reason="Dépôt banque", actor=STAFF)

    report = session_report(session)

    assert report.tickets == 2
    assert report.sales == Decimal("40.00")
    assert report.cash_in == Decimal("30.00")
    assert report.cash_out == Decimal("11.50")
    # 150 float + 20 cash kept (50 handed, 30 given back) + 30 - 11.50
    assert report.expected["cash"] == Decimal("188.50")
    assert report.expected["card"] == Decimal("20.00")
    assert CashMovement.objects.count() == 2
    assert LedgerEntry.objects.filter(kind="cash_movement").count() == 2


def test_po2_a_withdrawal_above_the_drawer_is_refused(in_till):
    club = in_till
    with pytest.raises(TillError, match="dépasse les espèces en caisse"):
        cash_move(
            session=club.counter.session, kind="out", amount="150.01", reason="x", actor=STAFF
        )
    with pytest.raises(TillError, match="supérieur à zéro"):
        cash_move(session=club.counter.session, kind="in", amount="-5", reason="x", actor=STAFF)
    assert CashMovement.objects.count() == 0


def test_po3_z_closing_records_counted_difference_grand_totals_and_closes(in_till):
    club = in_till
    record(
        club, *club.counter.ticket([line(club.shirt)], [pay("cash", "20.00")], total=Decimal(20))
    )
    session = club.counter.session

    closing = session_close(session=session, counted={"cash": "169,00", "card": "0"}, actor=STAFF)

    assert closing.number == 1
    assert closing.difference == Decimal("-1.00")  # 170 expected in cash
    assert closing.sales_total == Decimal("20.00")
    assert closing.grand_total_sales == Decimal("20.00")
    session.refresh_from_db()
    assert session.closed_at is not None
    entry = LedgerEntry.objects.get(kind="till_closing")
    assert entry.payload["grand_total_sales"] == "20.00"
    assert closing.ledger_position == entry.position
    from tenants.models import LedgerAnchor

    anchor = LedgerAnchor.objects.filter(structure_id=club.structure.pk).latest("pk")
    assert (anchor.reason, anchor.position) == ("till_closing", entry.position)
    # the next session continues the grand totals
    session2 = session_open(till=club.counter.till, opening_float="0", actor=STAFF)
    club.counter.session = session2
    record(
        club, *club.counter.ticket([line(club.shirt)], [pay("card", "20.00")], total=Decimal(20))
    )
    closing2 = session_close(session=session2, counted={"card": "20"}, actor=STAFF)
    assert closing2.grand_total_sales == Decimal("40.00")
    assert ledger_verify().ok


def test_po7_closed_sessions_tickets_and_closings_never_change(in_till):
    club = in_till
    ticket = record(
        club, *club.counter.ticket([line(club.shirt)], [pay("cash", "20.00")], total=Decimal(20))
    ).ticket
    session_close(session=club.counter.session, counted={"cash": "170"}, actor=STAFF)
    for sql, args in (
        ("UPDATE pos_ticket SET total = 1 WHERE id = %s", [ticket.pk]),
        ("DELETE FROM pos_ticket WHERE id = %s", [ticket.pk]),
        ("UPDATE pos_tillclosing SET difference = 0", []),
        ("UPDATE pos_tillsession SET closed_at = NULL", []),
    ):
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql, args)
    assert TillClosing.objects.get().difference == Decimal("0.00")


def test_po7_reprint_is_counted_and_chained(in_till):
    club = in_till
    ticket = record(
        club, *club.counter.ticket([line(club.shirt)], [pay("cash", "20.00")], total=Decimal(20))
    ).ticket
    ticket_reprint(ticket=ticket, actor=STAFF)
    second = ticket_reprint(ticket=ticket, actor=STAFF)

    assert second.count == 2
    assert LedgerEntry.objects.filter(kind="till_reprint", reference=ticket.number).count() == 2


def test_po7_cancelling_a_ticket_issues_a_cancelling_ticket_and_refunds_cash(in_till):
    club = in_till
    ticket = record(
        club,
        *club.counter.ticket([line(club.shirt, quantity=2)], [pay("cash", "40.00")], total=40),
    ).ticket

    cancelling = ticket_cancel(
        structure=club.structure, ticket=ticket, session=club.counter.session, actor=STAFF
    )

    assert cancelling.cancels == ticket
    assert cancelling.total == Decimal("-40.00")
    assert cancelling.number == f"C{club.counter.till.pk}-00-000001"
    states = set(OrderLine.objects.filter(order=ticket.order).values_list("state", flat=True))
    assert states == {OrderLine.State.CANCELLED}
    refund = Payment.objects.get(kind="refund")
    assert (refund.method, refund.amount) == ("cash", Decimal("40.00"))
    report = session_report(club.counter.session)
    assert report.expected["cash"] == Decimal("150.00")
    assert report.cancelled == 1
    with pytest.raises(TillError, match="déjà annulé"):
        ticket_cancel(
            structure=club.structure, ticket=ticket, session=club.counter.session, actor=STAFF
        )
    assert ledger_verify().ok


def test_po1_a_ticket_for_another_till_or_device_is_refused(in_till):
    club = in_till
    payload, _sig = club.counter.ticket([line(club.shirt)], [pay("cash", "20")], total=20)
    payload = {**payload, "till": club.counter.till.pk + 1000}
    with pytest.raises(TillError) as refused:
        record(club, payload, signing.sign(club.counter.key, payload))
    assert refused.value.code == "wrong_till"
    unknown = {**payload, "till": club.counter.till.pk, "key": str(uuid.uuid4())}
    with pytest.raises(TillError) as refused:
        record(club, unknown, signing.sign("another-device-key", unknown))
    assert refused.value.code == "bad_signature"
    assert Ticket.objects.count() == 0


def test_po8_a_ticket_that_reaches_the_server_late_is_honoured_like_an_offline_one(in_till):
    """Signed while the till believed it was online, then queued (the connection dropped
    right after the sale): arriving minutes later on a session that filled up meanwhile, the
    counter sale is honoured and flagged, not refused."""
    club = in_till
    Session.objects.filter(pk=club.session.pk).update(sold=3)
    payload, sig = club.counter.ticket(
        [line(club.activity, session=club.session, rate=club.adult, consumer=club.payer)],
        [pay("card", "180.00")],
        total=Decimal("180.00"),
        customer=club.payer.pk,
        sold_at=timezone.now() - dt.timedelta(minutes=5),
    )
    ticket = record(club, payload, sig).ticket
    assert (ticket.offline, ticket.overbooked_sessions) == (False, [club.session.pk])


def test_re1_a_till_seat_beyond_the_boats_needed_per_participant_is_refused(in_till):
    """RE-1: the till sells through the same seat-taking path: with 3 Lasers, 1 per
    participant, shared by two overlapping sessions, a 4th seat at the till is refused whole,
    the reason in French."""
    import datetime as dt

    from ponton.planning import services_resources as res
    from ponton.planning import services_resources_settings as rs
    from ponton.planning.services import session_add
    from ponton.sales.services import LineRequest, order_create

    club = in_till
    laser = rs.resource_create(data=rs.ResourceData(kind="equipment", name="Laser", quantity=3))
    other = session_add(
        product=club.activity,
        starts_at=club.session.starts_at + dt.timedelta(hours=1),
        ends_at=club.session.ends_at + dt.timedelta(hours=1),
        capacity=3,
    )
    for session in (club.session, other):
        res.session_resource_add(session=session, resource=laser, quantity=1, per_participant=True)
    order_create(
        payer=club.payer,
        lines=[
            LineRequest(
                product=club.activity,
                session=other,
                rate=club.adult,
                consumer=club.payer,
                quantity=3,
            )
        ],
        actor=STAFF,
    )
    payload, sig = club.counter.ticket(
        [line(club.activity, session=club.session, rate=club.adult, consumer=club.payer)],
        [pay("card", "180.00")],
        total=Decimal("180.00"),
        customer=club.payer.pk,
    )
    with pytest.raises(TillError, match=r"^Plus assez de Laser : 3 sur 3 déjà pris par Stage"):
        record(club, payload, sig)
    assert Ticket.objects.count() == 0
    assert Session.objects.get(pk=club.session.pk).sold == 0
