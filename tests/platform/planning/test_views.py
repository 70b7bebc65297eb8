"""Planning pages: the session page (PL-2), "Ajouter une autre séance" (PL-1) and the day, week
and month views of the general and dedicated plannings (PL-3)."""

from __future__ import annotations

import datetime as dt
import html
import re
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

PARIS = ZoneInfo("Europe/Paris")
PLANNING = "/manager/planning/"


def at(day: str, hour: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day} {hour}").replace(tzinfo=PARIS)


def make_activity(name: str = "Stage optimist", kind: str = Product.Kind.ACTIVITY) -> Product:
    return Product.objects.create(kind=kind, name=name, price=Decimal("120.00"))


def page(response) -> str:
    return html.unescape(response.content.decode())


def rows(product: Product | None = None) -> list[tuple]:
    return [
        (
            s.product.name,
            s.starts_at.astimezone(PARIS).strftime("%Y-%m-%d %H:%M"),
            s.ends_at.astimezone(PARIS).strftime("%H:%M"),
            s.capacity,
            s.sold,
            s.number,
        )
        for s in selectors.session_list(product=product)
    ]


def error_after(content: str, anchor: str) -> str:
    """The first error message following `anchor` in the page (the field's own errorlist)."""
    found = re.search(
        re.escape(anchor) + r'.*?<ul class="errorlist" role="alert"><li>(.*?)</li>', content, re.S
    )
    assert found, f"no error after {anchor}"
    return found.group(1)


@pytest.fixture
def tenant(structure_a):
    structure, owner = structure_a
    with schema_context(structure.schema_name):
        yield structure, owner


@pytest.fixture
def series(tenant):
    """Three sessions of "Stage optimist" (6, 7 and 8 July 2026) and one of another activity."""
    optimist = make_activity()
    kayak = make_activity("Balade en kayak")
    sessions = services.sessions_add(
        product=optimist,
        sessions=[
            (at("2026-07-06", "10:00"), at("2026-07-06", "12:00"), 8),
            (at("2026-07-07", "10:00"), at("2026-07-07", "12:00"), 8),
            (at("2026-07-07", "14:00"), at("2026-07-07", "16:00"), 6),
        ],
    )
    services.session_add(
        product=kayak,
        starts_at=at("2026-07-07", "09:00"),
        ends_at=at("2026-07-07", "11:00"),
        capacity=4,
    )
    return optimist, kayak, sessions


def session_url(session, action: str = "") -> str:
    return f"{PLANNING}seances/{session.pk}/{action}"


# --- PL-2: the session page ------------------------------------------------------------------


def test_session_page_shows_the_session_and_its_number(tenant, series, client_for, make_member):
    """PL-2: the session page shows the activity, date, times, its number in the series ("n° 2"),
    capacity, sold and free seats; a role without catalogue.manage sees no form and may not
    change anything."""
    structure, owner = tenant
    optimist, _kayak, (_first, second, _third) = series
    Session.objects.filter(pk=second.pk).update(sold=3)
    client = client_for(structure, owner)
    week = page(client.get(PLANNING, {"week": "2026-07-06"}))
    assert f'<a href="/manager/planning/seances/{second.pk}/">10:00–12:00' in week
    content = page(client.get(session_url(second)))
    assert "Stage optimist : séance n° 2</h1>" in content
    assert '<td data-field="date">Mardi 7 juillet 2026</td>' in content
    assert '<td data-field="times">10:00–12:00</td>' in content
    assert "n° 2 sur 3 séances" in content
    assert "(du 06/07/2026 10:00 au 07/07/2026 16:00)" in content
    assert '<td data-field="capacity">8</td>' in content
    assert '<td data-field="sold">3</td>' in content
    assert '<span class="badge orange">5</span>' in content
    for label in ("Nouvelle date", "Heure de début", "Heure de fin", "Nombre de places"):
        assert f">{label}</label>" in content
    assert 'value="2026-07-07"' in content and 'value="10:00"' in content
    assert ">Supprimer cette séance</button>" in content
    assert ">Supprimer cette date</button>" in content
    assert "Supprime les 2 séances de l'activité du mardi 7 juillet 2026." in content

    cashier = client_for(structure, make_member(structure, Role.CASHIER))
    seen = cashier.get(session_url(second))
    assert seen.status_code == 200
    assert "n° 2 sur 3 séances" in page(seen)
    assert "Déplacer la séance" not in page(seen)
    assert "Supprimer cette date" not in page(seen)
    before = rows()
    for action, data in (
        (
            "deplacer/",
            {"move-date": "2026-07-20", "move-start_time": "9:00", "move-end_time": "10:00"},
        ),
        ("places/", {"capacity-capacity": "20"}),
        ("supprimer/", {}),
        ("supprimer-date/", {}),
    ):
        assert cashier.post(session_url(second, action), data).status_code == 403
    assert rows() == before


