"""CU-1 (minimal customer base, for the forum): Club Manager > Clients (list and search, new
customer, customer card with the modules' buttons), invitation into the customer space (FO-1:
"a customer has one platform-wide account, created by staff on the customer card with an
invitation email"), customers logging in on the structure's domain, /compte/ and the
platform-wide "Mes discussions" list."""

from __future__ import annotations

import html
import re

import pytest
from django_tenants.utils import schema_context

from ponton.accounts.models import CustomerLink, Role, User
from ponton.customers.models import Customer
from ponton.customers.services import customer_invite
from tenants.services import module_set_enabled
from tests.conftest import TEST_PASSWORD, host_of
from tests.platform.customers.factories import make_customer

CUSTOMERS = "/manager/clients/"


def customers_of(structure) -> list[tuple]:
    with schema_context(structure.schema_name):
        return list(
            Customer.objects.order_by("id").values_list(
                "first_name", "last_name", "email", "mobile", "phone", "account_id"
            )
        )


def text(response) -> str:
    return html.unescape(response.content.decode())


def field_errors(response, name: str) -> list[str]:
    return [str(e) for e in response.context["form"].errors.get(name, [])]


# --- Club Manager > Clients ------------------------------------------------------------------


def test_staff_create_a_customer_and_find_it_by_name_email_or_phone(structure_a, client_for):
    """CU-1: "Nouveau client" creates the customer in the structure's schema; the list
    searches by name, email and phone."""
    structure, owner = structure_a
    client = client_for(structure, owner)
    form_page = client.get(CUSTOMERS + "nouveau/").content.decode()
    for label in ("Prénom", "Nom", "Email", "Mobile", "Téléphone fixe"):
        assert f">{label}</label>" in form_page
    response = client.post(
        CUSTOMERS + "nouveau/",
        {
            "first_name": " Camille ",
            "last_name": "Leroy",
            "email": "Camille.Leroy@Exemple.test",
            "mobile": "06 12 34 56 78",
            "phone": "",
        },
    )
    [row] = customers_of(structure)
    assert row == ("Camille", "Leroy", "camille.leroy@exemple.test", "+33612345678", "", None)
    with schema_context(structure.schema_name):
        customer = Customer.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{CUSTOMERS}{customer.pk}/"
    with schema_context(structure.schema_name):
        Customer.objects.create(first_name="Marc", last_name="Durand", email="marc@exemple.test")

    def found(query: str) -> list[str]:
        page = client.get(CUSTOMERS, {"q": query}).content.decode()
        return re.findall(r'data-row="customer-\d+">\s*<td><a [^>]*>([^<]+)</a>', page)

    assert found("") == ["Durand Marc", "Leroy Camille"]
    assert found("leroy") == ["Leroy Camille"]
    assert found("camille leroy") == ["Leroy Camille"]
    assert found("marc@exemple") == ["Durand Marc"]
    assert found("612345678") == ["Leroy Camille"]
    assert found("personne") == []
    assert "Aucun client ne correspond à « personne »." in text(
        client.get(CUSTOMERS, {"q": "personne"})
    )


def test_bad_customer_input_is_refused_in_french_and_nothing_is_saved(structure_a, client_for):
    """CU-1: clear French errors next to the fields; nothing half-saved."""
    structure, owner = structure_a
    client = client_for(structure, owner)
    response = client.post(
        CUSTOMERS + "nouveau/",
        {"first_name": "  ", "last_name": "", "email": "pas-un-email", "mobile": "12"},
    )
    assert response.status_code == 200
    assert field_errors(response, "first_name") == ["Indiquez le prénom du client."]
    assert field_errors(response, "last_name") == ["Indiquez le nom du client."]
    assert field_errors(response, "email") == ["Saisissez une adresse e-mail valide."]
    assert field_errors(response, "mobile") == ["Numéro de téléphone invalide."]
    assert customers_of(structure) == []


