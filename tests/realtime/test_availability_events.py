"""MP-1 live availability: `availability.changed` goes out after commit, once per transaction,
with the exact free seats, from the services that take or give back seats or change a session
(sales, billing's cancel, planning) — never on rollback, never about what the shop hides."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from asgiref.sync import async_to_sync
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from ponton.billing.services import line_cancel
from ponton.catalogue.models import Product
from ponton.planning.models import Session
from ponton.planning.services import (
    session_add,
    session_delete,
    session_move,
    session_set_capacity,
)
from ponton.sales import services as sales
from ponton.sales.services import LineRequest, SoldOutError
from realtime.events import EVENT_TYPES
from realtime.services import availability_changed
from tests.conftest import host_of
from tests.realtime.test_events_documented import documented_events
from tests.realtime.ws import ANY_VERSION, db, db_elsewhere, open_socket, receive_event, run
from tests.support.sales import STAFF, make_shop, published

pytestmark = pytest.mark.django_db(transaction=True)

AVAILABILITY = "/ws/disponibilites/"


@pytest.fixture
def shop(structure_a):
    structure, owner = structure_a
    with schema_context(structure.schema_name):
        shop = make_shop(capacity=10)
    shop.structure = structure
    return shop


def in_schema(shop, fn, *args, **kwargs):
    with schema_context(shop.structure.schema_name):
        return fn(*args, **kwargs)


def sell(shop, *lines: tuple[Session, object]):
    """One staff order: a line per (session, consumer)."""
    return sales.order_create(
        payer=shop.payer,
        lines=[
            LineRequest(product=shop.activity, session=s, rate=shop.adult, consumer=c)
            for s, c in lines
        ],
        actor=STAFF,
    )


def seats(*pairs: tuple[Session, int, int]) -> dict:
    return {
        "type": "availability.changed",
        "payload": {
            "sessions": {str(s.pk): {"free": f, "capacity": c} for s, f, c in pairs},
            "version": ANY_VERSION,
        },
    }


async def watch(shop):
    host = await db(host_of, shop.structure)
    ws, accepted, code = await open_socket(host, path=AVAILABILITY)
    assert accepted, code
    return ws


def test_the_event_is_registered_and_documented():
    """MP-1: `availability.changed` has one payload key, `sessions`, documented in
    docs/events.md (the generic test checks every event; this one names it)."""
    assert EVENT_TYPES["availability.changed"].payload_keys == {"sessions", "version"}
    assert documented_events()["availability.changed"] == {"sessions", "version"}


def test_an_order_sends_one_event_after_commit_with_the_exact_free_seats(shop):
    """MP-1: a staff order on two sessions (two seats on one, one on the other): one event,
    only once the transaction has committed, with each session's exact free seats."""

    async def scenario():
        ws = await watch(shop)

        def order_and_wait_inside_the_transaction():
            with schema_context(shop.structure.schema_name), transaction.atomic():
                sell(
                    shop,
                    (shop.session, shop.payer),
                    (shop.session, shop.child_customer),
                    (shop.later_session, shop.payer),
                )
                return async_to_sync(ws.receive_nothing)(timeout=0.5)

        assert await db_elsewhere(order_and_wait_inside_the_transaction) is True
        assert await receive_event(ws) == seats((shop.session, 8, 10), (shop.later_session, 9, 10))
        assert await ws.receive_nothing(timeout=0.3)
        await ws.disconnect()

    run(scenario)


def test_several_changes_in_one_transaction_send_one_event(shop):
    """MP-1 batching: two orders and a capacity change in one transaction: one event with
    every touched session, as they are after the commit."""

    def together():
        with schema_context(shop.structure.schema_name), transaction.atomic():
            sell(shop, (shop.session, shop.payer))
            sell(shop, (shop.later_session, shop.payer), (shop.session, shop.child_customer))
            session_set_capacity(session=shop.later_session, capacity=4)

    async def scenario():
        ws = await watch(shop)
        await db(together)
        assert await receive_event(ws) == seats((shop.session, 8, 10), (shop.later_session, 3, 4))
        assert await ws.receive_nothing(timeout=0.3)
        await ws.disconnect()

    run(scenario)


def test_a_cancelled_line_gives_the_seat_back_live(shop):
    """MP-1: cancelling a line (billing's `line_cancel`) sends the seat back as free."""
    order = in_schema(
        shop, sell, shop, (shop.session, shop.payer), (shop.session, shop.child_customer)
    )
    line = in_schema(shop, lambda: order.lines.order_by("position").first())

    async def scenario():
        ws = await watch(shop)
        await db(in_schema, shop, line_cancel, structure=shop.structure, line=line, actor=STAFF)
        assert await receive_event(ws) == seats((shop.session, 9, 10))
        assert await ws.receive_nothing(timeout=0.3)
        await ws.disconnect()

    run(scenario)


def test_capacity_move_and_delete_are_sent(shop):
    """MP-1: planning changes: a new capacity, a moved session (same counts), and a deleted
    session, sent as null (it can no longer be booked)."""
    in_schema(shop, sell, shop, (shop.session, shop.payer))

    async def scenario():
        ws = await watch(shop)
        await db(in_schema, shop, session_set_capacity, session=shop.session, capacity=3)
        assert await receive_event(ws) == seats((shop.session, 2, 3))
        later = shop.session.starts_at + dt.timedelta(hours=1)
        await db(
            in_schema,
            shop,
            session_move,
            session=shop.session,
            starts_at=later,
            ends_at=later + dt.timedelta(hours=2),
        )
        assert await receive_event(ws) == seats((shop.session, 2, 3))
        gone = shop.later_session.pk
        await db(in_schema, shop, session_delete, session=shop.later_session)
        assert await receive_event(ws) == {
            "type": "availability.changed",
            "payload": {"sessions": {str(gone): None}, "version": ANY_VERSION},
        }
        assert await ws.receive_nothing(timeout=0.3)
        await ws.disconnect()

    run(scenario)