def test_unknown_session_is_404(tenant, client_for):
    """PL-2: a session id that does not exist answers 404."""
    structure, owner = tenant
    client = client_for(structure, owner)
    assert client.get(f"{PLANNING}seances/999999/").status_code == 404
    assert client.post(f"{PLANNING}seances/999999/deplacer/", {}).status_code == 404


def test_move_a_session_renumbers_the_series(tenant, series, client_for):
    """PL-2: moving a session to a new date and times; success message, redirect to its page,
    which shows its new number in the series."""
    structure, owner = tenant
    optimist, _kayak, (first, _second, _third) = series
    client = client_for(structure, owner)
    assert client.get(session_url(first, "deplacer/")).status_code == 405
    response = client.post(
        session_url(first, "deplacer/"),
        {"move-date": "2026-07-09", "move-start_time": "14:00", "move-end_time": "17:00"},
    )
    assert response.status_code == 302
    assert response["Location"] == session_url(first)
    assert rows(optimist) == [
        ("Stage optimist", "2026-07-07 10:00", "12:00", 8, 0, 1),
        ("Stage optimist", "2026-07-07 14:00", "16:00", 6, 0, 2),
        ("Stage optimist", "2026-07-09 14:00", "17:00", 8, 0, 3),
    ]
    content = page(client.get(response["Location"]))
    assert "La séance a été déplacée." in content
    assert "Stage optimist : séance n° 3</h1>" in content
    assert '<td data-field="date">Jeudi 9 juillet 2026</td>' in content


@pytest.mark.parametrize(
    ("data", "anchor", "message"),
    [
        (
            {"move-date": "2026-07-09", "move-start_time": "14:00", "move-end_time": "13:00"},
            'id="id_move-end_time"',
            "La fin doit être après le début.",
        ),
        (
            {"move-date": "2026-07-09", "move-start_time": "14:00", "move-end_time": "14:00"},
            'id="id_move-end_time"',
            "La fin doit être après le début.",
        ),
        (
            {"move-date": "2026-02-30", "move-start_time": "14:00", "move-end_time": "15:00"},
            'id="id_move-date"',
            "Saisissez une date valide.",
        ),
        (
            {"move-date": "2026-07-09", "move-start_time": "", "move-end_time": "15:00"},
            'id="id_move-start_time"',
            "Ce champ est obligatoire.",
        ),
    ],
)
def test_move_refusals_change_nothing(tenant, series, client_for, data, anchor, message):
    """PL-2: a move with the end before (or at) the start, or a bad date, is refused with the
    French message next to its field; the session stays where it was."""
    structure, owner = tenant
    _optimist, _kayak, (first, _second, _third) = series
    client = client_for(structure, owner)
    before = rows()
    response = client.post(session_url(first, "deplacer/"), data)
    assert response.status_code == 400
    content = page(response)
    assert error_after(content, anchor) == message
    assert "La séance n'a pas été déplacée : corrigez le formulaire." in content
    assert rows() == before


