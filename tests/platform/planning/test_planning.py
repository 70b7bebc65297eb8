"""PL-1 (add dates), PL-2 (change a session), PL-3 (general planning by week)."""

from __future__ import annotations

import datetime as dt
import html
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from ponton.accounts.models import Role
from ponton.catalogue.models import Product
from ponton.planning import selectors, services
from ponton.planning.models import Session
from ponton.planning.services import PlanningError

PARIS = ZoneInfo("Europe/Paris")
PLANNING = "/manager/planning/"


def at(day: str, hour: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day} {hour}").replace(tzinfo=PARIS)


def make_activity(name: str = "Stage optimist", kind: str = Product.Kind.ACTIVITY) -> Product:
    return Product.objects.create(kind=kind, name=name, price=Decimal("120.00"))


def rows() -> list[tuple]:
    return [
        (
            s.product.name,
            s.starts_at.astimezone(PARIS).strftime("%Y-%m-%d %H:%M"),
            s.ends_at.astimezone(PARIS).strftime("%H:%M"),
            s.capacity,
            s.sold,
            s.number,
        )
        for s in selectors.session_list()
    ]


@pytest.fixture
def tenant(structure_a):
    structure, owner = structure_a
    with schema_context(structure.schema_name):
        yield structure, owner


def test_add_one_and_several_sessions(tenant):
    """PL-1: one session; several sessions at once, numbered in their series by start order."""
    activity = make_activity()
    services.session_add(
        product=activity,
        starts_at=at("2026-07-06", "14:00"),
        ends_at=at("2026-07-06", "16:00"),
        capacity=8,
    )
    services.sessions_add(
        product=activity,
        sessions=[
            (at("2026-07-07", "10:00"), at("2026-07-07", "12:00"), 6),
            (at("2026-07-05", "09:00"), at("2026-07-05", "11:00"), 1),
        ],
    )
    assert rows() == [
        ("Stage optimist", "2026-07-05 09:00", "11:00", 1, 0, 1),
        ("Stage optimist", "2026-07-06 14:00", "16:00", 8, 0, 2),
        ("Stage optimist", "2026-07-07 10:00", "12:00", 6, 0, 3),
    ]


def test_add_refusals_change_nothing(tenant):
    """PL-1: end before start, capacity below zero, a product that is not an activity, all
    refused with a French reason; nothing is saved, not even the valid sessions of the batch."""
    activity = make_activity()
    shop = make_activity("Casquette", Product.Kind.SHOP_ITEM)
    with pytest.raises(PlanningError, match="^La fin doit être après le début.$"):
        services.sessions_add(
            product=activity,
            sessions=[
                (at("2026-07-07", "10:00"), at("2026-07-07", "12:00"), 6),
                (at("2026-07-08", "10:00"), at("2026-07-08", "09:00"), 6),
            ],
        )
    with pytest.raises(PlanningError, match="^Le nombre de places ne peut pas être négatif.$"):
        services.session_add(
            product=activity,
            starts_at=at("2026-07-07", "10:00"),
            ends_at=at("2026-07-07", "12:00"),
            capacity=-1,
        )
    with pytest.raises(PlanningError, match="^Seule une activité peut avoir des séances.$"):
        services.session_add(
            product=shop,
            starts_at=at("2026-07-07", "10:00"),
            ends_at=at("2026-07-07", "12:00"),
            capacity=3,
        )
    assert Session.objects.count() == 0


