"""Custom fields asked at order time (CA-7)."""

from __future__ import annotations

import html
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context

from ponton.accounts.models import Role
from ponton.catalogue import services
from ponton.catalogue.models import CustomField, Product
from ponton.catalogue.services import ProductData

PAGE = "/manager/offre/champs/"


def test_create_a_choice_field_attached_to_products(make_structure):
    """CA-7: a multiple-choice field asked to the consumer, attached to a product."""
    structure, _ = make_structure()
    with schema_context(structure.schema_name):
        stage = services.product_create(
            kind=Product.Kind.ACTIVITY, data=ProductData(name="Stage", price=Decimal(10))
        )
        field = services.custom_field_create(
            label="Taille de combinaison",
            kind="choice",
            asked_for="consumer",
            required=True,
            choices="S\n\n M \nL",
            products=[stage],
        )
        assert (field.label, field.kind, field.asked_for, field.required) == (
            "Taille de combinaison",
            "choice",
            "consumer",
            True,
        )
        assert field.choice_list == ["S", "M", "L"]
        assert list(stage.custom_fields.values_list("label", flat=True)) == [
            "Taille de combinaison"
        ]


@pytest.mark.parametrize(
    "values, errors",
    [
        (
            {"label": " ", "kind": "text", "asked_for": "payer"},
            {"label": ["Indiquez le libellé du champ."]},
        ),
        (
            {"label": "Taille", "kind": "choice", "asked_for": "consumer", "choices": "S"},
            {"choices": ["Indiquez au moins deux choix, un par ligne."]},
        ),
        (
            {"label": "Âge", "kind": "number", "asked_for": "consumer", "choices": "1\n2"},
            {"choices": ["Les choix ne concernent que les champs à choix multiple."]},
        ),
    ],
)
def test_bad_custom_fields_are_refused(make_structure, values, errors):
    """CA-7: a field without label, a choice with fewer than two choices, or choices on another
    type are refused; nothing is saved."""
    structure, _ = make_structure()
    with schema_context(structure.schema_name):
        with pytest.raises(ValidationError) as excinfo:
            services.custom_field_create(**values)
        assert excinfo.value.message_dict == errors
        assert CustomField.objects.count() == 0


def test_management_page(structure_a, make_member, client_for):
    """CA-7: the page lists, adds and deletes fields; a cashier cannot reach it."""
    structure, owner = structure_a
    with schema_context(structure.schema_name):
        stage = services.product_create(
            kind=Product.Kind.ACTIVITY, data=ProductData(name="Stage voile", price=Decimal(10))
        )
    client = client_for(structure, owner)
    assert 'href="/manager/offre/champs/"' in client.get("/manager/offre/").content.decode()
    page = html.unescape(client.get(PAGE).content.decode())
    assert "Aucun champ personnalisé." in page
    refused = client.post(PAGE, {"label": "Taille", "kind": "choice", "asked_for": "consumer"})
    assert refused.status_code == 200
    assert "Indiquez au moins deux choix, un par ligne." in html.unescape(refused.content.decode())
    response = client.post(
        PAGE,
        {
            "label": "Certificat médical",
            "kind": "file",
            "asked_for": "consumer",
            "required": "on",
            "products": [stage.pk],
        },
    )
    assert response.status_code == 302
    page = html.unescape(client.get(PAGE).content.decode())
    assert "Certificat médical" in page and "Stage voile" in page
    with schema_context(structure.schema_name):
        field = CustomField.objects.get()
    cashier = make_member(structure, Role.CASHIER)
    assert client_for(structure, cashier).get(PAGE).status_code == 403
    assert client.post(f"{PAGE}{field.pk}/supprimer/").status_code == 302
    with schema_context(structure.schema_name):
        assert CustomField.objects.count() == 0