def test_roles_customers_view_and_manage(structure_a, make_member, client_for):
    """CU-1 permissions: the accountant does not see customers; the cashier creates them."""
    structure, _owner = structure_a
    accountant = client_for(structure, make_member(structure, Role.ACCOUNTANT))
    assert accountant.get(CUSTOMERS).status_code == 403
    assert (
        accountant.post(CUSTOMERS + "nouveau/", {"first_name": "A", "last_name": "B"}).status_code
        == 403
    )
    cashier = client_for(structure, make_member(structure, Role.CASHIER))
    assert cashier.get(CUSTOMERS).status_code == 200
    cashier.post(CUSTOMERS + "nouveau/", {"first_name": "Léa", "last_name": "Martin"})
    assert customers_of(structure) == [("Léa", "Martin", "", "", "", None)]


def test_a_customer_of_another_structure_is_not_found(structure_a, structure_b, client_for):
    """CU-1/security: a customer card is looked up in the host's structure only (404)."""
    a, owner_a = structure_a
    b, _owner_b = structure_b
    customer_b, _ = make_customer(b, invited=False)
    client = client_for(a, owner_a)
    assert client.get(f"{CUSTOMERS}{customer_b.pk}/").status_code == 404
    assert client.post(f"{CUSTOMERS}{customer_b.pk}/inviter/").status_code == 404
    assert customers_of(a) == []


def test_customer_card_shows_identity_and_the_forum_button(structure_a, client_for):
    """CU-1/CU-2: the card shows identity and the buttons of the modules that are on
    (the forum's "Forum"); with the forum off, no such button."""
    structure, owner = structure_a
    customer, _ = make_customer(structure, invited=False, email="camille@exemple.test")
    client = client_for(structure, owner)
    page = client.get(f"{CUSTOMERS}{customer.pk}/").content.decode()
    assert "<h1>Camille Leroy</h1>" in page
    assert "camille@exemple.test" in page
    assert f'<a class="btn success" href="/manager/m/forum/clients/{customer.pk}/"' in page
    assert "Inviter dans l'espace client</button>" in page
    module_set_enabled(structure=structure, label="forum", enabled=False)
    page = client.get(f"{CUSTOMERS}{customer.pk}/").content.decode()
    assert 'class="btn success"' not in page


def test_clients_section_lists_customers_and_discussions(structure_a, client_for):
    """FO-1: Clients > Discussions (the module's section link), next to the customer list."""
    structure, owner = structure_a
    page = client_for(structure, owner).get("/manager/section/clients/").content.decode()
    assert 'href="/manager/clients/"' in page
    assert 'href="/manager/m/forum/"' in page
    assert "<h2>Discussions</h2>" in page


# --- Invitation into the customer space ------------------------------------------------------


def invite(client, customer, capture):
    with capture(execute=True):
        return client.post(f"{CUSTOMERS}{customer.pk}/inviter/", follow=True)


