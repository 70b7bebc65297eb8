"""Input the database cannot store is a 400 with a French message, never a 500 (issue 11, probe
findings 3, 4 and 5): a NUL character in a query parameter or a JSON body, text that is not
valid Unicode (a lone surrogate), a text longer than its column. Nothing is saved."""

from __future__ import annotations

import html
import json

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from ponton.customers.models import Customer
from ponton.sales.models import Order
from tests.conftest import host_of
from tests.support.sales import make_shop


@pytest.fixture
def shop(club):
    with schema_context(club[0].schema_name):
        return make_shop(capacity=10)


@pytest.mark.parametrize("url", ["/api/v1/orders/", "/api/v1/customers/", "/api/v1/products/"])
def test_a_nul_character_in_a_search_is_400(api, club, url):
    """CU-1, OR-3: `?q=a%00b` answers 400 {"detail": French message}."""
    structure, owner = club
    response = api(structure, owner).client.get(
        f"{url}?q=a%00b", HTTP_AUTHORIZATION=api(structure, owner).headers["HTTP_AUTHORIZATION"]
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "« q » contient un caractère nul, qui n'est pas accepté."}


def test_a_nul_character_in_a_page_query_is_a_french_400_page(club, client_for):
    """The same refusal on the Club Manager's pages: a French page, status 400."""
    structure, owner = club
    response = client_for(structure, owner).get("/manager/clients/?q=a%00b")
    assert response.status_code == 400
    assert "« q » contient un caractère nul, qui n'est pas accepté." in html.unescape(
        response.content.decode()
    )


def test_a_lone_surrogate_is_400_and_saves_nothing(api, club):
    """CU-1: {"first_name": "\\udcff"} (valid JSON, not valid Unicode) answers 400 in French."""
    structure, owner = club
    client = api(structure, owner)
    response = client.client.post(
        "/api/v1/customers/",
        data='{"first_name": "\\udcff", "last_name": "Le Goff"}',
        content_type="application/json",
        **client.headers,
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": "« first_name » contient du texte qui n'est pas de l'Unicode valide."
    }
    with schema_context(structure.schema_name):
        assert Customer.objects.count() == 0


def test_a_nul_character_in_a_json_key_is_400(api, club, shop):
    """OR-1: a NUL even where no text field validates it (the custom fields' answers, kept as
    JSON) answers 400; no order."""
    structure, owner = club
    client = api(structure, owner)
    body = {
        "payer": shop.payer.pk,
        "lines": [{"product": shop.shirt.pk, "answers": {"taille\x00": "M"}}],
    }
    response = client.client.post(
        "/api/v1/orders/", data=json.dumps(body), content_type="application/json", **client.headers
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": "« lines[0].answers.taille » contient un caractère nul, qui n'est pas accepté."
    }
    with schema_context(structure.schema_name):
        assert Order.objects.count() == 0


def test_a_free_line_label_longer_than_its_column_is_400(api, club, shop):
    """OR-1 (probe 4): a free line's label of 256 characters in POST /sales/ answers 400 on the
    line's label, nothing sold."""
    structure, owner = club
    response = api(structure, owner).post(
        "/api/v1/sales/",
        {
            "payer": shop.payer.pk,
            "lines": [{"label": "x" * 256, "unit_price": "10.00", "vat_rate": "20.00"}],
            "payments": [{"method": "cash", "amount": "10.00"}],
        },
    )
    assert response.status_code == 400
    assert response.json() == {
        "lines": {"0": {"label": ["Assurez-vous que ce champ comporte au plus 255\xa0caractères."]}}
    }
    with schema_context(structure.schema_name):
        assert Order.objects.count() == 0


def test_an_order_note_of_100000_characters_is_400(api, club, shop):
    """OR-1 (probe 8): a note longer than the Club Manager's note field (2 000) is refused."""
    structure, owner = club
    response = api(structure, owner).post(
        "/api/v1/orders/",
        {"payer": shop.payer.pk, "lines": [{"product": shop.shirt.pk}], "note": "x" * 100_000},
    )
    assert response.status_code == 400
    assert response.json() == {
        "note": ["Assurez-vous que ce champ comporte au plus 2000\xa0caractères."]
    }
    with schema_context(structure.schema_name):
        assert Order.objects.count() == 0


def test_an_unmatched_api_path_is_a_json_404(club):
    """An id that is not a number matches no route: 404 in JSON, as the schema says."""
    structure, _owner = club
    response = Client(HTTP_HOST=host_of(structure)).get("/api/v1/orders/abc/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Pas trouvé."}


@pytest.mark.parametrize("value", [{}, [], {"a": [1]}])
def test_an_object_or_a_list_for_a_form_field_is_400_and_saves_nothing(api, club, value):
    """CU-1 (found by the schema fuzzing): {"birth_date": {}} answered 500 (the date field
    stripped a dict); now a French 400 naming the field, nothing saved."""
    structure, owner = club
    client = api(structure, owner)
    response = client.client.post(
        "/api/v1/customers/",
        data=json.dumps({"first_name": "Anne", "last_name": "Le Goff", "birth_date": value}),
        content_type="application/json",
        **client.headers,
    )
    assert response.status_code == 400
    assert response.json() == {
        "birth_date": ["Valeur invalide : un texte ou un nombre est attendu."]
    }
    with schema_context(structure.schema_name):
        assert Customer.objects.count() == 0
