"""RE-1: seats sold respect equipment needed per participant (the one seat-taking path of every
channel: the Club Manager's orders, the shop's baskets; the till in tests/modules/pos), and
races against the real PostgreSQL: planners on one instructor, buyers on shared boats."""

from __future__ import annotations

import datetime as dt

import pytest
from django_tenants.utils import schema_context

from ponton.planning import services
from ponton.planning import services_resources as res
from ponton.planning import services_resources_settings as rs
from ponton.planning.models import Resource, Session, SessionResource
from ponton.sales.services import LineRequest, SoldOutError, order_create, release
from tests.support.races import _race
from tests.support.sales import STAFF, make_shop


def _lasers(shop, count: int) -> tuple[Resource, Session]:
    """`count` Lasers, 1 per participant on the shop's session and on a second session of the
    same activity overlapping it by an hour."""
    laser = rs.resource_create(data=rs.ResourceData(kind="equipment", name="Laser", quantity=count))
    overlapping = services.session_add(
        product=shop.activity,
        starts_at=shop.session.starts_at + dt.timedelta(hours=2),
        ends_at=shop.session.ends_at + dt.timedelta(hours=2),
        capacity=count,
    )
    for session in (shop.session, overlapping):
        res.session_resource_add(session=session, resource=laser, quantity=1, per_participant=True)
    return laser, overlapping


def _buy(shop, session, quantity: int = 1):
    return order_create(
        payer=shop.payer,
        lines=[
            LineRequest(
                product=shop.activity,
                session=session,
                rate=shop.adult,
                consumer=shop.payer,
                quantity=quantity,
            )
        ],
        actor=STAFF,
    )


def test_a_seventh_seat_on_overlapping_sessions_using_six_lasers_is_refused(structure_a):
    """RE-1: 6 Lasers, 1 per participant: 4 seats on one session and 2 on an overlapping one
    are sold; the 7th (by the Club Manager or the shop) says why in French and takes nothing;
    a cancelled seat gives its Laser back."""
    structure, _owner = structure_a
    with schema_context(structure.schema_name):
        shop = make_shop(capacity=6)
        laser, overlapping = _lasers(shop, 6)
        first = _buy(shop, shop.session, 4)
        _buy(shop, overlapping, 2)
        words = res.session_words(
            name="Stage catamaran", starts_at=shop.session.starts_at, ends_at=shop.session.ends_at
        )
        with pytest.raises(SoldOutError) as refused:
            _buy(shop, overlapping)
        assert str(refused.value) == (
            f"Plus assez de Laser : 4 sur 6 déjà pris par {words} (il en faut 3 pour cette séance)."
        )
        from ponton.selling.holds import basket_add, basket_create

        with pytest.raises(SoldOutError, match="^Plus assez de Laser : 4 sur 6"):
            basket_add(
                basket=basket_create(),
                product=shop.activity,
                session=overlapping,
                rate=shop.adult,
                quantity=1,
                hold_minutes=20,
            )
        assert Session.objects.get(pk=overlapping.pk).sold == 2
        held = dict(SessionResource.objects.values_list("session_id", "quantity"))
        assert held == {shop.session.pk: 4, overlapping.pk: 2}

        release(line=first.lines.get())  # 4 seats cancelled on the first session
        _buy(shop, overlapping)
        held = dict(SessionResource.objects.values_list("session_id", "quantity"))
        assert held == {shop.session.pk: 0, overlapping.pk: 3}


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_race_twelve_planners_put_one_instructor_on_overlapping_sessions(make_structure):
    """RE-1: 12 planners at the same moment assign Marie to 12 sessions that all overlap: one
    gets her, the 11 others are refused by name (the exclusion constraint has the last word
    when their checks ran together)."""
    structure, _owner = make_structure(name="Club des moniteurs")
    with schema_context(structure.schema_name):
        shop = make_shop(capacity=6)
        marie = rs.resource_create(data=rs.ResourceData(kind="person", name="Marie"))
        sessions = [
            services.session_add(
                product=shop.activity,
                starts_at=shop.session.starts_at + dt.timedelta(minutes=5 * i),
                ends_at=shop.session.ends_at + dt.timedelta(minutes=5 * i),
                capacity=6,
            )
            for i in range(12)
        ]

    def assign(session):
        def call() -> str:
            try:
                res.session_resource_add(session=session, resource=marie)
            except res.ResourceError as exc:
                return (
                    "refused"
                    if str(exc).startswith("Marie est déjà sur Stage catamaran du")
                    else repr(exc)
                )
            return "ok"

        return call

    outcomes = [o for o, _at in _race(structure, [assign(s) for s in sessions], connections=12)]
    assert outcomes.count("ok") == 1
    assert outcomes.count("refused") == 11
    with schema_context(structure.schema_name):
        assert SessionResource.objects.filter(resource=marie).count() == 1


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_race_twenty_buyers_on_two_sessions_sharing_six_lasers(make_structure):
    """RE-1: 20 buyers at once, half on each of two overlapping sessions that need 1 Laser per
    participant out of 6: exactly 6 seats are sold, never a 7th Laser."""
    structure, _owner = make_structure(name="Club des Lasers")
    with schema_context(structure.schema_name):
        shop = make_shop(capacity=6)
        _laser, overlapping = _lasers(shop, 6)

    def buy(session):
        def call() -> str:
            try:
                _buy(shop, session)
            except SoldOutError as exc:
                return "refused" if str(exc).startswith("Plus assez de Laser") else repr(exc)
            return "ok"

        return call

    calls = [buy(shop.session if i % 2 else overlapping) for i in range(20)]
    outcomes = [o for o, _at in _race(structure, calls, connections=20)]
    assert outcomes.count("ok") == 6
    assert outcomes.count("refused") == 14
    with schema_context(structure.schema_name):
        sold = sum(Session.objects.filter(product=shop.activity).values_list("sold", flat=True))
        assert sold == 6
        assert sum(SessionResource.objects.values_list("quantity", flat=True)) == 6