def test_recurrence_on_weekdays_over_a_period(tenant):
    """PL-1: recurring sessions over a period, on chosen weekdays, at each time slot."""
    activity = make_activity()
    created = services.sessions_add_recurrence(
        product=activity,
        start_date=dt.date(2026, 3, 26),  # a Thursday; summer time starts on Sunday 29 March
        end_date=dt.date(2026, 4, 6),  # a Monday
        weekdays=[0, 5],
        times=[(dt.time(9), dt.time(11)), (dt.time(14), dt.time(17, 30))],
        capacity=10,
    )
    assert len(created) == 8
    assert [r[1:] for r in rows()] == [
        ("2026-03-28 09:00", "11:00", 10, 0, 1),
        ("2026-03-28 14:00", "17:30", 10, 0, 2),
        ("2026-03-30 09:00", "11:00", 10, 0, 3),
        ("2026-03-30 14:00", "17:30", 10, 0, 4),
        ("2026-04-04 09:00", "11:00", 10, 0, 5),
        ("2026-04-04 14:00", "17:30", 10, 0, 6),
        ("2026-04-06 09:00", "11:00", 10, 0, 7),
        ("2026-04-06 14:00", "17:30", 10, 0, 8),
    ]
    # local 09:00 is 08:00 UTC in winter, 07:00 UTC in summer
    utc_hours = [s.starts_at.astimezone(dt.UTC).hour for s in Session.objects.all()][::2]
    assert utc_hours == [8, 7, 7, 7]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"weekdays": []}, "Choisissez au moins un jour de la semaine."),
        ({"end_date": dt.date(2026, 3, 1)}, "La fin de la période doit être après son début."),
        ({"capacity": -2}, "Le nombre de places ne peut pas être négatif."),
        (
            {"times": [(dt.time(9), dt.time(11)), (dt.time(15), dt.time(14))]},
            "La fin doit être après le début.",
        ),
    ],
)
def test_recurrence_refusals_change_nothing(tenant, kwargs, message):
    """PL-1: a recurrence without weekday, a period ending before it starts, a negative
    capacity or a slot ending before it starts is refused; no session is created."""
    activity = make_activity()
    arguments = {
        "product": activity,
        "start_date": dt.date(2026, 3, 2),
        "end_date": dt.date(2026, 3, 31),
        "weekdays": [2],
        "times": [(dt.time(9), dt.time(11))],
        "capacity": 5,
        **kwargs,
    }
    with pytest.raises(PlanningError) as refused:
        services.sessions_add_recurrence(**arguments)
    assert str(refused.value) == message
    assert Session.objects.count() == 0


def test_move_renumbers_the_series(tenant):
    """PL-2: moving a session changes its date/time; the series is renumbered by start order."""
    activity = make_activity()
    first, second, third = services.sessions_add(
        product=activity,
        sessions=[
            (at("2026-07-01", "10:00"), at("2026-07-01", "12:00"), 5),
            (at("2026-07-02", "10:00"), at("2026-07-02", "12:00"), 5),
            (at("2026-07-03", "10:00"), at("2026-07-03", "12:00"), 5),
        ],
    )
    services.session_move(
        session=first, starts_at=at("2026-07-04", "15:00"), ends_at=at("2026-07-04", "17:00")
    )
    assert [(r[1], r[5]) for r in rows()] == [
        ("2026-07-02 10:00", 1),
        ("2026-07-03 10:00", 2),
        ("2026-07-04 15:00", 3),
    ]
    assert selectors.access_session(session_id=first.pk).number == 3
    with pytest.raises(PlanningError, match="^La fin doit être après le début.$"):
        services.session_move(
            session=second, starts_at=at("2026-07-09", "15:00"), ends_at=at("2026-07-09", "15:00")
        )
    second.refresh_from_db()
    assert second.starts_at == at("2026-07-02", "10:00")
    services.session_delete(session=second)
    assert [(r[1], r[5]) for r in rows()] == [("2026-07-03 10:00", 1), ("2026-07-04 15:00", 2)]


def test_capacity_never_below_sold(tenant):
    """PL-2: the capacity can change, never below the seats already sold."""
    activity = make_activity()
    session = services.session_add(
        product=activity,
        starts_at=at("2026-07-01", "10:00"),
        ends_at=at("2026-07-01", "12:00"),
        capacity=8,
    )
    Session.objects.filter(pk=session.pk).update(sold=5)
    services.session_set_capacity(session=session, capacity=5)
    session.refresh_from_db()
    assert (session.capacity, session.sold, session.free) == (5, 5, 0)
    with pytest.raises(PlanningError) as refused:
        services.session_set_capacity(session=session, capacity=4)
    assert str(refused.value) == "Impossible de descendre sous les 5 places déjà vendues."
    with pytest.raises(PlanningError, match="^Le nombre de places ne peut pas être négatif.$"):
        services.session_set_capacity(session=session, capacity=-1)
    session.refresh_from_db()
    assert (session.capacity, session.sold) == (5, 5)
    services.session_set_capacity(session=session, capacity=12)
    session.refresh_from_db()
    assert (session.capacity, session.sold) == (12, 5)


