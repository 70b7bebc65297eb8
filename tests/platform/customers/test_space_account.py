"""MP-3/MP-4 Customer space, what customers change themselves: "Ma famille" (add a member, correct
one, with French errors), "Mon profil" (contact details and main address) and the password
change (Django's, French messages, the session stays open)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import SESSION_KEY
from django.utils import timezone
from django_tenants.utils import schema_context

from ponton.accounts.models import User
from ponton.customers import services
from ponton.customers.models import Address, Customer
from tests.conftest import TEST_PASSWORD
from tests.platform.customers.space_pages import rows
from tests.support.sales import text

NEW_PASSWORD = "Une-nouvelle-phrase-de-passe-77"  # noqa: S105


@pytest.fixture
def claire(space, client_for):
    return client_for(space.structure, space.user)


def family_of(space) -> list[tuple]:
    with schema_context(space.structure.schema_name):
        return list(
            Customer.objects.filter(payer=space.claire)
            .order_by("first_name")
            .values_list("first_name", "last_name", "birth_date")
        )


def customers_count(space) -> int:
    with schema_context(space.structure.schema_name):
        return Customer.objects.count()


# --- Ma famille ------------------------------------------------------------------------------


def test_family_lists_the_members_and_adds_one(space, claire):
    """MP-4 "Ma famille": Louis is listed; adding Emma (first name, last name, birth date)
    makes her a customer of the structure paid for by Claire, listed next."""
    page = claire.get("/compte/famille/")
    assert rows(page, "member") == {
        str(space.louis.pk): ["Louis Le Goff", "03/05/2014", "Modifier la fiche de Louis Le Goff"]
    }
    for label in ("Prénom", "Nom", "Date de naissance"):
        assert f">{label}</label>" in page.content.decode()
    response = claire.post(
        "/compte/famille/",
        {"first_name": " Emma ", "last_name": "Le Goff", "birth_date": "21/08/2017"},
        follow=True,
    )
    assert response.redirect_chain == [("/compte/famille/", 302)]
    assert "Emma Le Goff fait maintenant partie de votre famille." in text(response)
    assert family_of(space) == [
        ("Emma", "Le Goff", dt.date(2017, 8, 21)),
        ("Louis", "Le Goff", dt.date(2014, 5, 3)),
    ]
    assert [cells[:2] for cells in rows(response, "member").values()] == [
        ["Emma Le Goff", "21/08/2017"],
        ["Louis Le Goff", "03/05/2014"],
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"first_name": "", "last_name": "Le Goff", "birth_date": "21/08/2017"},
            "Indiquez le prénom de la personne.",
        ),
        (
            {"first_name": "Emma", "last_name": "", "birth_date": "21/08/2017"},
            "Indiquez le nom de la personne.",
        ),
        (
            {"first_name": "Emma", "last_name": "Le Goff", "birth_date": ""},
            "Indiquez la date de naissance.",
        ),
        (
            {"first_name": "Emma", "last_name": "Le Goff", "birth_date": "31/02/2017"},
            "Indiquez une date valide, au format JJ/MM/AAAA.",
        ),
        (
            {"first_name": "Emma", "last_name": "Le Goff", "birth_date": "01/01/2999"},
            "La date de naissance ne peut pas être dans le futur.",
        ),
        (
            {"first_name": "louis", "last_name": "LE GOFF", "birth_date": "03/05/2014"},
            "louis LE GOFF fait déjà partie de votre famille.",
        ),
    ],
)
def test_adding_a_member_refused_with_a_clear_french_error(space, claire, data, message):
    """MP-4: a missing or wrong field, a birth date in the future, a member already there:
    the form comes back (400) with the French message, and nobody is created."""
    before = customers_count(space)
    response = claire.post("/compte/famille/", data)
    assert response.status_code == 400
    assert message in text(response)
    assert customers_count(space) == before
    assert family_of(space) == [("Louis", "Le Goff", dt.date(2014, 5, 3))]


def test_a_family_is_bounded(space, claire, monkeypatch):
    """MP-4: a family has at most FAMILY_LIMIT members; the next one is refused."""
    monkeypatch.setattr(services, "FAMILY_LIMIT", 2)
    ok = claire.post(
        "/compte/famille/",
        {"first_name": "Emma", "last_name": "Le Goff", "birth_date": "21/08/2017"},
    )
    assert ok.status_code == 302
    refused = claire.post(
        "/compte/famille/",
        {"first_name": "Jade", "last_name": "Le Goff", "birth_date": "02/02/2019"},
    )
    assert refused.status_code == 400
    assert "Votre famille compte déjà 2 membres : contactez la structure." in text(refused)
    assert [m[0] for m in family_of(space)] == ["Emma", "Louis"]


def test_correct_a_member_s_names_and_birth_date(space, claire):
    """MP-4: "Modifier la fiche de Louis Le Goff": new names and birth date are kept."""
    url = f"/compte/famille/{space.louis.pk}/"
    page = text(claire.get(url))
    assert 'value="Louis"' in page and 'value="03/05/2014"' in page
    response = claire.post(
        url, {"first_name": "Louis-Marie", "last_name": "Le Goff", "birth_date": "04/05/2014"}
    )
    assert (response.status_code, response["Location"]) == (302, "/compte/famille/")
    assert family_of(space) == [("Louis-Marie", "Le Goff", dt.date(2014, 5, 4))]


def test_a_member_with_their_own_account_is_not_edited_by_the_payer(space, claire):
    """MP-4: a family member who has their own customer space edits their own card: the payer
    sees no edit link and is refused with a French message; nothing changes."""
    with schema_context(space.structure.schema_name):
        Customer.objects.filter(pk=space.louis.pk).update(email="louis@exemple.fr")
        services.customer_invite(structure=space.structure, customer=space.louis)
    cells = rows(claire.get("/compte/famille/"), "member")[str(space.louis.pk)]
    assert cells == ["Louis Le Goff", "03/05/2014", "A son propre espace client"]
    response = claire.post(
        f"/compte/famille/{space.louis.pk}/",
        {"first_name": "Autre", "last_name": "Nom", "birth_date": "03/05/2014"},
    )
    assert response.status_code == 400
    assert (
        "Louis Le Goff a son propre espace client : c'est là qu'il ou elle modifie sa fiche."
        in text(response)
    )
    assert family_of(space) == [("Louis", "Le Goff", dt.date(2014, 5, 3))]


# --- Mon profil ------------------------------------------------------------------------------


def test_profile_edits_contact_details_and_the_main_address(space, claire):
    """MP-4 "Mon profil": name, mobile (stored E.164), phone and main address are saved; the
    form shows them back; the login email is shown, not editable."""
    page = text(claire.get("/compte/profil/"))
    assert "claire@exemple.fr" in page and 'name="email"' not in page
    for label in ("Prénom", "Nom", "Mobile", "Téléphone fixe", "Adresse", "Code postal", "Ville"):
        assert f">{label}</label>" in page
    assert 'href="/compte/discussions/"' in page  # "Mes discussions" stays (forum on)
    response = claire.post(
        "/compte/profil/",
        {
            "first_name": "Claire",
            "last_name": "Le Goff-Tanguy",
            "mobile": "06 12 34 56 78",
            "phone": "",
            "line1": "3 quai de la Douane",
            "line2": "",
            "postal_code": "29200",
            "city": "Brest",
            "country": "France",
        },
        follow=True,
    )
    assert response.redirect_chain == [("/compte/profil/", 302)]
    assert "Vos coordonnées sont enregistrées." in text(response)
    with schema_context(space.structure.schema_name):
        claire_row = Customer.objects.get(pk=space.claire.pk)
        addresses = list(
            Address.objects.filter(customer=claire_row).values_list("line1", "postal_code", "city")
        )
    assert (claire_row.last_name, claire_row.mobile, claire_row.email) == (
        "Le Goff-Tanguy",
        "+33612345678",
        "claire@exemple.fr",
    )
    assert addresses == [("3 quai de la Douane", "29200", "Brest")]
    assert 'value="3 quai de la Douane"' in text(response)


def test_profile_errors_are_in_french_and_change_nothing(space, claire):
    """MP-4: a missing name, an address without its city, a wrong postal code: refused (400)
    with French messages; nothing saved."""
    response = claire.post(
        "/compte/profil/",
        {"first_name": "", "last_name": "Le Goff", "line1": "3 quai", "postal_code": "2920"},
    )
    assert response.status_code == 400
    page = text(response)
    assert "Indiquez votre prénom." in page
    assert "Indiquez la ville." in page
    with schema_context(space.structure.schema_name):
        claire_row = Customer.objects.get(pk=space.claire.pk)
        assert (claire_row.first_name, claire_row.addresses.count()) == ("Claire", 0)


def test_clearing_the_address_removes_the_main_one_only(space, claire):
    """MP-4: the profile edits the main (first) address; cleared, it is removed, the others
    (entered by staff) stay."""
    with schema_context(space.structure.schema_name):
        services.address_add(
            customer=space.claire, line1="1 rue A", postal_code="29200", city="Brest"
        )
        services.address_add(
            customer=space.claire,
            label="vacances",
            line1="2 rue B",
            postal_code="56000",
            city="Vannes",
        )
    response = claire.post(
        "/compte/profil/", {"first_name": "Claire", "last_name": "Le Goff", "country": "France"}
    )
    assert response.status_code == 302
    with schema_context(space.structure.schema_name):
        assert list(space.claire.addresses.values_list("line1", flat=True)) == ["2 rue B"]


# --- Mot de passe ----------------------------------------------------------------------------


def test_password_change_keeps_the_session_and_works_at_next_login(space, claire, client_for):
    """MP-4 "Changer mon mot de passe": the old password is checked, the new one is saved,
    the session stays open; the next login takes the new password only."""
    response = claire.post(
        "/compte/profil/mot-de-passe/",
        {
            "old_password": TEST_PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
        follow=True,
    )
    assert response.redirect_chain == [("/compte/profil/", 302)]
    assert "Votre mot de passe est modifié." in text(response)
    assert claire.get("/compte/").status_code == 200  # still logged in
    user = User.objects.get(pk=space.user.pk)
    assert user.check_password(NEW_PASSWORD) and not user.check_password(TEST_PASSWORD)
    login = client_for(space.structure).post(
        "/connexion/", {"email": user.email, "password": NEW_PASSWORD}
    )
    assert (login.status_code, login["Location"]) == (302, "/compte/")
    assert str(user.pk) == login.client.session[SESSION_KEY]


@pytest.mark.parametrize(
    ("old", "new1", "new2", "message"),
    [
        (
            "faux-mot-de-passe",
            NEW_PASSWORD,
            NEW_PASSWORD,
            "Votre mot de passe actuel est incorrect.",
        ),
        (
            TEST_PASSWORD,
            NEW_PASSWORD,
            NEW_PASSWORD + "x",
            "Les deux nouveaux mots de passe ne sont pas identiques.",
        ),
        (
            TEST_PASSWORD,
            "court",
            "court",
            "Ce mot de passe est trop court. Il doit contenir au minimum 10 caractères.",
        ),
        (
            TEST_PASSWORD,
            "1234567890123",
            "1234567890123",
            "Ce mot de passe est entièrement numérique.",
        ),
    ],
)
def test_password_change_refusals_in_french(space, claire, old, new1, new2, message):
    """MP-4: wrong current password, different confirmations, a password the validators
    refuse: French messages (400), the password unchanged."""
    response = claire.post(
        "/compte/profil/mot-de-passe/",
        {"old_password": old, "new_password1": new1, "new_password2": new2},
    )
    assert response.status_code == 400
    assert message in text(response)
    assert User.objects.get(pk=space.user.pk).check_password(TEST_PASSWORD)


def test_the_birth_date_in_the_future_is_checked_against_today(space):
    """MP-4: today is accepted, tomorrow refused (the service's own check)."""
    today = timezone.localdate()
    with schema_context(space.structure.schema_name):
        member = services.family_member_add(
            payer=space.claire, first_name="Bébé", last_name="Le Goff", birth_date=today
        )
        assert member.payer_id == space.claire.pk
        with pytest.raises(services.CustomerError, match="dans le futur"):
            services.family_member_add(
                payer=space.claire,
                first_name="Futur",
                last_name="Le Goff",
                birth_date=today + dt.timedelta(days=1),
            )


def test_mes_discussions_is_offered_only_while_the_forum_is_on(space, claire):
    """MP-4: "Mes discussions" (forum module) is in the menu and on "Mon profil" while the
    module is on; switched off, the link goes and its page answers 404."""
    from tenants.services import module_set_enabled

    assert 'href="/compte/discussions/"' in claire.get("/compte/profil/").content.decode()
    module_set_enabled(structure=space.structure, label="forum", enabled=False)
    for url in ("/compte/", "/compte/profil/", "/compte/commandes/"):
        assert "/compte/discussions/" not in claire.get(url).content.decode(), url
    assert claire.get("/compte/discussions/").status_code == 404
