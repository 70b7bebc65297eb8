"""The planning through the API (PL-1 add dates, PL-2 change a session): the same services as
Club Manager > Planning, numbered sessions with free seats, French refusals, nothing half-saved."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from ponton.accounts.models import Role
from ponton.catalogue.models import Product
from ponton.planning import services
from ponton.planning.models import Session

PARIS = ZoneInfo("Europe/Paris")
SESSIONS = "/api/v1/sessions/"


def at(day: str, hour: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day} {hour}").replace(tzinfo=PARIS)


@pytest.fixture
def activity(club, in_schema):
    structure, _owner = club
    with in_schema(structure):
        return Product.objects.create(
            kind=Product.Kind.ACTIVITY, name="Stage Optimist", price=Decimal("120.00")
        )


@pytest.fixture
def owner_api(club, api):
    structure, owner = club
    return api(structure, owner)


def stored(structure, in_schema) -> list[tuple]:
    with in_schema(structure):
        return [
            (s.starts_at.astimezone(PARIS).strftime("%Y-%m-%d %H:%M"), s.capacity, s.sold)
            for s in Session.objects.order_by("starts_at", "id")
        ]


def test_add_one_session_and_list_it_numbered(club, activity, owner_api, in_schema):
    """PL-1, PL-2: one session; the list gives its number in the series, sold and free seats."""
    structure, _owner = club
    response = owner_api.post(
        SESSIONS,
        {
            "product": activity.pk,
            "starts_at": "2026-07-06T14:00:00+02:00",
            "ends_at": "2026-07-06T16:00:00+02:00",
            "capacity": 8,
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert {k: body[k] for k in ("product", "starts_at", "capacity", "sold", "free", "number")} == {
        "product": activity.pk,
        "starts_at": "2026-07-06T14:00:00+02:00",
        "capacity": 8,
        "sold": 0,
        "free": 8,
        "number": 1,
    }
    with in_schema(structure):
        services.session_add(
            product=activity,
            starts_at=at("2026-07-05", "09:00"),
            ends_at=at("2026-07-05", "11:00"),
            capacity=6,
        )
        Session.objects.filter(capacity=6).update(sold=2)
    listed = owner_api.get(SESSIONS, {"product": activity.pk}).json()
    assert listed["count"] == 2
    assert [(s["starts_at"], s["number"], s["sold"], s["free"]) for s in listed["results"]] == [
        ("2026-07-05T09:00:00+02:00", 1, 2, 4),
        ("2026-07-06T14:00:00+02:00", 2, 0, 8),
    ]
    # A date range keeps the numbers of the whole series.
    window = owner_api.get(
        SESSIONS, {"start": "2026-07-06T00:00:00+02:00", "end": "2026-07-07T00:00:00+02:00"}
    ).json()["results"]
    assert [(s["starts_at"], s["number"]) for s in window] == [("2026-07-06T14:00:00+02:00", 2)]
    assert owner_api.get(f"{SESSIONS}{body['id']}/").json()["number"] == 2


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (
            {"ends_at": "2026-07-06T13:00:00+02:00"},
            "ends_at",
            "La fin doit être après le début.",
        ),
        ({"capacity": -1}, "capacity", "Le nombre de places ne peut pas être négatif."),
    ],
    ids=["end-before-start", "negative-capacity"],
)
def test_a_refused_session_is_400_in_french(
    club, activity, owner_api, in_schema, change, field, message
):
    """PL-1: end before start, capacity below zero: refused, nothing saved."""
    structure, _owner = club
    data = {
        "product": activity.pk,
        "starts_at": "2026-07-06T14:00:00+02:00",
        "ends_at": "2026-07-06T16:00:00+02:00",
        "capacity": 8,
        **change,
    }
    response = owner_api.post(SESSIONS, data)
    assert response.status_code == 400
    assert response.json() == {field: [message]}
    assert stored(structure, in_schema) == []


def test_only_an_activity_has_sessions(club, owner_api, in_schema):
    structure, _owner = club
    with in_schema(structure):
        cap = Product.objects.create(kind=Product.Kind.SHOP_ITEM, name="Cap", price=Decimal(5))
    response = owner_api.post(
        SESSIONS,
        {
            "product": cap.pk,
            "starts_at": "2026-07-06T14:00:00+02:00",
            "ends_at": "2026-07-06T16:00:00+02:00",
            "capacity": 8,
        },
    )
    assert response.status_code == 400
    assert response.json() == {"product": ["Seule une activité peut avoir des séances."]}


def test_add_several_sessions_all_or_none(club, activity, owner_api, in_schema):
    """PL-1: several sessions at once ("ajouter une autre séance"); one bad one saves none."""
    structure, _owner = club
    good = {"starts_at": "2026-07-07T10:00:00+02:00", "ends_at": "2026-07-07T12:00:00+02:00"}
    bad = {"starts_at": "2026-07-08T10:00:00+02:00", "ends_at": "2026-07-08T09:00:00+02:00"}
    refused = owner_api.post(
        f"{SESSIONS}batch/",
        {"product": activity.pk, "sessions": [{**good, "capacity": 6}, {**bad, "capacity": 6}]},
    )
    assert refused.status_code == 400
    assert refused.json() == {"ends_at": ["La fin doit être après le début."]}
    assert stored(structure, in_schema) == []

    response = owner_api.post(
        f"{SESSIONS}batch/",
        {
            "product": activity.pk,
            "sessions": [
                {**good, "capacity": 6},
                {
                    "starts_at": "2026-07-05T09:00:00+02:00",
                    "ends_at": "2026-07-05T11:00:00+02:00",
                    "capacity": 4,
                },
            ],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["count"] == 2
    assert [(s["starts_at"], s["number"]) for s in body["sessions"]] == [
        ("2026-07-05T09:00:00+02:00", 1),
        ("2026-07-07T10:00:00+02:00", 2),
    ]
    assert stored(structure, in_schema) == [("2026-07-05 09:00", 4, 0), ("2026-07-07 10:00", 6, 0)]


def test_recurring_sessions(club, activity, owner_api, in_schema):
    """PL-1: every Monday and Wednesday of a period, at two times, in Paris time."""
    structure, _owner = club
    response = owner_api.post(
        f"{SESSIONS}recurrence/",
        {
            "product": activity.pk,
            "start_date": "2026-07-06",
            "end_date": "2026-07-15",
            "weekdays": [0, 2],
            "times": [{"start": "09:00", "end": "11:00"}, {"start": "14:00", "end": "16:00"}],
            "capacity": 10,
        },
    )
    assert response.status_code == 201, response.content
    assert response.json()["count"] == 8
    assert [s[0] for s in stored(structure, in_schema)] == [
        "2026-07-06 09:00",
        "2026-07-06 14:00",
        "2026-07-08 09:00",
        "2026-07-08 14:00",
        "2026-07-13 09:00",
        "2026-07-13 14:00",
        "2026-07-15 09:00",
        "2026-07-15 14:00",
    ]
    assert [s["number"] for s in response.json()["sessions"]] == list(range(1, 9))


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"weekdays": []}, "weekdays", "Choisissez au moins un jour de la semaine."),
        ({"end_date": "2026-07-01"}, "end_date", "La fin de la période doit être après son début."),
        ({"times": []}, "times", "Indiquez au moins un horaire."),
        ({"capacity": -3}, "capacity", "Le nombre de places ne peut pas être négatif."),
        (
            {"times": [{"start": "11:00", "end": "09:00"}]},
            "times",
            "La fin doit être après le début.",
        ),
    ],
    ids=["no-weekday", "period-reversed", "no-time", "negative-capacity", "time-reversed"],
)
def test_a_refused_recurrence_saves_nothing(
    club, activity, owner_api, in_schema, change, field, message
):
    """PL-1: a recurrence with no weekday (and the other bad inputs) is refused in French."""
    structure, _owner = club
    data = {
        "product": activity.pk,
        "start_date": "2026-07-06",
        "end_date": "2026-07-15",
        "weekdays": [0],
        "times": [{"start": "09:00", "end": "11:00"}],
        "capacity": 10,
        **change,
    }
    response = owner_api.post(f"{SESSIONS}recurrence/", data)
    assert response.status_code == 400
    assert response.json() == {field: [message]}
    assert stored(structure, in_schema) == []


@pytest.fixture
def two_sessions(club, activity, in_schema):
    structure, _owner = club
    with in_schema(structure):
        first, second = services.sessions_add(
            product=activity,
            sessions=[
                (at("2026-07-06", "09:00"), at("2026-07-06", "11:00"), 8),
                (at("2026-07-06", "14:00"), at("2026-07-06", "16:00"), 8),
            ],
        )
    return first, second


def test_move_a_session_renumbers_its_series(club, two_sessions, owner_api, in_schema):
    """PL-2: move date/time; the numbers follow the new order."""
    structure, _owner = club
    first, _second = two_sessions
    response = owner_api.patch(
        f"{SESSIONS}{first.pk}/",
        {"starts_at": "2026-07-07T09:00:00+02:00", "ends_at": "2026-07-07T12:00:00+02:00"},
    )
    assert response.status_code == 200, response.content
    assert (response.json()["starts_at"], response.json()["number"]) == (
        "2026-07-07T09:00:00+02:00",
        2,
    )
    refused = owner_api.patch(f"{SESSIONS}{first.pk}/", {"ends_at": "2026-07-07T08:00:00+02:00"})
    assert refused.status_code == 400
    assert refused.json() == {"ends_at": ["La fin doit être après le début."]}
    with in_schema(structure):
        session = Session.objects.get(pk=first.pk)
        assert (session.starts_at, session.ends_at) == (
            at("2026-07-07", "09:00"),
            at("2026-07-07", "12:00"),
        )


def test_capacity_never_below_sold_seats(club, two_sessions, owner_api, in_schema):
    """PL-2: change capacity; never below zero nor below the seats sold."""
    structure, _owner = club
    first, _second = two_sessions
    with in_schema(structure):
        Session.objects.filter(pk=first.pk).update(sold=5)
    url = f"{SESSIONS}{first.pk}/capacity/"
    ok = owner_api.post(url, {"capacity": 12})
    assert ok.status_code == 200
    assert (ok.json()["capacity"], ok.json()["free"]) == (12, 7)
    below_sold = owner_api.post(url, {"capacity": 4})
    assert below_sold.status_code == 400
    assert below_sold.json() == {
        "capacity": ["Impossible de descendre sous les 5 places déjà vendues."]
    }
    negative = owner_api.post(url, {"capacity": -1})
    assert negative.json() == {"capacity": ["Le nombre de places ne peut pas être négatif."]}
    with in_schema(structure):
        assert Session.objects.get(pk=first.pk).capacity == 12


def test_delete_a_session(club, two_sessions, owner_api, in_schema):
    """PL-2: delete a session; refused once a seat is sold."""
    structure, _owner = club
    first, second = two_sessions
    with in_schema(structure):
        Session.objects.filter(pk=second.pk).update(sold=1)
    refused = owner_api.delete(f"{SESSIONS}{second.pk}/")
    assert refused.status_code == 400
    assert refused.json() == {
        "detail": "Impossible de supprimer cette séance : 1 place est déjà vendue."
    }
    assert owner_api.delete(f"{SESSIONS}{first.pk}/").status_code == 204
    assert owner_api.get(f"{SESSIONS}{first.pk}/").status_code == 404
    assert stored(structure, in_schema) == [("2026-07-06 14:00", 8, 1)]


def test_delete_a_whole_date(club, activity, two_sessions, owner_api, in_schema):
    """PL-2: delete every session of an activity on one date; none when one has a sale."""
    structure, _owner = club
    first, _second = two_sessions
    with in_schema(structure):
        services.session_add(
            product=activity,
            starts_at=at("2026-07-07", "09:00"),
            ends_at=at("2026-07-07", "11:00"),
            capacity=8,
        )
        Session.objects.filter(pk=first.pk).update(sold=2)
    url = f"{SESSIONS}delete-date/"
    refused = owner_api.post(url, {"product": activity.pk, "date": "2026-07-06"})
    assert refused.status_code == 400
    assert refused.json() == {
        "detail": "Impossible de supprimer cette date : 2 places sont déjà vendues."
    }
    assert len(stored(structure, in_schema)) == 3
    with in_schema(structure):
        Session.objects.filter(pk=first.pk).update(sold=0)
    response = owner_api.post(url, {"product": activity.pk, "date": "2026-07-06"})
    assert (response.status_code, response.json()) == (200, {"deleted": 2})
    assert stored(structure, in_schema) == [("2026-07-07 09:00", 8, 0)]


def test_a_cashier_sees_the_planning_but_cannot_change_it(
    club, two_sessions, make_member, api, in_schema
):
    """Roles: catalogue.view reads the planning; catalogue.manage is needed to change it."""
    structure, _owner = club
    first, _second = two_sessions
    cashier = api(structure, make_member(structure, Role.CASHIER))
    assert cashier.get(SESSIONS).json()["count"] == 2
    assert cashier.post(f"{SESSIONS}{first.pk}/capacity/", {"capacity": 1}).status_code == 403
    assert cashier.delete(f"{SESSIONS}{first.pk}/").status_code == 403
    assert len(stored(structure, in_schema)) == 2


def test_delete_refused_while_a_quote_names_the_session(club, owner_api, in_schema):
    """PL-2 (issue 11, probe 1): DELETE /sessions/{id}/ and delete-date on a session named by
    a quote's line (no seat sold) answer 400 with the quote's number, never a 500; nothing is
    deleted."""
    from ponton.sales.services import LineRequest, order_create
    from tests.support.sales import STAFF, make_shop

    structure, _owner = club
    with in_schema(structure):
        shop = make_shop(capacity=10)
        quote = order_create(
            payer=shop.payer,
            lines=[
                LineRequest(
                    product=shop.activity,
                    session=shop.session,
                    rate=shop.child,
                    consumer=shop.child_customer,
                )
            ],
            actor=STAFF,
            quote=True,
        )
        day = shop.session.starts_at.astimezone(PARIS).date().isoformat()
    before = stored(structure, in_schema)
    response = owner_api.delete(f"{SESSIONS}{shop.session.pk}/")
    assert response.status_code == 400
    assert response.json() == {
        "detail": f"Impossible de supprimer cette séance : elle figure sur le devis {quote.number}."
    }
    response = owner_api.post(f"{SESSIONS}delete-date/", {"product": shop.activity.pk, "date": day})
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Impossible de supprimer cette date : ses séances figurent sur le devis "
        f"{quote.number}."
    }
    assert stored(structure, in_schema) == before


@pytest.mark.parametrize(
    ("capacity", "message"),
    [
        (1_000_000_000_000, "Assurez-vous que cette valeur est inférieure ou égale à 2147483647."),
        (0, "Une séance a au moins 1 place."),
        (100_001, "Une séance a au plus 100 000 places."),
    ],
    ids=["out-of-integer", "zero", "above-max"],
)
def test_absurd_capacities_are_400(club, two_sessions, owner_api, in_schema, capacity, message):
    """PL-1, PL-2 (issue 11, probes 2 and 8): a capacity an integer cannot hold, 0 or above
    100 000 places: 400 with a French message on `capacity` (never a 500), for a new session
    and a change of capacity; nothing changes."""
    structure, _owner = club
    first, _second = two_sessions
    before = stored(structure, in_schema)
    changed = owner_api.post(f"{SESSIONS}{first.pk}/capacity/", {"capacity": capacity})
    assert (changed.status_code, changed.json()) == (400, {"capacity": [message]})
    created = owner_api.post(
        SESSIONS,
        {
            "product": first.product_id,
            "starts_at": "2026-07-06T14:00:00+02:00",
            "ends_at": "2026-07-06T16:00:00+02:00",
            "capacity": capacity,
        },
    )
    assert (created.status_code, created.json()) == (400, {"capacity": [message]})
    assert stored(structure, in_schema) == before


@pytest.mark.parametrize("starts", ["9999-07-06T10:00:00+02:00", "0522-07-12T04:58:13+00:00"])
def test_sessions_outside_the_date_window_are_400(
    club, two_sessions, owner_api, in_schema, starts, monkeypatch
):
    """PL-1, PL-2 (issue 11, probe 8): a session in year 9999 or moved to 0522 is refused (400,
    French, on `starts_at`), created or moved; nothing changes."""
    from ponton.web import bounds

    monkeypatch.setattr(bounds.timezone, "localdate", lambda: dt.date(2026, 12, 2))
    structure, _owner = club
    first, _second = two_sessions
    before = stored(structure, in_schema)
    ends = starts.replace("T10:", "T12:").replace("T04:", "T06:")
    expected = {"starts_at": ["La date doit être comprise entre le 02/12/2016 et le 02/12/2031."]}
    moved = owner_api.patch(f"{SESSIONS}{first.pk}/", {"starts_at": starts, "ends_at": ends})
    assert (moved.status_code, moved.json()) == (400, expected)
    created = owner_api.post(
        SESSIONS,
        {"product": first.product_id, "starts_at": starts, "ends_at": ends, "capacity": 8},
    )
    assert (created.status_code, created.json()) == (400, expected)
    assert stored(structure, in_schema) == before