def test_delete_refused_when_seats_are_sold(tenant):
    """PL-2: deleting a session or a whole date is refused, with the reason, once seats are
    sold; otherwise the session(s) of that date are deleted and the series renumbered."""
    activity = make_activity()
    other = make_activity("Balade en kayak")
    morning, afternoon, next_day = services.sessions_add(
        product=activity,
        sessions=[
            (at("2026-07-01", "10:00"), at("2026-07-01", "12:00"), 5),
            (at("2026-07-01", "14:00"), at("2026-07-01", "16:00"), 5),
            (at("2026-07-02", "10:00"), at("2026-07-02", "12:00"), 5),
        ],
    )
    services.session_add(
        product=other,
        starts_at=at("2026-07-01", "10:00"),
        ends_at=at("2026-07-01", "12:00"),
        capacity=4,
    )
    Session.objects.filter(pk=afternoon.pk).update(sold=2)
    before = rows()
    with pytest.raises(PlanningError) as refused:
        services.session_delete(session=afternoon)
    assert str(refused.value) == (
        "Impossible de supprimer cette séance : 2 places sont déjà vendues."
    )
    with pytest.raises(PlanningError) as refused:
        services.sessions_delete_date(product=activity, day=dt.date(2026, 7, 1))
    assert str(refused.value) == "Impossible de supprimer cette date : 2 places sont déjà vendues."
    assert rows() == before

    Session.objects.filter(pk=afternoon.pk).update(sold=0)
    assert services.sessions_delete_date(product=activity, day=dt.date(2026, 7, 1)) == 2
    assert rows() == [
        ("Balade en kayak", "2026-07-01 10:00", "12:00", 4, 0, 1),
        ("Stage optimist", "2026-07-02 10:00", "12:00", 5, 0, 1),
    ]
    assert Session.objects.filter(pk=morning.pk).exists() is False