def test_nothing_is_sent_on_rollback_nor_for_a_refused_order(shop):
    """MP-1: a rolled-back order and an order refused as sold out send nothing; and the ids of
    a rolled-back transaction never ride along with the next one's event."""

    def rolled_back():
        try:
            with schema_context(shop.structure.schema_name), transaction.atomic():
                sell(shop, (shop.session, shop.payer))
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass

    def sold_out():
        with schema_context(shop.structure.schema_name):
            session_set_capacity(session=shop.later_session, capacity=1)
            sell(shop, (shop.later_session, shop.payer))
        try:
            in_schema(shop, sell, shop, (shop.later_session, shop.child_customer))
        except SoldOutError:
            return True
        return False

    async def scenario():
        ws = await watch(shop)
        await db(rolled_back)
        assert await ws.receive_nothing(timeout=0.5)
        assert await db(sold_out) is True
        # The capacity change and the sale (two transactions): two events, nothing more.
        assert await receive_event(ws) == seats((shop.later_session, 1, 1))
        assert await receive_event(ws) == seats((shop.later_session, 0, 1))
        assert await ws.receive_nothing(timeout=0.5)
        await ws.disconnect()

    run(scenario)


def test_a_savepoint_rolled_back_does_not_lose_the_rest_of_the_transaction(shop):
    """MP-1: a change made after a savepoint rolled back (its hook dropped with it) is still
    sent when the transaction commits, once."""

    def with_savepoint():
        with schema_context(shop.structure.schema_name), transaction.atomic():
            try:
                with transaction.atomic():
                    availability_changed(session_ids=[shop.session.pk])
                    raise RuntimeError("savepoint rolled back")
            except RuntimeError:
                pass
            sell(shop, (shop.later_session, shop.payer))

    async def scenario():
        ws = await watch(shop)
        await db(with_savepoint)
        event = await receive_event(ws)
        sent = event["payload"]["sessions"]
        assert sent[str(shop.later_session.pk)] == {"free": 9, "capacity": 10}
        assert await ws.receive_nothing(timeout=0.3)
        await ws.disconnect()

    run(scenario)


def test_sessions_the_shop_hides_are_never_sent(shop):
    """MP-1: seats of a counter-only activity's session are not public: selling it sends no
    event; and in a transaction touching both, only the shop's session is listed."""

    def counter_only_session():
        activity = published(
            Product.Kind.ACTIVITY,
            name="Location kayak",
            price=Decimal("15.00"),
            consumer_required=True,
            counter_only=True,
        )
        start = timezone.localtime() + dt.timedelta(days=3)
        session = session_add(
            product=activity, starts_at=start, ends_at=start + dt.timedelta(hours=1), capacity=6
        )
        return activity, session

    activity, hidden = in_schema(shop, counter_only_session)

    def sell_hidden(also_public: bool):
        lines = [LineRequest(product=activity, session=hidden, consumer=shop.payer)]
        if also_public:
            lines.append(
                LineRequest(
                    product=shop.activity,
                    session=shop.session,
                    rate=shop.adult,
                    consumer=shop.payer,
                )
            )
        in_schema(shop, sales.order_create, payer=shop.payer, lines=lines, actor=STAFF)

    async def scenario():
        ws = await watch(shop)
        await db(sell_hidden, False)
        assert await ws.receive_nothing(timeout=0.5)
        await db(sell_hidden, True)
        assert await receive_event(ws) == seats((shop.session, 9, 10))
        assert await ws.receive_nothing(timeout=0.3)
        await ws.disconnect()

    run(scenario)


def test_an_online_basket_hold_and_its_expiry_are_sent_live(shop):
    """MP-1 / issue 12 item 3: putting a session in the online basket takes its seats (sent
    live), and the periodic release of the expired basket gives them back (sent live)."""
    from ponton.sales.models import Basket
    from ponton.selling.holds import basket_add, basket_create, holds_release_expired

    def hold():
        with schema_context(shop.structure.schema_name):
            basket = basket_create()
            basket_add(
                basket=basket,
                product=shop.activity,
                session=shop.session,
                rate=shop.adult,
                quantity=3,
                hold_minutes=20,
            )

    def expire():
        with schema_context(shop.structure.schema_name):
            Basket.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
            return holds_release_expired()

    async def scenario():
        ws = await watch(shop)
        await db(hold)
        assert await receive_event(ws) == seats((shop.session, 7, 10))
        assert await db(expire) == 1
        assert await receive_event(ws) == seats((shop.session, 10, 10))
        assert await ws.receive_nothing(timeout=0.3)
        await ws.disconnect()

    run(scenario)


def test_a_reading_after_a_sale_has_a_greater_version(shop):
    """MP-1 with several web processes (issue 17 §5): each reading carries the version of its
    database snapshot; one taken after a committed sale is greater than one taken before, and
    shows the seat taken. A page keeps the reading with the greatest version."""
    from realtime.selectors import seats_reading

    pk = shop.session.pk
    seats_before, before = in_schema(shop, seats_reading, session_ids=[pk])
    in_schema(shop, sell, shop, (shop.session, shop.payer))
    seats_after, after = in_schema(shop, seats_reading, session_ids=[pk])
    assert after > before
    assert (seats_before[pk], seats_after[pk]) == (
        {"free": 10, "capacity": 10},
        {"free": 9, "capacity": 10},
    )
