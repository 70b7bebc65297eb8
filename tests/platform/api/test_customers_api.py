"""The customer base through the API (CU-1 search, card, family links, addresses; CU-2 GDPR
export and erase): validated by the Club Manager's forms, written by the same services."""

from __future__ import annotations

import datetime as dt

import pytest

from ponton.accounts.models import Role
from ponton.customers import services
from ponton.customers.models import Address, Customer

CUSTOMERS = "/api/v1/customers/"


@pytest.fixture
def base(club, in_schema):
    structure, _owner = club
    with in_schema(structure):
        marie = services.customer_create(
            first_name="Marie",
            last_name="Le Gall",
            email="marie@example.test",
            mobile="+33612345678",
        )
        jean = services.customer_create(first_name="Jean", last_name="Le Gall")
        paul = services.customer_create(
            first_name="Paul", last_name="Abgrall", email="paul@example.test"
        )
    return {"marie": marie, "jean": jean, "paul": paul}


@pytest.fixture
def owner_api(club, api):
    structure, owner = club
    return api(structure, owner)


def full_names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [c["full_name"] for c in response.json()["results"]]


def test_list_and_search(base, owner_api):
    """CU-1: the customers by name; ?q= searches names, email and phone numbers; paginated."""
    assert full_names(owner_api.get(CUSTOMERS)) == ["Paul Abgrall", "Jean Le Gall", "Marie Le Gall"]
    assert full_names(owner_api.get(CUSTOMERS, {"q": "le gall"})) == [
        "Jean Le Gall",
        "Marie Le Gall",
    ]
    assert full_names(owner_api.get(CUSTOMERS, {"q": "paul@example"})) == ["Paul Abgrall"]
    assert full_names(owner_api.get(CUSTOMERS, {"q": "06 12 34 56 78"})) == ["Marie Le Gall"]
    page = owner_api.get(CUSTOMERS, {"limit": 2, "offset": 2}).json()
    assert (page["count"], [c["full_name"] for c in page["results"]]) == (3, ["Marie Le Gall"])