def test_invitation_creates_the_account_and_emails_a_set_password_link(
    structure_a, client_for, smtp_server, django_capture_on_commit_callbacks
):
    """FO-1/CU-1: "Inviter dans l'espace client" creates the platform account, links it to the
    customer (Customer.account_id, CustomerLink) and emails a link to choose a password on the
    structure's domain and the address of the customer space; the customer then logs in there
    and lands on /compte/."""
    structure, owner = structure_a
    customer, _ = make_customer(structure, invited=False, email="camille@exemple.test")
    response = invite(client_for(structure, owner), customer, django_capture_on_commit_callbacks)
    assert "Invitation envoyée à camille@exemple.test" in text(response)
    user = User.objects.get(email="camille@exemple.test")
    assert (user.first_name, user.last_name, user.has_usable_password()) == (
        "Camille",
        "Leroy",
        False,
    )
    assert customers_of(structure)[0][5] == user.pk
    assert list(CustomerLink.objects.values_list("user_id", "structure_id", "customer_id")) == [
        (user.pk, structure.pk, customer.pk)
    ]
    [message] = smtp_server.wait_for(1)
    assert message["To"] == "camille@exemple.test"
    assert message["Subject"] == "Votre espace client chez Club A"
    body = smtp_server.text_of(message)
    host = host_of(structure)
    link = re.search(rf"http://{re.escape(host)}:8000(/mot-de-passe/[^\s]+/)", body).group(1)
    assert f"Votre espace client : http://{host}:8000/compte/" in body
    assert TEST_PASSWORD not in body
    visitor = client_for(structure)
    form_page = visitor.get(link, follow=True)
    new = "Une-phrase-de-passe-neuve-2026"
    visitor.post(form_page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    login = visitor.post("/connexion/", {"email": "camille@exemple.test", "password": new})
    assert login.status_code == 302
    assert login["Location"] == "/compte/"
    home = visitor.get("/compte/").content.decode()
    assert "Bonjour Camille" in home
    assert 'href="/compte/discussions/"' in home


def test_invitation_of_an_existing_account_sends_a_login_link(
    structure_a, structure_b, client_for, smtp_server, django_capture_on_commit_callbacks
):
    """FO-1: one platform-wide account per person: a customer of A invited by B keeps the same
    account (and password); the email gives B's login page."""
    a, _ = structure_a
    b, owner_b = structure_b
    _customer_a, user = make_customer(a, email="camille@exemple.test")
    customer_b, _ = make_customer(b, invited=False, email="camille@exemple.test")
    invite(client_for(b, owner_b), customer_b, django_capture_on_commit_callbacks)
    assert User.objects.filter(email="camille@exemple.test").count() == 1
    assert customers_of(b)[0][5] == user.pk
    assert sorted(
        CustomerLink.objects.filter(user=user).values_list("structure_id", flat=True)
    ) == sorted([a.pk, b.pk])
    [message] = smtp_server.wait_for(1)
    body = smtp_server.text_of(message)
    assert f"http://{host_of(b)}:8000/connexion/" in body
    assert "/mot-de-passe/" not in body
    user.refresh_from_db()
    assert user.check_password(TEST_PASSWORD)


def test_invitation_without_email_is_refused_and_changes_nothing(
    structure_a, client_for, smtp_server, django_capture_on_commit_callbacks
):
    """FO-1: the invitation goes by email: a customer without one is refused in French."""
    structure, owner = structure_a
    customer, _ = make_customer(structure, invited=False, email="")
    users = User.objects.count()
    response = invite(client_for(structure, owner), customer, django_capture_on_commit_callbacks)
    assert "Ajoutez d'abord une adresse email à ce client" in text(response)
    assert User.objects.count() == users
    assert CustomerLink.objects.count() == 0
    assert customers_of(structure)[0][5] is None
    assert smtp_server.messages == []


def test_an_account_is_the_customer_of_one_row_per_structure(
    structure_a, client_for, smtp_server, django_capture_on_commit_callbacks
):
    """FO-1: two customer rows with the same email: the second invitation is refused (the
    account is already the first one's) and nothing changes."""
    structure, owner = structure_a
    first, user = make_customer(structure, email="famille@exemple.test")
    second, _ = make_customer(
        structure, first_name="Noé", invited=False, email="famille@exemple.test"
    )
    response = invite(client_for(structure, owner), second, django_capture_on_commit_callbacks)
    assert "Le compte famille@exemple.test est déjà celui du client Camille Leroy." in text(
        response
    )
    assert [row[5] for row in customers_of(structure)] == [user.pk, None]
    assert list(CustomerLink.objects.values_list("customer_id", flat=True)) == [first.pk]
    assert smtp_server.messages == []


# --- Logging in, /compte/ ----------------------------------------------------------------------


def test_customers_log_in_to_their_space_and_staff_to_the_club_manager(
    structure_a, structure_b, client_for
):
    """FO-1: the structure's login page lets its customers in (to /compte/); staff still go to
    /manager/; a customer of A is refused on B's domain."""
    a, owner_a = structure_a
    b, _ = structure_b
    _customer, user = make_customer(a)
    response = client_for(a).post("/connexion/", {"email": user.email, "password": TEST_PASSWORD})
    assert (response.status_code, response["Location"]) == (302, "/compte/")
    response = client_for(a).post(
        "/connexion/", {"email": owner_a.email, "password": TEST_PASSWORD}
    )
    assert (response.status_code, response["Location"]) == (302, "/manager/")
    refused = client_for(b).post("/connexion/", {"email": user.email, "password": TEST_PASSWORD})
    assert "Ce compte n'a pas accès à cette structure." in text(refused)
    assert "_auth_user_id" not in refused.client.session


def test_customer_space_is_for_the_structure_s_customers_only(structure_a, structure_b, client_for):
    """FO-1/security: /compte/ sends anonymous visitors to the login page; a staff member who
    is not a customer, and a customer of another structure, are refused; the customer is not
    staff (no Club Manager)."""
    a, owner_a = structure_a
    b, _ = structure_b
    _customer, user = make_customer(a)
    anonymous = client_for(a).get("/compte/")
    assert (anonymous.status_code, anonymous["Location"]) == (302, "/connexion/?next=/compte/")
    assert client_for(a, owner_a).get("/compte/").status_code == 403
    assert client_for(b, user).get("/compte/").status_code == 403
    assert client_for(b, user).get("/compte/discussions/").status_code == 403
    assert client_for(a, user).get("/compte/").status_code == 200
    assert client_for(a, user).get("/manager/").status_code == 403
    assert client_for(a, user).get("/manager/m/forum/").status_code == 403


def test_platform_list_of_my_structures_with_their_pages(make_structure, client_for):
    """MP-4/FO-1: on the platform domain, /compte/ lists the structures the person is a
    customer of, each linking to its own space: "Mes commandes", "Mes factures et avoirs",
    and "Mes discussions" where the forum is on."""
    a, _ = make_structure(name="Club A")
    b, _ = make_structure(name="Musée B")
    c, _ = make_structure(name="Office C")
    _ca, user = make_customer(a, email="camille@exemple.test")
    for other in (b, c):
        customer, _ = make_customer(other, invited=False, email="camille@exemple.test")
        with schema_context(other.schema_name):
            customer_invite(structure=other, customer=customer)
    module_set_enabled(structure=c, label="forum", enabled=False)
    client = client_for(None, user)
    page = client.get("/compte/").content.decode()
    assert "<h1>Mon espace client</h1>" in page

    def rows(page: str) -> list[tuple[str, list[tuple[str, str]]]]:
        found = re.findall(
            r'data-row="structure-\d+">\s*<td><a href="[^"]+">([^<]+)</a></td>\s*<td>(.*?)</td>',
            page,
            flags=re.DOTALL,
        )
        return [
            (
                name,
                [
                    (label, url)
                    for url, label in re.findall(r'<a href="([^"]+)">([^<]+)</a>', cells)
                ],
            )
            for name, cells in found
        ]

    def pages(structure, *, forum: bool) -> list[tuple[str, str]]:
        base = f"http://{host_of(structure)}:8000/compte/"
        links = [
            ("Mes commandes", f"{base}commandes/"),
            ("Mes factures et avoirs", f"{base}factures/"),
        ]
        return links + ([("Mes discussions", f"{base}discussions/")] if forum else [])

    assert rows(page) == [
        ("Club A", pages(a, forum=True)),
        ("Musée B", pages(b, forum=True)),
        ("Office C", pages(c, forum=False)),
    ]
    assert f'<a href="http://{host_of(c)}:8000/compte/">Office C</a>' in page
    module_set_enabled(structure=c, label="forum", enabled=True)
    page = client.get("/compte/").content.decode()
    assert rows(page)[2] == ("Office C", pages(c, forum=True))


def test_platform_list_needs_a_login_and_shows_nothing_to_others(structure_a, client_for):
    """FO-1/MP-4: the platform page is for logged-in people; a staff member who is nobody's
    customer sees an empty list; a customer logging in on the platform lands there."""
    _a, owner_a = structure_a
    anonymous = client_for(None).get("/compte/")
    assert (anonymous.status_code, anonymous["Location"]) == (302, "/connexion/?next=/compte/")
    page = text(client_for(None, owner_a).get("/compte/"))
    assert "Vous n'êtes client d'aucune structure pour l'instant." in page
    a, _ = structure_a
    _customer, user = make_customer(a)
    response = client_for(None).post(
        "/connexion/", {"email": user.email, "password": TEST_PASSWORD}
    )
    assert (response.status_code, response["Location"]) == (302, "/compte/")


@pytest.mark.parametrize("path", ["/compte/", "/compte/discussions/"])
def test_customer_pages_are_not_on_the_platform_domain_and_vice_versa(
    path, structure_a, client_for
):
    """FO-1: the structure's customer pages live on its domain only."""
    a, _ = structure_a
    _customer, user = make_customer(a)
    if path == "/compte/":
        # The platform's /compte/ is the list of structures, not a structure's space.
        assert "Mes discussions" in client_for(None, user).get(path).content.decode()
    else:
        assert client_for(None, user).get(path).status_code == 404


# --- Issue 11: the address at creation --------------------------------------------------------


def addresses_of(structure) -> list[tuple]:
    from ponton.customers.models import Address

    with schema_context(structure.schema_name):
        return list(
            Address.objects.order_by("id").values_list(
                "customer__last_name", "label", "line1", "line2", "postal_code", "city", "country"
            )
        )


def test_new_customer_with_an_address_in_one_form(structure_a, client_for):
    """CU-1, issue 11: "Nouveau client" asks for the address (the fields of "Ajouter une
    adresse"); the customer and the address are created together and shown on the card."""
    structure, owner = structure_a
    client = client_for(structure, owner)
    form_page = client.get(CUSTOMERS + "nouveau/").content.decode()
    for label in ("Adresse", "Complément d'adresse", "Code postal", "Ville", "Pays"):
        assert f">{label}</label>" in html.unescape(form_page)
    response = client.post(
        CUSTOMERS + "nouveau/",
        {
            "first_name": "Camille",
            "last_name": "Leroy",
            "label": "Domicile",
            "line1": " 3 rue de Siam ",
            "line2": "",
            "postal_code": "29200",
            "city": "Brest",
            "country": "France",
        },
    )
    assert response.status_code == 302
    assert addresses_of(structure) == [
        ("Leroy", "Domicile", "3 rue de Siam", "", "29200", "Brest", "France")
    ]
    card = text(client.get(response["Location"]))
    assert "3 rue de Siam" in card and "29200" in card and "Brest" in card


def test_new_customer_without_an_address_still_works(structure_a, client_for):
    structure, owner = structure_a
    response = client_for(structure, owner).post(
        CUSTOMERS + "nouveau/", {"first_name": "Marc", "last_name": "Durand", "country": "France"}
    )
    assert response.status_code == 302
    assert [row[:2] for row in customers_of(structure)] == [("Marc", "Durand")]
    assert addresses_of(structure) == []


def test_half_an_address_is_refused_and_nothing_is_saved(structure_a, client_for):
    """CU-1, issue 11: an address without its postal code and city, or with a bad postal
    code, is refused next to the fields; neither the customer nor the address is saved."""
    structure, owner = structure_a
    client = client_for(structure, owner)
    response = client.post(
        CUSTOMERS + "nouveau/",
        {"first_name": "Camille", "last_name": "Leroy", "line1": "3 rue de Siam"},
    )
    assert response.status_code == 200
    assert field_errors(response, "postal_code") == ["Indiquez le code postal."]
    assert field_errors(response, "city") == ["Indiquez la ville."]
    bad = client.post(
        CUSTOMERS + "nouveau/",
        {
            "first_name": "Camille",
            "last_name": "Leroy",
            "line1": "3 rue de Siam",
            "postal_code": "2920",
            "city": "Brest",
        },
    )
    assert bad.status_code == 200 and field_errors(bad, "postal_code")
    assert customers_of(structure) == [] and addresses_of(structure) == []
