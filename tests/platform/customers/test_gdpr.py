"""CU-2 GDPR: "Exporter les données (RGPD)" (JSON download of the core data held on the person)
and "Effacer (RGPD)" (pseudonymisation keeping the row; refused the second time)."""

from __future__ import annotations

import datetime
import html
import json

from django_tenants.utils import schema_context

from ponton.accounts.models import CustomerLink, Role
from ponton.customers.models import Address, Customer
from ponton.customers.services import address_add, customer_set_payer
from tests.platform.customers.factories import make_customer

CUSTOMERS = "/manager/clients/"


def family(structure):
    """(parent, child) where the parent is invited, has an address and pays for the child."""
    parent, account = make_customer(
        structure, first_name="Anne", last_name="Kerbrat", email="anne@exemple.test"
    )
    child, _ = make_customer(
        structure, first_name="Léo", last_name="Kerbrat", email="", invited=False
    )
    with schema_context(structure.schema_name):
        Customer.objects.filter(pk=parent.pk).update(
            mobile="+33612345678", birth_date=datetime.date(1980, 5, 2)
        )
        parent.refresh_from_db()
        address_add(
            customer=parent,
            label="Domicile",
            line1="3 rue de Siam",
            postal_code="29200",
            city="Brest",
        )
        customer_set_payer(customer=child, payer=parent)
    return parent, child, account


def test_export_downloads_the_core_data_as_json(structure_a, client_for):
    """CU-2: the export is a JSON attachment with identity, addresses, family links and the
    customer-space account (core data only: the modules' data are not included)."""
    structure, owner = structure_a
    parent, child, account = family(structure)
    client = client_for(structure, owner)
    card = html.unescape(client.get(f"{CUSTOMERS}{parent.pk}/").content.decode())
    assert "Exporter les données (RGPD)" in card
    assert "Effacer (RGPD)" in card
    response = client.get(f"{CUSTOMERS}{parent.pk}/rgpd/export/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == f'attachment; filename="client-{parent.pk}-rgpd.json"'
    data = json.loads(response.content)
    created = datetime.datetime.fromisoformat(data["client"].pop("client_depuis"))
    with schema_context(structure.schema_name):
        assert created == Customer.objects.get(pk=parent.pk).created_at
    assert data == {
        "client": {
            "id": parent.pk,
            "prenom": "Anne",
            "nom": "Kerbrat",
            "email": "anne@exemple.test",
            "mobile": "+33612345678",
            "telephone": "",
            "date_de_naissance": "1980-05-02",
        },
        "adresses": [
            {
                "libelle": "Domicile",
                "adresse": "3 rue de Siam",
                "complement": "",
                "code_postal": "29200",
                "ville": "Brest",
                "pays": "France",
            }
        ],
        "payeur": None,
        "consommateurs": [{"id": child.pk, "nom": "Léo Kerbrat"}],
        "compte_espace_client": account.email,
    }


def test_erase_pseudonymises_keeps_the_row_and_is_refused_twice(structure_a, client_for):
    """CU-2: "Effacer (RGPD)" asks for confirmation, then names become "Client effacé",
    email/phones/birth date/addresses are cleared, family links and the customer-space link
    removed, the row kept; erasing again is refused with a message."""
    structure, owner = structure_a
    parent, child, account = family(structure)
    client = client_for(structure, owner)
    url = f"{CUSTOMERS}{parent.pk}/rgpd/effacer/"
    confirm = html.unescape(client.get(url).content.decode())
    assert "Cette action est irréversible." in confirm
    with schema_context(structure.schema_name):
        assert Customer.objects.get(pk=parent.pk).last_name == "Kerbrat"  # GET changes nothing
    response = client.post(url, follow=True)
    assert "Les données personnelles du client ont été effacées." in html.unescape(
        response.content.decode()
    )
    with schema_context(structure.schema_name):
        erased = Customer.objects.get(pk=parent.pk)
        assert (
            erased.first_name,
            erased.last_name,
            erased.email,
            erased.mobile,
            erased.phone,
            erased.birth_date,
            erased.account_id,
            erased.payer_id,
        ) == ("", "Client effacé", "", "", "", None, None, None)
        assert erased.erased_at is not None
        assert Address.objects.filter(customer_id=parent.pk).count() == 0
        assert Customer.objects.get(pk=child.pk).payer_id is None
        assert Customer.objects.count() == 2
    assert not CustomerLink.objects.filter(user=account, structure=structure).exists()
    again = client.post(url, follow=True)
    assert "Ce client a déjà été effacé." in html.unescape(again.content.decode())
    with schema_context(structure.schema_name):
        assert Customer.objects.get(pk=parent.pk).erased_at == erased.erased_at
    card = html.unescape(client.get(f"{CUSTOMERS}{parent.pk}/").content.decode())
    assert "Effacé (RGPD)" in card
    assert "Effacer (RGPD)" not in card


def test_gdpr_actions_need_customers_manage(structure_a, make_member, client_for):
    """CU-2: without customers.manage (accountant) no export and no erasure; nothing changes."""
    structure, _owner = structure_a
    parent, _child, _account = family(structure)
    accountant = client_for(structure, make_member(structure, Role.ACCOUNTANT))
    assert accountant.get(f"{CUSTOMERS}{parent.pk}/rgpd/export/").status_code == 403
    assert accountant.post(f"{CUSTOMERS}{parent.pk}/rgpd/effacer/").status_code == 403
    with schema_context(structure.schema_name):
        kept = Customer.objects.get(pk=parent.pk)
        assert (kept.last_name, kept.email, kept.erased_at) == (
            "Kerbrat",
            "anne@exemple.test",
            None,
        )


def test_an_erased_card_can_no_longer_be_edited(structure_a, client_for):
    """CU-2: after erasure the identity, addresses and payer can no longer be changed."""
    structure, owner = structure_a
    parent, child, _account = family(structure)
    client = client_for(structure, owner)
    client.post(f"{CUSTOMERS}{parent.pk}/rgpd/effacer/")
    base = f"{CUSTOMERS}{parent.pk}/"
    response = client.post(
        base + "modifier/", {"first_name": "Anne", "last_name": "Kerbrat"}, follow=True
    )
    assert "Ce client a été effacé (RGPD) : sa fiche ne se modifie plus." in html.unescape(
        response.content.decode()
    )
    client.post(
        base + "adresses/nouvelle/",
        {"line1": "1 quai", "postal_code": "29200", "city": "Brest", "country": "France"},
    )
    response = client.post(base + "payeur/", {"payer_email": "autre@exemple.test"})
    assert response.status_code == 400
    with schema_context(structure.schema_name):
        Customer.objects.create(first_name="Paul", last_name="Hamon", email="paul@exemple.test")
    response = client.post(base + "payeur/", {"payer_email": "paul@exemple.test"})
    assert [str(e) for e in response.context["payer_form"].errors["payer_email"]] == [
        "Ce client a été effacé (RGPD) : sa fiche ne se modifie plus."
    ]
    with schema_context(structure.schema_name):
        erased = Customer.objects.get(pk=parent.pk)
        assert (erased.first_name, erased.last_name, erased.payer_id) == ("", "Client effacé", None)
        assert Address.objects.filter(customer_id=parent.pk).count() == 0
