"""FF-1 pages: the product's licence option (only with the module on), the order card's red
marker with its reason and "Réessayer", Gérer > FF Voile ("Appel FF Voile", searched, each call
opened), the settings (the password never shown again), the customer card's "FFVoile" part and
the customer space's "Mes licences FF Voile"."""

from __future__ import annotations

import datetime as dt

import pytest
from django_tenants.utils import schema_context

from modules.ffvoile.models import Licence, LicenceProduct, LicenseeIdentity
from ponton.customers.models import Customer
from ponton.customers.services import address_add
from tenants.services import module_set_enabled
from tests.platform.customers.factories import make_customer
from tests.support import ffvoile_emulator
from tests.support.sales import text

pytestmark = pytest.mark.django_db


def test_the_licence_option_shows_only_when_the_module_is_on(club, client_for):
    """FF-1: the product page has a "Licence FF Voile" section while the module is on; its
    form marks the product; with the module off the section and its URL are gone, the data
    kept."""
    staff = client_for(club.structure, club.owner)
    product_page = f"/manager/offre/{club.passport.pk}/"
    page = text(staff.get(product_page))
    assert "Licence FF Voile" in page and 'value="passeport_voile" selected' in page
    option = f"/manager/m/ffvoile/produit/{club.passport.pk}/"
    assert staff.post(option, {"kind": "licence_club_jeune"}).status_code == 302
    with schema_context(club.structure.schema_name):
        assert LicenceProduct.objects.get(product=club.passport).kind == "licence_club_jeune"
    module_set_enabled(structure=club.structure, label="ffvoile", enabled=False)
    page = text(staff.get(product_page))
    assert "Licence FF Voile" not in page and "Fiche produit" in page
    assert staff.post(option, {"kind": ""}).status_code == 404
    with schema_context(club.structure.schema_name):
        assert LicenceProduct.objects.filter(product=club.passport).count() == 1


def test_refused_line_has_a_red_marker_a_log_entry_and_reessayer(
    club, client_for, django_capture_on_commit_callbacks
):
    """FF-1: on the order card the refused licence's logo is red with the reason and a
    "Réessayer" button; under Gérer > FF Voile the "Appel FF Voile" list finds the call by
    order date, customer and result, and "ouvrir" shows the request and the answer."""
    club.emulator.refuse("Quéméner", "Anne", "Déjà licencié pour la saison (club 56001).")
    with django_capture_on_commit_callbacks(execute=True):
        sale = club.sell(club.anne)
    staff = client_for(club.structure, club.owner)
    card = text(staff.get(f"/manager/commandes/{sale.order.pk}/"))
    assert 'class="badge red" data-ffvoile="refused"' in card
    assert "Déjà licencié pour la saison (club 56001)." in card
    with schema_context(club.structure.schema_name):
        licence = Licence.objects.get(order_line__order=sale.order)
    retry = f"/manager/m/ffvoile/licence/{licence.pk}/reessayer/"
    assert f'formaction="{retry}"' in card and "Réessayer" in card

    today = dt.date.today().isoformat()  # noqa: DTZ011 - the order's local date
    listing = text(staff.get("/manager/m/ffvoile/", {"ordered_from": today, "customer": "quém"}))
    assert "Appel FF Voile" in listing and sale.order.number in listing
    assert 'data-result="refused"' in listing and "Déjà licencié" in listing
    none = "Aucun appel à la FF Voile ne correspond."
    assert none in text(staff.get("/manager/m/ffvoile/", {"result": "delivered"}))
    assert none in text(staff.get("/manager/m/ffvoile/", {"customer": "riou"}))
    assert none in text(staff.get("/manager/m/ffvoile/", {"ordered_to": "2000-01-01"}))
    assert none not in listing
    with schema_context(club.structure.schema_name):
        call = licence.calls.get()
    opened = text(staff.get(f"/manager/m/ffvoile/appels/{call.pk}/"))
    assert '"licence_type": "licence_club_adulte"' in opened
    assert '"reason": "Déjà licencié pour la saison (club 56001)."' in opened
    assert "(HTTP 409)" in opened and ffvoile_emulator.PASSWORD not in opened

    # The federation lifted its refusal: "Réessayer" delivers, the logo turns green.
    club.emulator.refused_people.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(retry)
    assert response.status_code == 302
    card = text(staff.get(f"/manager/commandes/{sale.order.pk}/"))
    assert 'class="badge green" data-ffvoile="delivered"' in card and "Réessayer" not in card
    with schema_context(club.structure.schema_name):
        assert list(licence.calls.order_by("at", "id").values_list("by", "result")) == [
            ("Ponton", "refused"),
            (club.owner.email, "delivered"),
        ]