def test_change_capacity_never_below_sold(tenant, series, client_for):
    """PL-2: the capacity changes; below the seats sold it is refused with the reason next to
    the field, nothing changed."""
    structure, owner = tenant
    _optimist, _kayak, (first, _second, _third) = series
    Session.objects.filter(pk=first.pk).update(sold=5)
    client = client_for(structure, owner)
    assert "5 places sont déjà vendues" in page(client.get(session_url(first)))
    for value, message in (
        ("4", "Impossible de descendre sous les 5 places déjà vendues."),
        ("-1", "Le nombre de places ne peut pas être négatif."),
        ("douze", "Saisissez un nombre entier."),
    ):
        refused = client.post(session_url(first, "places/"), {"capacity-capacity": value})
        assert refused.status_code == 400
        assert error_after(page(refused), 'id="id_capacity-capacity"') == message
        first.refresh_from_db()
        assert (first.capacity, first.sold) == (8, 5)
    response = client.post(session_url(first, "places/"), {"capacity-capacity": "12"})
    assert response.status_code == 302
    first.refresh_from_db()
    assert (first.capacity, first.sold, first.free) == (12, 5, 7)
    assert "Le nombre de places a été enregistré." in page(client.get(response["Location"]))


def test_delete_a_session_refused_when_seats_are_sold(tenant, series, client_for):
    """PL-2: "Supprimer cette séance" is refused with the reason once a seat is sold; otherwise
    the session is deleted and the series renumbered."""
    structure, owner = tenant
    optimist, _kayak, (first, second, third) = series
    Session.objects.filter(pk=first.pk).update(sold=1)
    client = client_for(structure, owner)
    before = rows()
    refused = client.post(session_url(first, "supprimer/"))
    assert refused.status_code == 400
    content = page(refused)
    assert "La séance n'a pas été supprimée." in content
    assert error_after(content, f'action="/manager/planning/seances/{first.pk}/supprimer/"') == (
        "Impossible de supprimer cette séance : 1 place est déjà vendue."
    )
    assert rows() == before

    Session.objects.filter(pk=first.pk).update(sold=0)
    response = client.post(session_url(first, "supprimer/"))
    assert response.status_code == 302
    assert response["Location"] == f"{PLANNING}activite/{optimist.pk}/?week=2026-07-06"
    assert "La séance a été supprimée." in page(client.get(response["Location"]))
    assert [(r[1], r[5]) for r in rows(optimist)] == [
        ("2026-07-07 10:00", 1),
        ("2026-07-07 14:00", 2),
    ]
    assert client.get(session_url(first)).status_code == 404


def test_delete_a_date_refused_when_any_seat_is_sold(tenant, series, client_for):
    """PL-2: "Supprimer cette date" deletes every session of that activity that day (not the
    other activities'), refused with the reason, deleting nothing, when a seat is sold."""
    structure, owner = tenant
    optimist, kayak, (_first, second, third) = series
    Session.objects.filter(pk=third.pk).update(sold=2)
    client = client_for(structure, owner)
    before = rows()
    refused = client.post(session_url(second, "supprimer-date/"))
    assert refused.status_code == 400
    content = page(refused)
    assert "La date n'a pas été supprimée." in content
    assert error_after(content, "séances de l'activité du mardi 7 juillet 2026.") == (
        "Impossible de supprimer cette date : 2 places sont déjà vendues."
    )
    assert rows() == before

    Session.objects.filter(pk=third.pk).update(sold=0)
    response = client.post(session_url(second, "supprimer-date/"))
    assert response.status_code == 302
    assert response["Location"] == f"{PLANNING}activite/{optimist.pk}/?week=2026-07-06"
    assert "2 séances supprimées le 07/07/2026." in page(client.get(response["Location"]))
    assert rows() == [
        ("Stage optimist", "2026-07-06 10:00", "12:00", 8, 0, 1),
        ("Balade en kayak", "2026-07-07 09:00", "11:00", 4, 0, 1),
    ]