def test_create_a_customer(club, owner_api, in_schema):
    """CU-1: a new customer, phone normalised and email lowercased as on the page."""
    structure, _owner = club
    response = owner_api.post(
        CUSTOMERS,
        {
            "first_name": "Anne",
            "last_name": "Kervella",
            "email": "Anne@Example.test",
            "mobile": "06 11 22 33 44",
            "birth_date": "2001-05-04",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["full_name"], body["email"], body["mobile"], body["birth_date"]) == (
        "Anne Kervella",
        "anne@example.test",
        "+33611223344",
        "2001-05-04",
    )
    with in_schema(structure):
        customer = Customer.objects.get(pk=body["id"])
        assert (customer.last_name, customer.birth_date) == ("Kervella", dt.date(2001, 5, 4))


def test_a_refused_customer_is_400_in_french_and_not_saved(club, owner_api, in_schema):
    """CU-1: the form's messages (missing names, bad phone, bad date); nothing saved."""
    structure, _owner = club
    response = owner_api.post(
        CUSTOMERS, {"first_name": "", "mobile": "12", "birth_date": "31/02/2001"}
    )
    assert response.status_code == 400
    assert response.json() == {
        "first_name": ["Indiquez le prénom du client."],
        "last_name": ["Indiquez le nom du client."],
        "mobile": ["Numéro de téléphone invalide."],
        "birth_date": ["Indiquez une date valide, au format JJ/MM/AAAA."],
    }
    with in_schema(structure):
        assert not Customer.objects.exists()


def test_retrieve_and_patch(base, club, owner_api, in_schema):
    """CU-1: the customer card; PATCH changes the fields sent and keeps the others."""
    structure, _owner = club
    url = f"{CUSTOMERS}{base['marie'].pk}/"
    card = owner_api.get(url).json()
    assert (card["email"], card["addresses"], card["payer"]) == ("marie@example.test", [], None)
    response = owner_api.patch(url, {"phone": "02 98 00 00 00"})
    assert response.status_code == 200, response.content
    with in_schema(structure):
        marie = Customer.objects.get(pk=base["marie"].pk)
        assert (marie.first_name, marie.email, marie.mobile, marie.phone) == (
            "Marie",
            "marie@example.test",
            "+33612345678",
            "+33298000000",
        )
    refused = owner_api.patch(url, {"last_name": "", "email": "pas-un-email"})
    assert refused.status_code == 400
    assert refused.json()["last_name"] == ["Indiquez le nom du client."]
    assert "email" in refused.json()
    with in_schema(structure):
        assert Customer.objects.get(pk=base["marie"].pk).last_name == "Le Gall"
    assert owner_api.get(f"{CUSTOMERS}999999/").status_code == 404


def test_set_and_remove_the_payer(base, club, owner_api, in_schema):
    """CU-1: family links: Marie pays for Jean; no loop between payers."""
    structure, _owner = club
    jean, marie = base["jean"], base["marie"]
    response = owner_api.post(f"{CUSTOMERS}{jean.pk}/payer/", {"payer": marie.pk})
    assert response.status_code == 200
    assert response.json()["payer"] == marie.pk
    assert owner_api.get(f"{CUSTOMERS}{marie.pk}/").json()["consumers"] == [jean.pk]
    loop = owner_api.post(f"{CUSTOMERS}{marie.pk}/payer/", {"payer": jean.pk})
    assert loop.status_code == 400
    assert loop.json() == {
        "payer": [
            "Jean Le Gall est déjà payé par Marie Le Gall : ce lien créerait une boucle entre "
            "payeurs."
        ]
    }
    own = owner_api.post(f"{CUSTOMERS}{jean.pk}/payer/", {"payer": jean.pk})
    assert own.json() == {"payer": ["Un client ne peut pas être son propre payeur."]}
    with in_schema(structure):
        assert Customer.objects.get(pk=marie.pk).payer_id is None
    assert owner_api.post(f"{CUSTOMERS}{jean.pk}/payer/", {"payer": None}).json()["payer"] is None


def test_addresses(base, club, owner_api, in_schema):
    """CU-1: add a postal address (postal code checked like the form), delete it."""
    structure, _owner = club
    url = f"{CUSTOMERS}{base['paul'].pk}/addresses/"
    refused = owner_api.post(
        url, {"line1": "1 rue du Port", "postal_code": "2920", "city": "Brest"}
    )
    assert refused.status_code == 400
    assert refused.json() == {
        "postal_code": ["Le code postal doit comporter 5 chiffres (ex. 29200)."]
    }
    with in_schema(structure):
        assert not Address.objects.exists()
    created = owner_api.post(
        url, {"line1": "1 rue du Port", "postal_code": "29200", "city": "Brest"}
    )
    assert created.status_code == 201, created.content
    assert (created.json()["city"], created.json()["country"]) == ("Brest", "France")
    card = owner_api.get(f"{CUSTOMERS}{base['paul'].pk}/").json()
    assert [a["line1"] for a in card["addresses"]] == ["1 rue du Port"]
    address_url = f"{url}{created.json()['id']}/"
    # An address reached through another customer is not found.
    other = f"{CUSTOMERS}{base['marie'].pk}/addresses/{created.json()['id']}/"
    assert owner_api.delete(other).status_code == 404
    assert owner_api.delete(address_url).status_code == 204
    with in_schema(structure):
        assert not Address.objects.exists()


def test_gdpr_export_and_erase(base, club, owner_api, in_schema):
    """CU-2: GDPR export (JSON of everything the core holds) and erase (pseudonymised, kept)."""
    structure, _owner = club
    marie = base["marie"]
    export = owner_api.get(f"{CUSTOMERS}{marie.pk}/export/")
    assert export.status_code == 200
    assert export.json()["client"]["email"] == "marie@example.test"
    assert export.json()["client"]["mobile"] == "+33612345678"

    erased = owner_api.post(f"{CUSTOMERS}{marie.pk}/erase/")
    assert erased.status_code == 200
    body = erased.json()
    assert (body["full_name"], body["email"], body["mobile"]) == ("Client effacé", "", "")
    assert body["erased_at"] is not None
    again = owner_api.post(f"{CUSTOMERS}{marie.pk}/erase/")
    assert (again.status_code, again.json()) == (400, {"detail": "Ce client a déjà été effacé."})
    edit = owner_api.patch(f"{CUSTOMERS}{marie.pk}/", {"first_name": "Marie"})
    assert edit.status_code == 400
    assert edit.json() == {"detail": "Ce client a été effacé (RGPD) : sa fiche ne se modifie plus."}
    with in_schema(structure):
        row = Customer.objects.get(pk=marie.pk)
        assert (row.first_name, row.last_name, row.email) == ("", "Client effacé", "")


def test_roles_on_customers(base, club, make_member, api, in_schema):
    """Roles: an accountant has no access to customers; a cashier may manage them (matrix)."""
    structure, _owner = club
    accountant = api(structure, make_member(structure, Role.ACCOUNTANT))
    assert accountant.get(CUSTOMERS).status_code == 403
    assert accountant.post(CUSTOMERS, {"first_name": "A", "last_name": "B"}).status_code == 403
    assert accountant.get(f"{CUSTOMERS}{base['paul'].pk}/export/").status_code == 403
    assert accountant.post(f"{CUSTOMERS}{base['paul'].pk}/erase/").status_code == 403
    with in_schema(structure):
        assert Customer.objects.count() == 3
        assert Customer.objects.get(pk=base["paul"].pk).erased_at is None
    cashier = api(structure, make_member(structure, Role.CASHIER))
    assert cashier.post(CUSTOMERS, {"first_name": "A", "last_name": "B"}).status_code == 201