def test_settings_seal_the_password_and_never_show_it(club, client_for):
    """FF-1: Réglages FF Voile: number and login shown, the password never."""
    staff = client_for(club.structure, club.owner)
    page = text(staff.get("/manager/m/ffvoile/reglages/"))
    assert 'value="29012"' in page and ffvoile_emulator.PASSWORD not in page
    response = staff.post(
        "/manager/m/ffvoile/reglages/",
        {"club_number": "29A", "login": "x", "password": "nouveau"},
    )
    assert "ne contient que des chiffres" in text(response)
    staff.post(
        "/manager/m/ffvoile/reglages/",
        {"club_number": "29013", "login": "club-29013", "password": "nouveau"},
    )
    with schema_context(club.structure.schema_name):
        from modules.ffvoile.models import FederationAccount

        account = FederationAccount.objects.get()
        assert (account.club_number, account.password) == ("29013", "nouveau")


def test_customer_card_and_customer_space_show_the_licence(
    club, client_for, django_capture_on_commit_callbacks
):
    """FF-1: the card's "FFVoile" part shows the number, the season and the PDF link, and asks
    the sex when missing; the customer's space lists the licence with its PDF."""
    customer, user = make_customer(club.structure, first_name="Marc", last_name="Tanguy")
    staff = client_for(club.structure, club.owner)
    card_url = f"/manager/clients/{customer.pk}/"
    card = text(staff.get(card_url))
    assert "FFVoile" in card and "à renseigner" in card
    staff.post(f"/manager/m/ffvoile/client/{customer.pk}/", {"sex": "M"})
    with schema_context(club.structure.schema_name):
        assert LicenseeIdentity.objects.get(customer=customer).sex == "M"
        Customer.objects.filter(pk=customer.pk).update(birth_date=dt.date(2001, 2, 3))
        address_add(
            customer=customer, line1="2 quai Tabarly", postal_code="29900", city="Concarneau"
        )
        customer.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        club.sell(customer)
    with schema_context(club.structure.schema_name):
        licence = customer.ffvoile_licences.get()
    assert licence.state == "delivered"
    card = text(staff.get(card_url))
    assert f'<strong data-testid="licence-number">{licence.number}</strong>' in card
    assert f"<td>{licence.season}</td>" in card and f'href="{licence.pdf_url}"' in card
    assert "Homme" in card

    space = client_for(club.structure, user)
    home = text(space.get("/compte/"))
    assert "/compte/licences-ffvoile/" in home and "Mes licences FF Voile" in home
    page = text(space.get("/compte/licences-ffvoile/"))
    assert licence.number in page and f'href="{licence.pdf_url}"' in page
    assert f"31/12/{licence.season}" in page
    assert "Sexe de Marc Tanguy" in page
    # The customer gives the sex the federation asks for, only for themselves or their family.
    assert (
        space.post("/compte/licences-ffvoile/", {"person": customer.pk, "sex": "F"}).status_code
        == 302
    )
    space.post("/compte/licences-ffvoile/", {"person": club.anne.pk, "sex": "M"})
    with schema_context(club.structure.schema_name):
        assert LicenseeIdentity.objects.get(customer=customer).sex == "F"
        assert LicenseeIdentity.objects.get(customer=club.anne).sex == "F"  # not theirs
    anonymous = client_for(club.structure).get("/compte/licences-ffvoile/")
    assert anonymous["Location"] == "/connexion/?next=/compte/licences-ffvoile/"
    module_set_enabled(structure=club.structure, label="ffvoile", enabled=False)
    assert space.get("/compte/licences-ffvoile/").status_code == 404


def test_the_api_refuses_a_licence_without_identity_with_the_french_message(club):
    """FF-1: the same check on the API's complete sale: 400 with the message on the line,
    nothing written."""
    from django.db import connection

    from ponton.sales.models import Order
    from tests.platform.api.conftest import ApiClient

    client = ApiClient(club.structure, club.owner)
    body = {
        "payer": club.paul.pk,
        "lines": [{"product": club.licence.pk, "consumer": club.paul.pk}],
        "payments": [{"method": "cash", "amount": "62.00"}],
    }
    response = client.post("/api/v1/sales/", body)
    assert response.status_code == 400, response.content
    assert (
        "complétez sa fiche client (date de naissance, sexe, adresse)" in response.content.decode()
    )
    connection.set_schema_to_public()
    with schema_context(club.structure.schema_name):
        assert Order.objects.count() == 0