# --- PL-1: "Ajouter une autre séance" ---------------------------------------------------------


def formset_data(*lines: tuple[str, str, str, str]) -> dict:
    data = {
        "form-TOTAL_FORMS": str(len(lines)),
        "form-INITIAL_FORMS": "0",
        "form-MIN_NUM_FORMS": "1",
        "form-MAX_NUM_FORMS": "200",
    }
    for i, (day, start, end, capacity) in enumerate(lines):
        data.update(
            {
                f"form-{i}-date": day,
                f"form-{i}-start_time": start,
                f"form-{i}-end_time": end,
                f"form-{i}-capacity": capacity,
            }
        )
    return data


def test_add_several_sessions_at_once(tenant, client_for):
    """PL-1: "Ajouter une autre séance": one row per session; the button adds a row (without
    JavaScript, by posting the form); empty extra rows are ignored; all rows saved at once."""
    structure, owner = tenant
    activity = make_activity()
    client = client_for(structure, owner)
    url = f"{PLANNING}activite/{activity.pk}/seances/"
    form = page(client.get(url))
    assert ">Ajouter une autre séance</button>" in form
    for label in ("Date", "Heure de début", "Heure de fin", "Nombre de places"):
        assert f">{label}</label>" in form
    assert 'name="form-TOTAL_FORMS" value="1"' in form
    assert 'id="id_form-__prefix__-date"' in form  # the row the script clones

    one_row = formset_data(("2026-10-06", "20:00", "22:00", "10"))
    more = client.post(url, {**one_row, "ajouter_ligne": "1"})
    assert more.status_code == 200
    content = page(more)
    assert 'name="form-TOTAL_FORMS" value="2"' in content
    assert 'id="id_form-1-date"' in content
    assert 'name="form-0-date" value="2026-10-06"' in content
    assert "errorlist" not in content
    assert Session.objects.count() == 0

    response = client.post(
        url,
        formset_data(
            ("2026-10-13", "20:00", "22:00", "10"),
            ("2026-10-06", "20:30", "21:30", "8"),
            ("", "", "", ""),
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == f"{PLANNING}activite/{activity.pk}/?week=2026-10-05"
    assert "2 séances ajoutées." in page(client.get(response["Location"]))
    assert rows() == [
        ("Stage optimist", "2026-10-06 20:30", "21:30", 8, 0, 1),
        ("Stage optimist", "2026-10-13 20:00", "22:00", 10, 0, 2),
    ]


@pytest.mark.parametrize(
    ("bad_row", "anchor", "message"),
    [
        (
            ("2026-10-13", "20:00", "19:00", "10"),
            'id="id_form-1-end_time"',
            "La fin doit être après le début.",
        ),
        (
            ("2026-10-13", "20:00", "22:00", "-3"),
            'id="id_form-1-capacity"',
            "Le nombre de places ne peut pas être négatif.",
        ),
        (
            ("2026-10-13", "", "22:00", "10"),
            'id="id_form-1-start_time"',
            "Ce champ est obligatoire.",
        ),
        (
            ("13/13/2026", "20:00", "22:00", "10"),
            'id="id_form-1-date"',
            "Saisissez une date valide.",
        ),
    ],
)
def test_add_several_sessions_one_bad_row_saves_nothing(
    tenant, client_for, bad_row, anchor, message
):
    """PL-1: if one row is wrong, the error shows on that row and no session is saved."""
    structure, owner = tenant
    activity = make_activity()
    client = client_for(structure, owner)
    url = f"{PLANNING}activite/{activity.pk}/seances/"
    response = client.post(url, formset_data(("2026-10-06", "20:00", "22:00", "10"), bad_row))
    assert response.status_code == 400
    content = page(response)
    assert error_after(content, anchor) == message
    assert "Séance <span data-number>2</span>" in content
    assert "Les séances n'ont pas été ajoutées : corrigez le formulaire." in content
    assert 'name="form-0-date" value="2026-10-06"' in content
    assert Session.objects.count() == 0


def test_add_several_sessions_needs_one_row_and_an_activity(tenant, client_for, make_member):
    """PL-1: an empty first row is refused; a product that is not an activity has no such page;
    a role without catalogue.manage may not add sessions."""
    structure, owner = tenant
    activity = make_activity()
    shop = make_activity("Casquette", Product.Kind.SHOP_ITEM)
    client = client_for(structure, owner)
    url = f"{PLANNING}activite/{activity.pk}/seances/"
    refused = client.post(url, formset_data(("", "", "", "")))
    assert refused.status_code == 400
    assert error_after(page(refused), 'id="id_form-0-date"') == "Ce champ est obligatoire."
    assert client.get(f"{PLANNING}activite/{shop.pk}/seances/").status_code == 404
    cashier = client_for(structure, make_member(structure, Role.CASHIER))
    assert cashier.get(url).status_code == 403
    denied = cashier.post(url, formset_data(("2026-10-06", "20:00", "22:00", "10")))
    assert denied.status_code == 403
    assert "Ajouter des séances" not in page(cashier.get(f"{PLANNING}activite/{activity.pk}/"))
    assert Session.objects.count() == 0


# --- PL-3: day, week and month views, general and dedicated ------------------------------------


def test_general_day_view(tenant, series, client_for):
    """PL-3: the general planning of one day: every activity with its sessions of that day and
    their free/sold seats; previous/next day; the day/week/month switch."""
    structure, owner = tenant
    optimist, kayak, (_first, second, _third) = series
    Session.objects.filter(pk=second.pk).update(sold=8)
    client = client_for(structure, owner)
    content = page(client.get(PLANNING, {"vue": "jour", "date": "2026-07-07"}))
    assert "Journée du mardi 7 juillet 2026" in content
    assert ">Sélectionnez le jour</label>" in content
    assert '<span class="badge red">0 libres, 8 vendues</span>' in content
    assert "6 libres, 0 vendues" in content and "4 libres, 0 vendues" in content
    assert '10:00–12:00 <span class="muted">n° 2</span>' in content
    assert "n° 1</span>" in content  # the kayak's only session
    assert (
        '<span class="muted">n° 1</span></a><br><span class="badge green">8 libres' not in content
    )
    assert f'data-row="activity-{optimist.pk}"' in content
    assert f'data-row="activity-{kayak.pk}"' in content
    assert 'href="/manager/planning/?vue=jour&date=2026-07-06"' in content
    assert 'href="/manager/planning/?vue=jour&date=2026-07-08"' in content
    assert 'href="/manager/planning/?week=2026-07-07"' in content  # switch to the week
    assert 'href="/manager/planning/?vue=mois&date=2026-07-07"' in content
    empty_day = page(client.get(PLANNING, {"vue": "jour", "date": "2026-07-08"}))
    assert empty_day.count("Aucune séance ce jour-là.") == 2


def test_general_month_view_is_a_calendar(tenant, series, client_for):
    """PL-3: the month view is a calendar grid of whole weeks (Monday first), each day with its
    sessions (activity, times, number, free/sold seats)."""
    structure, owner = tenant
    client = client_for(structure, owner)
    content = page(client.get(PLANNING, {"vue": "mois", "date": "2026-07-15"}))
    assert "<h2>Juillet 2026</h2>" in content
    assert ">Sélectionnez le mois</label>" in content
    assert 'value="2026-07"' in content
    days = re.findall(r'data-day="([\d-]+)"', content)
    assert days[0] == "2026-06-29" and days[-1] == "2026-08-02"  # Monday to Sunday
    assert len(days) == 35
    squares = dict(re.findall(r'data-day="([\d-]+)"[^>]*>(.*?)</td>', content, re.S))
    assert "Stage optimist" in squares["2026-07-06"] and "n° 1" in squares["2026-07-06"]
    seventh = squares["2026-07-07"]
    assert seventh.index("Balade en kayak") < seventh.index("10:00–12:00")  # by start time
    assert "14:00–16:00" in seventh and "6 libres, 0 vendues" in seventh
    assert "Stage optimist" not in squares["2026-07-08"]
    assert 'class="outside"' in content
    assert 'href="/manager/planning/?vue=mois&date=2026-06-01"' in content
    assert 'href="/manager/planning/?vue=mois&date=2026-08-01"' in content
    assert 'href="/manager/planning/?vue=jour&date=2026-07-07"' in content
    # the month picker's own format
    assert "<h2>Août 2026</h2>" in page(client.get(PLANNING, {"vue": "mois", "date": "2026-08"}))


def test_dedicated_planning_shows_one_activity(tenant, series, client_for):
    """PL-3: the dedicated planning (planning dédié) of one activity, by week, day and month,
    linked from the general planning; other activities are not shown."""
    structure, owner = tenant
    optimist, kayak, (_first, second, _third) = series
    Session.objects.filter(pk=second.pk).update(sold=2)
    client = client_for(structure, owner)
    base = f"{PLANNING}activite/{optimist.pk}/"
    general = page(client.get(PLANNING, {"week": "2026-07-06"}))
    assert f'<a href="{base}">Stage optimist</a>' in general

    week = page(client.get(base, {"week": "2026-07-08"}))
    assert "Planning dédié : Stage optimist</h1>" in week
    assert "Semaine du 6 juillet 2026 au 12 juillet 2026" in week
    assert ">Sélectionnez la semaine</label>" in week
    assert "6 libres, 2 vendues" in week and "n° 3</span>" in week
    assert "Balade en kayak" not in week and f"activity-{kayak.pk}" not in week
    assert f'href="{base}?week=2026-06-29"' in week and f'href="{base}?week=2026-07-13"' in week
    assert f'href="/manager/planning/activite/{optimist.pk}/seances/">Ajouter des séances' in week

    day = page(client.get(base, {"vue": "jour", "date": "2026-07-07"}))
    assert "Journée du mardi 7 juillet 2026" in day
    assert "n° 2</span>" in day and "n° 3</span>" in day and "n° 1</span>" not in day
    assert "Balade en kayak" not in day

    month = page(client.get(base, {"vue": "mois", "date": "2026-07-01"}))
    assert "n° 1</span>" in month and "n° 3</span>" in month
    assert "Balade en kayak" not in month
    assert f'href="{base}?vue=mois&date=2026-08-01"' in month

    shop = make_activity("Casquette", Product.Kind.SHOP_ITEM)
    assert client.get(f"{PLANNING}activite/{shop.pk}/").status_code == 404
    assert client.get(f"{PLANNING}activite/999999/").status_code == 404


def test_bad_view_parameters_fall_back_to_today(tenant, client_for):
    """PL-3: an unknown view or a bad date shows the current week/day instead of an error."""
    structure, owner = tenant
    client = client_for(structure, owner)
    assert client.get(PLANNING, {"vue": "annee", "date": "x"}).status_code == 200
    response = client.get(PLANNING, {"vue": "jour", "date": "2026-13-45"})
    assert response.status_code == 200
    assert "Journée du" in page(response)


def _grow(count_of_activities: int, *, product: Product | None = None) -> None:
    for i in range(count_of_activities):
        activity = product or make_activity(f"Activité {i}")
        services.sessions_add_recurrence(
            product=activity,
            start_date=dt.date(2026, 7, 1),
            end_date=dt.date(2026, 7, 31),
            weekdays=[0, 1, 2, 3, 4, 5, 6],
            times=[(dt.time(9), dt.time(10)), (dt.time(14), dt.time(15))],
            capacity=5,
        )


@pytest.mark.parametrize(
    "params",
    [
        {"vue": "jour", "date": "2026-07-07"},
        {"week": "2026-07-06"},
        {"vue": "mois", "date": "2026-07-01"},
    ],
    ids=["jour", "semaine", "mois"],
)
@pytest.mark.parametrize("dedicated", [False, True], ids=["general", "dedicated"])
def test_views_query_count_does_not_grow(tenant, client_for, params, dedicated):
    """PL-3: each planning view makes the same number of SQL queries for 1 activity with 1
    session as for 10 activities with 62 sessions each (dedicated: 1 session vs 62)."""
    structure, owner = tenant
    client = client_for(structure, owner)
    activity = make_activity("Activité témoin")
    services.session_add(
        product=activity,
        starts_at=at("2026-07-07", "09:00"),
        ends_at=at("2026-07-07", "10:00"),
        capacity=5,
    )
    url = f"{PLANNING}activite/{activity.pk}/" if dedicated else PLANNING

    def count() -> int:
        client.get(url, params)  # warm caches (session, tenant, menu)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, params)
            assert response.status_code == 200
        return len(queries)

    small = count()
    _grow(10)
    _grow(1, product=activity)
    assert Session.objects.count() == 1 + 11 * 62
    assert count() == small


def _quote_and_cancelled_order(structure, shop) -> tuple[str, str]:
    """On `shop.session`: a quote's line and an order whose line was invoiced then cancelled
    (a credit note): no seat sold, but both name the session."""
    from ponton.billing.services import invoice_issue, line_cancel
    from ponton.sales.services import LineRequest, order_create
    from tests.support.sales import STAFF

    line = LineRequest(
        product=shop.activity, session=shop.session, rate=shop.child, consumer=shop.child_customer
    )
    quote = order_create(payer=shop.payer, lines=[line], actor=STAFF, quote=True)
    order = order_create(payer=shop.payer, lines=[line], actor=STAFF)
    ordered = order.lines.get()
    invoice_issue(structure=structure, order=order, line_ids=[ordered.pk], actor=STAFF)
    line_cancel(structure=structure, line=ordered, actor=STAFF)
    return quote.number, order.number


def test_delete_a_session_or_its_date_refused_while_a_quote_or_a_cancelled_line_names_it(
    tenant, client_for
):
    """PL-2 (issue 11, probe 1): no seat sold, but a quote's line and a cancelled (credited)
    line name the session: "Supprimer cette séance" and "Supprimer cette date" are refused with
    the orders' numbers (no 500), and nothing changes: sessions, lines and documents."""
    from ponton.billing.models import DocumentLine
    from ponton.sales.models import OrderLine
    from tests.support.sales import make_shop

    structure, owner = tenant
    shop = make_shop(capacity=10)
    quote, order = _quote_and_cancelled_order(structure, shop)
    assert Session.objects.get(pk=shop.session.pk).sold == 0
    lines = list(OrderLine.objects.values_list("pk", "session_id", "state").order_by("pk"))
    document_lines = list(DocumentLine.objects.values().order_by("pk"))
    before = rows()
    client = client_for(structure, owner)

    refused = client.post(session_url(shop.session, "supprimer/"))
    assert refused.status_code == 400
    assert error_after(page(refused), f'action="{session_url(shop.session, "supprimer/")}"') == (
        f"Impossible de supprimer cette séance : elle figure sur la commande {order} "
        f"et le devis {quote}."
    )
    refused = client.post(session_url(shop.session, "supprimer-date/"))
    assert refused.status_code == 400
    assert "La date n'a pas été supprimée." in page(refused)
    assert (
        f"Impossible de supprimer cette date : ses séances figurent sur la commande {order} "
        f"et le devis {quote}." in page(refused)
    )
    assert rows() == before
    assert list(OrderLine.objects.values_list("pk", "session_id", "state").order_by("pk")) == lines
    assert list(DocumentLine.objects.values().order_by("pk")) == document_lines

    # The other session of the activity, named by no line, is deleted as before.
    response = client.post(session_url(shop.later_session, "supprimer/"))
    assert response.status_code == 302
    assert not Session.objects.filter(pk=shop.later_session.pk).exists()
