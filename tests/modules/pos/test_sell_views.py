"""The till's home, session opening and the sell screen's JSON endpoints over HTTP (PO-1, PO-8):
device registration, the catalogue, customers, and the ticket sync (recorded, duplicate,
refused with its French message), the module switch and who may sell."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from modules.pos import services, signing
from modules.pos.models import Ticket, TicketRejection, Till, TillDevice, TillSession
from ponton.accounts.models import Role
from ponton.catalogue.models import Product
from ponton.customers.models import Customer
from ponton.planning.services import session_add
from tenants.services import module_grant, module_set_enabled
from tests.support.pos import line, pay
from tests.support.sales import published, text

pytestmark = pytest.mark.django_db

JSON = {"content_type": "application/json", "HTTP_ACCEPT": "application/json"}


def in_schema(club, fn):
    with schema_context(club.structure.schema_name):
        return fn()


@pytest.fixture
def club(till_club):
    """The till club with its (paid) module granted, so switched on."""
    module_grant(structure=till_club.structure, label="pos")
    return till_club


@pytest.fixture
def in_club(club):
    with schema_context(club.structure.schema_name):
        yield club


@pytest.fixture
def pos_structure(make_structure, django_capture_on_commit_callbacks):
    def _make(name: str):
        structure, owner = make_structure(name=name)
        with django_capture_on_commit_callbacks(execute=True):  # its first till
            module_grant(structure=structure, label="pos")
        return structure, owner

    return _make


@pytest.fixture
def cashier(club, client_for):
    return client_for(club.structure, club.owner)


def post_json(client, url, body):
    return client.post(url, json.dumps(body), **JSON)


def sync(client, payload, signature):
    return post_json(client, "/caisse/synchro/", {"payload": payload, "signature": signature})


def ticket_count(club) -> int:
    return in_schema(club, lambda: Ticket.objects.count())


# Home and opening ------------------------------------------------------------------------------


def test_po1_home_without_a_till_says_so_and_links_to_the_club_manager(pos_structure, client_for):
    structure, owner = pos_structure("Club sans caisse")
    with schema_context(structure.schema_name):  # the till the grant created, deactivated
        services.till_set_active(till=Till.objects.get(), active=False)
    response = client_for(structure, owner).get("/caisse/")
    assert response.status_code == 200
    page = text(response)
    assert "Aucune caisse n'est encore créée pour votre structure." in page
    assert 'href="/manager/m/pos/"' in page


def test_po1_a_till_is_opened_with_the_counted_float_once(pos_structure, client_for):
    structure, owner = pos_structure("Club à ouvrir")
    with schema_context(structure.schema_name):
        till = Till.objects.get()  # the one the grant created
    client = client_for(structure, owner)
    page = text(client.get("/caisse/"))
    assert "Ouvrir la caisse « Caisse principale »" in page
    assert "Fond de caisse compté (€)" in page

    response = client.post("/caisse/ouvrir/", {"opening_float": "1 150,50"})

    assert response.status_code == 302
    with schema_context(structure.schema_name):
        session = TillSession.objects.get(till=till)
        assert session.opening_float == Decimal("1150.50")
        assert session.closed_at is None
    page = text(client.get("/caisse/"))
    assert "Session n° 1 ouverte le" in page
    assert 'id="till-config"' in page


def test_po1_a_second_session_and_a_bad_float_are_refused_in_french(in_club, cashier):
    club = in_club
    response = cashier.post(
        "/caisse/ouvrir/", {"till": club.counter.till.pk, "opening_float": "10,00"}
    )
    # The till of the fixture is open: the home shows the sell screen, opening is refused.
    assert response.status_code == 400
    assert "Cette caisse est déjà ouverte : une seule session à la fois." in text(response)
    assert TillSession.objects.filter(till=club.counter.till).count() == 1


def test_po1_a_float_that_is_not_an_amount_is_refused(pos_structure, client_for):
    structure, owner = pos_structure("Club flottant")
    client = client_for(structure, owner)  # the till the grant created is the only one
    client.get("/caisse/")
    response = client.post("/caisse/ouvrir/", {"opening_float": "douze"})
    assert response.status_code == 400
    assert "Saisissez un montant en euros, par exemple 12,50." in text(response)
    with schema_context(structure.schema_name):
        assert TillSession.objects.count() == 0


def test_po1_the_sell_screen_has_the_function_bar_and_the_marketplace_in_a_new_tab(
    in_club, cashier
):
    page = text(cashier.get("/caisse/"))
    assert 'href="/" target="_blank" rel="noopener"' in page
    assert ">MarketPlace</a>" in page
    assert "Payer" in page
    assert "Justificatif d'achat" in page
    config = json.loads(page.split('id="till-config" type="application/json">')[1].split("<")[0])
    assert config["till"]["id"] == in_club.counter.till.pk
    assert config["session"]["id"] == in_club.counter.session.pk
    assert [m["label"] for m in config["methods"]] == [
        "Espèces",
        "Carte bancaire",
        "Chèque",
        "Chèques-vacances",
        "Avoir",
    ]


# Device, catalogue, customers ------------------------------------------------------------------


def test_po8_a_browser_registers_once_and_gets_its_key(in_club, cashier):
    till = in_club.counter.till
    response = post_json(cashier, "/caisse/appareil/", {"till": till.pk, "label": "Tablette 2"})

    assert response.status_code == 201
    device = response.json()["device"]
    assert device["number"] == 2  # 0 is the server's, 1 the fixture's tablet
    assert device["code"] == till.code
    registered = TillDevice.objects.get(uid=device["uid"])
    assert registered.till == till
    assert registered.key == device["key"]
    assert registered.label == "Tablette 2"


def test_po1_the_catalogue_has_products_rates_and_todays_sessions(in_club, cashier):
    club = in_club
    now = timezone.now()
    today = session_add(
        product=club.activity,
        starts_at=now - dt.timedelta(minutes=1),
        ends_at=now + dt.timedelta(hours=2),
        capacity=8,
    )
    published(Product.Kind.SHOP_ITEM, name="Casquette", associated_only=True)

    data = cashier.get("/caisse/catalogue.json", HTTP_ACCEPT="application/json").json()

    products = {p["name"]: p for p in data["products"]}
    assert set(products) == {"Stage catamaran", "T-shirt"}
    assert products["T-shirt"]["price"] == "20.00"
    assert products["T-shirt"]["stock_free"] == 5
    assert [(r["name"], r["amount"]) for r in products["Stage catamaran"]["rates"]] == [
        ("Adulte", "180.00"),
        ("Enfant", "150.00"),
    ]
    assert products["Stage catamaran"]["consumer_required"] is True
    # Only today's sessions: the fixture's are next week.
    assert [(s["id"], s["free"]) for s in data["sessions"]] == [(today.pk, 8)]
    assert data["session"]["id"] == club.counter.session.pk


def test_po1_customers_are_searched_and_created_from_the_till(in_club, cashier):
    found = cashier.get("/caisse/clients/?q=goff", HTTP_ACCEPT="application/json").json()
    assert [c["name"] for c in found["customers"]] == ["Claire Le Goff", "Louis Le Goff"]
    assert found["customers"][0]["credit"] == "0.00"

    refused = post_json(cashier, "/caisse/clients/nouveau/", {"first_name": "Jo", "last_name": ""})
    assert refused.status_code == 400
    assert refused.json()["error"] == "Indiquez le nom du client."

    created = post_json(
        cashier,
        "/caisse/clients/nouveau/",
        {"first_name": "Jeanne", "last_name": "Kerhervé", "email": "jeanne@exemple.fr"},
    )
    assert created.status_code == 201
    customer = Customer.objects.get(pk=created.json()["customer"]["id"])
    assert (customer.first_name, customer.last_name, customer.email) == (
        "Jeanne",
        "Kerhervé",
        "jeanne@exemple.fr",
    )


# Sync ------------------------------------------------------------------------------------------


def test_po8_a_ticket_is_recorded_then_its_retry_is_a_duplicate(in_club, cashier):
    club = in_club
    payload, signature = club.counter.ticket(
        [line(club.shirt, quantity=2)],
        [pay("card", "15.00"), pay("cash", "30.00")],
        total=Decimal("40.00"),
    )

    first = sync(cashier, payload, signature)
    again = sync(cashier, payload, signature)

    assert first.status_code == 201
    body = first.json()
    ticket = Ticket.objects.get()
    assert body == {
        "ok": True,
        "duplicate": False,
        "ticket": {
            "id": ticket.pk,
            "number": f"C{club.counter.till.pk}-01-000001",
            "total": "40.00",
            "change_given": "5.00",
            "overbooked": False,
            "url": f"/caisse/tickets/{ticket.pk}/",
        },
    }
    assert again.status_code == 200
    assert again.json()["duplicate"] is True
    assert again.json()["ticket"]["id"] == ticket.pk
    assert Ticket.objects.count() == 1


def test_po8_a_ticket_edited_after_signing_is_refused_with_its_message(in_club, cashier):
    club = in_club
    payload, signature = club.counter.ticket(
        [line(club.shirt)], [pay("cash", "20.00")], total=Decimal("20.00")
    )
    payload["lines"][0]["quantity"] = 3  # changed in IndexedDB after the device signed it

    response = sync(cashier, payload, signature)

    assert response.status_code == 422
    assert response.json()["code"] == "bad_signature"
    assert response.json()["error"].startswith(
        "Ticket refusé : sa signature ne correspond pas à son contenu"
    )
    assert Ticket.objects.count() == 0


def test_po8_a_ticket_priced_with_old_prices_is_refused_kept_and_its_number_used(in_club, cashier):
    club = in_club
    payload, signature = club.counter.ticket(
        [line(club.shirt)], [pay("card", "18.00")], total=Decimal("18.00")
    )
    response = sync(cashier, payload, signature)
    assert response.status_code == 422
    assert response.json()["code"] == "price_changed"
    assert "ne correspond plus aux prix du catalogue" in response.json()["error"]
    assert Ticket.objects.count() == 0
    # kept for staff (TicketRejection), its number used so the next tickets go through
    assert TillDevice.objects.get(pk=club.counter.device.pk).last_sequence == 1
    assert TicketRejection.objects.get().code == "price_changed"


def test_po8_a_ticket_after_a_missing_one_waits_409(in_club, cashier):
    club = in_club
    club.counter.ticket([line(club.shirt)], [pay("cash", "20.00")], total=Decimal("20.00"))
    second = club.counter.ticket([line(club.shirt)], [pay("cash", "20.00")], total=Decimal("20.00"))
    response = sync(cashier, *second)
    assert response.status_code == 409
    assert response.json()["code"] == "out_of_order"
    assert Ticket.objects.count() == 0


def test_po8_an_unknown_device_and_a_malformed_body_are_refused(in_club, cashier):
    assert post_json(cashier, "/caisse/synchro/", {"payload": "x"}).status_code == 400
    payload, signature = in_club.counter.ticket(
        [line(in_club.shirt)], [pay("cash", "20.00")], total=Decimal("20.00")
    )
    payload["device"] = "6f1c1c55-0000-4000-8000-000000000000"
    response = sync(cashier, payload, signature)
    assert response.status_code == 422
    assert response.json()["code"] == "unknown_device"


def test_po8_a_session_open_over_24_hours_refuses_online_sales_not_offline_ones(
    in_club, cashier, monkeypatch
):
    """An open session is never updated (trigger): the session ages by lowering the limit."""
    club = in_club
    monkeypatch.setattr(services, "SESSION_MAX_AGE", dt.timedelta(seconds=0))
    offline = club.counter.ticket(
        [line(club.shirt)], [pay("cash", "20.00")], total=Decimal("20.00"), offline=True
    )
    online = club.counter.ticket([line(club.shirt)], [pay("cash", "20.00")], total=Decimal("20.00"))

    assert sync(cashier, *offline).status_code == 201  # sold while offline: honoured
    response = sync(cashier, *online)

    assert response.status_code == 422
    assert response.json() == {
        "ok": False,
        "code": "too_old",
        "error": "La caisse est ouverte depuis plus de 24 h : faites la clôture (X->Z) "
        "avant de vendre à nouveau.",
    }
    assert Ticket.objects.count() == 1
    assert "ouverte depuis plus de 24 h" in text(cashier.get("/caisse/"))


def test_po8_an_expired_session_gets_403_json_and_keeps_nothing_half_written(in_club, client_for):
    club = in_club
    anonymous = client_for(club.structure)
    payload, signature = club.counter.ticket(
        [line(club.shirt)], [pay("cash", "20.00")], total=Decimal("20.00")
    )
    response = sync(anonymous, payload, signature)
    assert response.status_code == 403
    assert response.json()["code"] == "logged_out"
    assert response.json()["error"].startswith("Votre session a expiré : reconnectez-vous.")
    assert Ticket.objects.count() == 0
    # A person opening a till URL by hand still goes to the login page.
    page = anonymous.get("/caisse/catalogue.json")
    assert page.status_code == 302 and page["Location"].startswith("/connexion/")


# Who may sell, module switch -------------------------------------------------------------------


def test_po1_a_cashier_sells_and_an_accountant_may_not(club, make_member, client_for):
    cashier = client_for(club.structure, make_member(club.structure, Role.CASHIER))
    accountant = client_for(club.structure, make_member(club.structure, Role.ACCOUNTANT))
    with schema_context(club.structure.schema_name):
        payload, signature = club.counter.ticket(
            [line(club.shirt)], [pay("card", "20.00")], total=Decimal("20.00")
        )

    assert accountant.get("/caisse/").status_code == 403
    refused = sync(accountant, payload, signature)
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden"
    assert ticket_count(club) == 0

    assert cashier.get("/caisse/").status_code == 200
    assert sync(cashier, payload, signature).status_code == 201
    assert ticket_count(club) == 1


def test_po1_the_till_is_gone_when_the_module_is_off(club, client_for):
    client = client_for(club.structure, club.owner)
    with schema_context(club.structure.schema_name):
        payload, signature = club.counter.ticket(
            [line(club.shirt)], [pay("card", "20.00")], total=Decimal("20.00")
        )
    module_set_enabled(structure=club.structure, label="pos", enabled=False)

    for url in ("/caisse/", "/caisse/catalogue.json", "/caisse/sw.js"):
        assert client.get(url).status_code == 404, url
    assert sync(client, payload, signature).status_code == 404
    assert ticket_count(club) == 0
    with schema_context(club.structure.schema_name):
        assert Till.objects.count() == 1  # data kept


def test_po8_the_service_worker_may_control_the_till(in_club, cashier):
    response = cashier.get("/caisse/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/caisse/"
    source = response.content.decode()
    assert 'const TILL_HOME = "/caisse/";' in source
    assert "/caisse/catalogue.json" in source
    assert "/static/pos/till.js" in source


def test_the_device_signature_of_the_support_matches_the_canonical_text():
    """till.js reproduces this text: keys sorted, no spaces, non-ASCII kept."""
    payload = {"b": 1, "a": {"é": "12.50", "z": None}, "c": [True, False]}
    assert signing.canonical_text(payload) == '{"a":{"z":null,"é":"12.50"},"b":1,"c":[true,false]}'


def test_po8_a_refused_offline_ticket_is_listed_on_the_till_state_page(in_club, cashier):
    club = in_club
    payload, signature = club.counter.ticket(
        [line(club.shirt)], [pay("cash", "18.00")], total=Decimal("18.00"), offline=True
    )
    assert sync(cashier, payload, signature).status_code == 422
    page = text(cashier.get("/caisse/etat/"))
    assert "Tickets refusés à reprendre" in page
    assert f'data-rejection="C{club.counter.till.pk}-01-000001"' in page
    assert "18,00 €" in page