def test_sold_beyond_capacity_is_refused_by_the_database(tenant):
    """PL-2: the check constraint keeps 0 <= sold <= capacity."""
    from django.db import IntegrityError, transaction

    activity = make_activity()
    session = services.session_add(
        product=activity,
        starts_at=at("2026-07-01", "10:00"),
        ends_at=at("2026-07-01", "12:00"),
        capacity=3,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Session.objects.filter(pk=session.pk).update(sold=4)
    session.refresh_from_db()
    assert session.sold == 0


# --- PL-3: general planning -----------------------------------------------------------------


def page(response) -> str:
    return html.unescape(response.content.decode())


def test_week_view_shows_free_and_sold_seats_and_navigates(tenant, client_for):
    """PL-3: /manager/planning/ lists every activity and the sessions of the chosen week with
    free/sold seats and their number; previous/next week links."""
    structure, owner = tenant
    kayak = make_activity("Balade en kayak")
    optimist = make_activity()
    make_activity("Casquette", Product.Kind.SHOP_ITEM)
    first = services.session_add(
        product=optimist,
        starts_at=at("2026-07-06", "09:00"),
        ends_at=at("2026-07-06", "11:00"),
        capacity=8,
    )
    Session.objects.filter(pk=first.pk).update(sold=3)
    services.session_add(
        product=optimist,
        starts_at=at("2026-07-12", "14:00"),
        ends_at=at("2026-07-12", "16:00"),
        capacity=4,
    )
    services.session_add(
        product=optimist,
        starts_at=at("2026-07-13", "14:00"),
        ends_at=at("2026-07-13", "16:00"),
        capacity=4,
    )
    client = client_for(structure, owner)
    response = client.get(PLANNING, {"week": "2026-07-08"})
    assert response.status_code == 200
    content = page(response)
    assert "Semaine du 6 juillet 2026 au 12 juillet 2026" in content
    assert ">Sélectionnez la semaine</label>" in content
    assert f'data-row="activity-{kayak.pk}"' in content
    assert "Casquette" not in content
    assert '09:00–11:00 <span class="muted">n° 1</span>' in content
    assert "5 libres, 3 vendues" in content
    assert '14:00–16:00 <span class="muted">n° 2</span>' in content
    assert "4 libres, 0 vendues" in content
    assert "n° 3" not in content
    assert 'href="/manager/planning/?week=2026-06-29"' in content
    assert 'href="/manager/planning/?week=2026-07-13"' in content
    assert '<a class="btn" href="/manager/planning/ajouter/">Ajouter des dates</a>' in content
    next_week = page(client.get(PLANNING, {"week": "2026-07-13"}))
    assert "n° 3" in next_week


def test_week_view_query_count_does_not_grow(tenant, client_for):
    """PL-3: the same number of SQL queries for 1 activity with 1 session as for 20 activities
    with 5 sessions each."""
    structure, owner = tenant
    client = client_for(structure, owner)

    def count() -> int:
        client.get(PLANNING, {"week": "2026-07-06"})  # warm caches (session, tenant, menu)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(PLANNING, {"week": "2026-07-06"}).status_code == 200
        return len(queries)

    services.session_add(
        product=make_activity("Activité 0"),
        starts_at=at("2026-07-06", "09:00"),
        ends_at=at("2026-07-06", "10:00"),
        capacity=5,
    )
    small = count()
    for i in range(1, 20):
        services.sessions_add_recurrence(
            product=make_activity(f"Activité {i}"),
            start_date=dt.date(2026, 7, 6),
            end_date=dt.date(2026, 7, 10),
            weekdays=[0, 1, 2, 3, 4],
            times=[(dt.time(9), dt.time(10))],
            capacity=5,
        )
    assert Session.objects.count() == 96
    assert count() == small


def test_add_dates_form(tenant, client_for, make_member):
    """PL-1 via PL-3: "Ajouter des dates" creates the recurrence; a bad form shows the French
    error next to the field and creates nothing; a staff member without catalogue.manage sees
    no form."""
    structure, owner = tenant
    activity = make_activity()
    client = client_for(structure, owner)
    form = page(client.get(PLANNING + "ajouter/"))
    for label in ("Activité", "Du", "Au", "Heure de début", "Heure de fin", "Nombre de places"):
        assert f">{label}</label>" in form
    assert "Lundi</label>" in form
    data = {
        "product": activity.pk,
        "start_date": "2026-07-06",
        "end_date": "2026-07-19",
        "start_time": "09:30",
        "end_time": "12:00",
        "capacity": "7",
    }
    refused = client.post(PLANNING + "ajouter/", data)
    assert refused.status_code == 400
    assert "Choisissez au moins un jour de la semaine." in page(refused)
    assert Session.objects.count() == 0
    response = client.post(PLANNING + "ajouter/", {**data, "weekdays": ["2", "6"]})
    assert response.status_code == 302
    assert response["Location"] == "/manager/planning/?week=2026-07-06"
    assert [r[1:] for r in rows()] == [
        ("2026-07-08 09:30", "12:00", 7, 0, 1),
        ("2026-07-12 09:30", "12:00", 7, 0, 2),
        ("2026-07-15 09:30", "12:00", 7, 0, 3),
        ("2026-07-19 09:30", "12:00", 7, 0, 4),
    ]
    cashier = make_member(structure, Role.CASHIER)  # catalogue.view without catalogue.manage
    cashier_client = client_for(structure, cashier)
    view = cashier_client.get(PLANNING, {"week": "2026-07-06"})
    assert view.status_code == 200
    assert "Ajouter des dates" not in page(view)
    assert "2 libres" not in page(view) and "7 libres, 0 vendues" in page(view)
    denied = cashier_client.post(PLANNING + "ajouter/", {**data, "weekdays": ["0"]})
    assert denied.status_code == 403
    assert Session.objects.count() == 4


@pytest.mark.parametrize(
    ("starts", "capacity", "field", "message"),
    [
        ("2026-07-06 10:00", 0, "capacity", "Une séance a au moins 1 place."),
        ("2026-07-06 10:00", 100_001, "capacity", "Une séance a au plus 100 000 places."),
        (
            "9999-07-06 10:00",
            8,
            "starts_at",
            "La date doit être comprise entre le 02/12/2016 et le 02/12/2031.",
        ),
        (
            "0522-07-12 04:00",
            8,
            "starts_at",
            "La date doit être comprise entre le 02/12/2016 et le 02/12/2031.",
        ),
    ],
    ids=["no-place", "too-many", "year-9999", "year-522"],
)
def test_absurd_sessions_are_refused(tenant, starts, capacity, field, message, monkeypatch):
    """PL-1, PL-2 (issue 11, probe 8): at least 1 place, at most 100 000, dates within 10 years
    back and 5 ahead of today; refused when added, moved, or given that capacity; nothing
    changes."""
    from ponton.web import bounds

    monkeypatch.setattr(bounds.timezone, "localdate", lambda: dt.date(2026, 12, 2))
    activity = make_activity()
    session = services.session_add(
        product=activity,
        starts_at=at("2026-07-06", "10:00"),
        ends_at=at("2026-07-06", "12:00"),
        capacity=8,
    )
    starts_at = dt.datetime.fromisoformat(starts).replace(tzinfo=dt.UTC)
    with pytest.raises(PlanningError) as refused:
        services.session_add(
            product=activity,
            starts_at=starts_at,
            ends_at=starts_at + dt.timedelta(hours=2),
            capacity=capacity,
        )
    assert (refused.value.field, str(refused.value)) == (field, message)
    with pytest.raises(PlanningError) as refused:
        if field == "capacity":
            services.session_set_capacity(session=session, capacity=capacity)
        else:
            services.session_move(
                session=session, starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=2)
            )
    assert (refused.value.field, str(refused.value)) == (field, message)
    assert rows() == [("Stage optimist", "2026-07-06 10:00", "12:00", 8, 0, 1)]
