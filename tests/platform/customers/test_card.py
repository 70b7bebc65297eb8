"""CU-1 customer card: identity edit (birth date, phones normalised), addresses (postal code
validated), family links (a payer and the consumers they pay for, no cycle, not one's own
payer), all with French messages and nothing half-saved on refusal."""

from __future__ import annotations

import datetime
import html

from django_tenants.utils import schema_context

from ponton.accounts.models import Role
from ponton.customers.models import Address, Customer
from tests.platform.customers.factories import make_customer

CUSTOMERS = "/manager/clients/"


def text(response) -> str:
    return html.unescape(response.content.decode())


def identity(structure, pk: int) -> tuple:
    with schema_context(structure.schema_name):
        return Customer.objects.filter(pk=pk).values_list(
            "first_name", "last_name", "email", "mobile", "phone", "birth_date", "payer_id"
        )[0]


def addresses(structure, pk: int) -> list[tuple]:
    with schema_context(structure.schema_name):
        return list(
            Address.objects.filter(customer_id=pk)
            .order_by("id")
            .values_list("label", "line1", "line2", "postal_code", "city", "country")
        )


def test_edit_identity_with_birth_date_and_normalised_phones(structure_a, client_for):
    """CU-1: "Modifier l'identité" edits names, email, phones (normalised to +33…) and the
    birth date (JJ/MM/AAAA); the card shows them."""
    structure, owner = structure_a
    customer, _ = make_customer(structure, email="camille@exemple.test", invited=False)
    client = client_for(structure, owner)
    url = f"{CUSTOMERS}{customer.pk}/modifier/"
    page = client.get(url).content.decode()
    for label in ("Prénom", "Nom", "Email", "Mobile", "Téléphone fixe", "Date de naissance"):
        assert f">{label}</label>" in page
    assert 'value="Camille"' in page
    response = client.post(
        url,
        {
            "first_name": "Camille",
            "last_name": "Le Goff",
            "email": "Camille.LeGoff@Exemple.test",
            "mobile": "06 12 34 56 78",
            "phone": "02 98 00 11 22",
            "birth_date": "14/07/2012",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"{CUSTOMERS}{customer.pk}/"
    assert identity(structure, customer.pk) == (
        "Camille",
        "Le Goff",
        "camille.legoff@exemple.test",
        "+33612345678",
        "+33298001122",
        datetime.date(2012, 7, 14),
        None,
    )
    card = text(client.get(f"{CUSTOMERS}{customer.pk}/"))
    assert "14/07/2012" in card
    # Stored in E.164, shown the French way (issue 11).
    assert "<td>02 98 00 11 22</td>" in card and "<td>06 12 34 56 78</td>" in card
    assert "+33298001122" not in card


def test_bad_identity_is_refused_in_french_and_nothing_changes(structure_a, client_for):
    """CU-1: a bad phone or date is refused next to the field; the card is unchanged."""
    structure, owner = structure_a
    customer, _ = make_customer(structure, email="camille@exemple.test", invited=False)
    before = identity(structure, customer.pk)
    client = client_for(structure, owner)
    response = client.post(
        f"{CUSTOMERS}{customer.pk}/modifier/",
        {
            "first_name": "",
            "last_name": "Autre",
            "email": "camille@exemple.test",
            "mobile": "12",
            "phone": "",
            "birth_date": "31/02/2012",
        },
    )
    assert response.status_code == 200
    errors = {k: [str(e) for e in v] for k, v in response.context["form"].errors.items()}
    assert errors == {
        "first_name": ["Indiquez le prénom du client."],
        "mobile": ["Numéro de téléphone invalide."],
        "birth_date": ["Indiquez une date valide, au format JJ/MM/AAAA."],
    }
    assert identity(structure, customer.pk) == before


def test_addresses_add_validate_and_delete(structure_a, client_for):
    """CU-1: addresses with a validated French postal code; shown on the card; deletable."""
    structure, owner = structure_a
    customer, _ = make_customer(structure, invited=False)
    client = client_for(structure, owner)
    url = f"{CUSTOMERS}{customer.pk}/adresses/nouvelle/"
    page = client.get(url).content.decode()
    for label in ("Libellé", "Adresse", "Complément d'adresse", "Code postal", "Ville", "Pays"):
        assert f">{html.escape(label)}</label>" in page or f">{label}</label>" in page
    bad = client.post(
        url, {"label": "", "line1": "", "postal_code": "2920", "city": "Brest", "country": ""}
    )
    assert bad.status_code == 200
    errors = {k: [str(e) for e in v] for k, v in bad.context["form"].errors.items()}
    assert errors == {
        "line1": ["Indiquez l'adresse."],
        "postal_code": ["Le code postal doit comporter 5 chiffres (ex. 29200)."],
        "country": ["Ce champ est obligatoire."],
    }
    assert addresses(structure, customer.pk) == []
    ok = client.post(
        url,
        {
            "label": "Domicile",
            "line1": "3 rue de Siam",
            "line2": "Bât. B",
            "postal_code": "29200",
            "city": "Brest",
            "country": "France",
        },
    )
    assert ok.status_code == 302
    assert addresses(structure, customer.pk) == [
        ("Domicile", "3 rue de Siam", "Bât. B", "29200", "Brest", "France")
    ]
    card = text(client.get(f"{CUSTOMERS}{customer.pk}/"))
    assert "3 rue de Siam, Bât. B, 29200 Brest" in card
    with schema_context(structure.schema_name):
        address = Address.objects.get(customer_id=customer.pk)
    other, _ = make_customer(structure, invited=False)
    # Another customer's URL does not reach this address.
    assert client.post(f"{CUSTOMERS}{other.pk}/adresses/{address.pk}/supprimer/").status_code == 404
    assert len(addresses(structure, customer.pk)) == 1
    client.post(f"{CUSTOMERS}{customer.pk}/adresses/{address.pk}/supprimer/")
    assert addresses(structure, customer.pk) == []


def test_family_payer_and_consumers_shown_on_both_cards(structure_a, client_for):
    """CU-1: a parent pays for two children; each child's card links to the payer, the
    parent's card lists the consumers; the link can be removed."""
    structure, owner = structure_a
    parent, _ = make_customer(
        structure, first_name="Anne", last_name="Kerbrat", email="anne@exemple.test", invited=False
    )
    child1, _ = make_customer(
        structure, first_name="Léo", last_name="Kerbrat", email="", invited=False
    )
    child2, _ = make_customer(
        structure, first_name="Zoé", last_name="Kerbrat", email="", invited=False
    )
    client = client_for(structure, owner)
    card = client.get(f"{CUSTOMERS}{child1.pk}/").content.decode()
    assert ">Email du payeur</label>" in card
    for child in (child1, child2):
        response = client.post(
            f"{CUSTOMERS}{child.pk}/payeur/", {"payer_email": "Anne@Exemple.test"}
        )
        assert response.status_code == 302
        assert identity(structure, child.pk)[6] == parent.pk
    parent_card = text(client.get(f"{CUSTOMERS}{parent.pk}/"))
    assert "Paie pour :" in parent_card
    assert f'href="{CUSTOMERS}{child1.pk}/" data-link="consumer">Léo Kerbrat' in parent_card
    assert f'href="{CUSTOMERS}{child2.pk}/" data-link="consumer">Zoé Kerbrat' in parent_card
    child_card = text(client.get(f"{CUSTOMERS}{child1.pk}/"))
    assert f'href="{CUSTOMERS}{parent.pk}/" data-link="payer">Anne Kerbrat' in child_card
    client.post(f"{CUSTOMERS}{child1.pk}/payeur/retirer/")
    assert identity(structure, child1.pk)[6] is None
    assert identity(structure, child2.pk)[6] == parent.pk


def test_family_links_refuse_self_cycles_and_unknown_payers(structure_a, client_for):
    """CU-1: a customer cannot be their own payer, a link cannot close a cycle, an unknown
    email is refused; French message next to the field, nothing changed."""
    structure, owner = structure_a
    a, _ = make_customer(structure, first_name="Anne", email="anne@exemple.test", invited=False)
    b, _ = make_customer(structure, first_name="Bruno", email="bruno@exemple.test", invited=False)
    c, _ = make_customer(structure, first_name="Chloé", email="chloe@exemple.test", invited=False)
    client = client_for(structure, owner)
    assert client.post(f"{CUSTOMERS}{b.pk}/payeur/", {"payer_email": a.email}).status_code == 302
    assert client.post(f"{CUSTOMERS}{c.pk}/payeur/", {"payer_email": b.email}).status_code == 302

    def refused(customer, email: str) -> list[str]:
        response = client.post(f"{CUSTOMERS}{customer.pk}/payeur/", {"payer_email": email})
        assert response.status_code == 400
        return [str(e) for e in response.context["payer_form"].errors["payer_email"]]

    assert refused(a, a.email) == ["Un client ne peut pas être son propre payeur."]
    assert refused(a, c.email) == [
        "Chloé Leroy est déjà payé par Anne Leroy : ce lien créerait une boucle entre payeurs."
    ]
    assert refused(a, "personne@exemple.test") == ["Aucun client n'a cette adresse email."]
    assert [identity(structure, x.pk)[6] for x in (a, b, c)] == [None, a.pk, b.pk]


def test_card_edit_actions_need_customers_manage(structure_a, make_member, client_for):
    """CU-1 permissions: the accountant (no customers.*) cannot edit, add an address or set a
    payer; nothing changes."""
    structure, _owner = structure_a
    customer, _ = make_customer(structure, email="camille@exemple.test", invited=False)
    before = identity(structure, customer.pk)
    accountant = client_for(structure, make_member(structure, Role.ACCOUNTANT))
    base = f"{CUSTOMERS}{customer.pk}/"
    assert (
        accountant.post(base + "modifier/", {"first_name": "X", "last_name": "Y"}).status_code
        == 403
    )
    assert (
        accountant.post(
            base + "adresses/nouvelle/",
            {"line1": "1 rue", "postal_code": "29200", "city": "Brest", "country": "France"},
        ).status_code
        == 403
    )
    assert accountant.post(base + "payeur/", {"payer_email": customer.email}).status_code == 403
    assert identity(structure, customer.pk) == before
    assert addresses(structure, customer.pk) == []