def test_the_shop_and_its_live_counts_show_the_seats_the_lasers_still_allow(
    structure_a, monkeypatch, django_capture_on_commit_callbacks
):
    """RE-1: seats left by the capacity are not all sellable when the equipment per participant
    runs out first: the shop's session list and its live counts show what the Lasers allow, and
    a sale on one session sends the new count of the session sharing its Lasers too."""
    from ponton.shop.selectors import activity_weeks
    from realtime import services as live
    from realtime.selectors import session_seats

    sent: list[dict] = []
    monkeypatch.setattr(live, "publish", lambda **kwargs: sent.append(kwargs["payload"]))
    structure, _owner = structure_a
    with schema_context(structure.schema_name):
        shop = make_shop(capacity=6)
        _laser, overlapping = _lasers(shop, 6)
        _buy(shop, shop.session, 3)
        with django_capture_on_commit_callbacks(execute=True):
            _buy(shop, overlapping, 1)
        # 3 + 1 of 6 Lasers taken: the first session may add 2 (not its 3 free seats), the
        # overlapping one 2 (not its 5).
        assert sent[-1]["sessions"] == {
            str(shop.session.pk): {"free": 2, "capacity": 6},
            str(overlapping.pk): {"free": 2, "capacity": 6},
        }
        seats = session_seats(session_ids=[shop.session.pk, overlapping.pk])
        assert seats == {
            shop.session.pk: {"free": 2, "capacity": 6},
            overlapping.pk: {"free": 2, "capacity": 6},
        }
        listed = {
            state.pk: state.free
            for week in activity_weeks(product=shop.activity).weeks
            for state in week.sessions
        }
        assert listed[shop.session.pk] == 2
        assert listed[overlapping.pk] == 2
        _buy(shop, overlapping, 2)
        listed = {
            state.pk: (state.free, state.bookable)
            for week in activity_weeks(product=shop.activity).weeks
            for state in week.sessions
        }
        assert listed[shop.session.pk] == (0, False)
        assert listed[overlapping.pk] == (0, False)
