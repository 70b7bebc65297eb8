"""Staff log in at their structure's domain; logins are rate-limited; passwords reset by email."""

import html
import re

from ponton.accounts.models import Role
from tests.conftest import TEST_PASSWORD


def test_owner_logs_in_and_sees_the_club_manager_shell(structure_a, client_for):
    """EG-2 shell: French navigation, dashboard, account menu, module entries."""
    structure, owner = structure_a
    client = client_for(structure)
    response = client.post("/connexion/", {"email": owner.email, "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/manager/"
    page = client.get("/manager/").content.decode()
    for label in (
        "Offre",
        "Planning",
        "Clients",
        "Gérer",
        "Compta",
        "Statistiques",
        "Paramètres",
        "Tableau de bord",
        "Se déconnecter",
    ):
        assert label in page
    assert 'href="/manager/m/forum/"' in page  # forum is on by default
    assert 'href="/manager/m/sms/"' not in page


def test_menu_follows_the_role(structure_a, make_member, client_for):
    structure, _ = structure_a
    accountant = make_member(structure, Role.ACCOUNTANT)
    page = client_for(structure, accountant).get("/manager/").content.decode()
    assert "Compta" in page and "Statistiques" in page
    assert "/manager/section/offre/" not in page
    assert "/manager/m/forum/" not in page
    assert client_for(structure, accountant).get("/manager/section/offre/").status_code == 403


def test_wrong_password_is_refused_in_french(structure_a, client_for):
    structure, owner = structure_a
    response = client_for(structure).post(
        "/connexion/", {"email": owner.email, "password": "mauvais"}
    )
    assert response.status_code == 200
    assert "Adresse email ou mot de passe incorrect." in response.content.decode()
    assert "_auth_user_id" not in response.client.session


def test_member_of_another_structure_cannot_log_in_here(structure_a, structure_b, client_for):
    structure_b_, _ = structure_b
    _, owner_a = structure_a
    response = client_for(structure_b_).post(
        "/connexion/", {"email": owner_a.email, "password": TEST_PASSWORD}
    )
    assert response.status_code == 200
    assert "Ce compte n'a pas accès à cette structure." in html.unescape(response.content.decode())
    assert "_auth_user_id" not in response.client.session


def test_logins_are_rate_limited(structure_a, client_for, settings):
    structure, owner = structure_a
    settings.RATELIMIT_LOGIN = (3, 300)
    client = client_for(structure)
    for _ in range(3):
        client.post("/connexion/", {"email": owner.email, "password": "mauvais"})
    response = client.post("/connexion/", {"email": owner.email, "password": TEST_PASSWORD})
    assert "Trop de tentatives de connexion" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_password_reset_by_email_link(structure_a, client_for, smtp_server):
    structure, owner = structure_a
    client = client_for(structure)
    response = client.post("/mot-de-passe/oublie/", {"email": owner.email})
    assert response.status_code == 302
    [message] = smtp_server.wait_for(1)
    assert message["To"] == owner.email
    body = smtp_server.text_of(message)
    link = re.search(r"http://[^\s]+/mot-de-passe/[^\s]+/", body).group(0)
    assert link.startswith(f"http://{structure.get_primary_domain().domain}")
    path = link.split(structure.get_primary_domain().domain, 1)[1]
    form_page = client.get(path, follow=True)
    assert "Choisissez votre mot de passe" in form_page.content.decode()
    new = "Une-phrase-de-passe-neuve-2026"
    done = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}
    )
    assert done.status_code == 302
    owner.refresh_from_db()
    assert owner.check_password(new)
    assert client.get(path, follow=True).context["validlink"] is False  # single use


def test_logout(structure_a, client_for):
    structure, owner = structure_a
    client = client_for(structure, owner)
    assert client.post("/deconnexion/").status_code == 302
    assert client.get("/manager/").status_code == 302
