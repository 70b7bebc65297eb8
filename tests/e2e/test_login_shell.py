"""EG-2 shell in a real browser: the Super Administrateur logs in and switches a module."""

import pytest

from tests.conftest import TEST_PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_owner_logs_in_and_switches_forum_off_and_on(make_structure, site, new_page):
    """EG-2: Ma structure > Mes modules, uncheck then check "Forum client"."""
    structure, owner = make_structure(name="Musée de la mer")
    page = new_page()
    page.goto(site.url(structure, "/manager/"))
    page.get_by_label("Adresse email").fill(owner.email)
    page.get_by_label("Mot de passe").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("heading", name="Tableau de bord").wait_for()
    nav = page.get_by_role("navigation", name="Navigation principale")
    assert nav.get_by_role("link", name="Discussions").count() == 1

    nav.get_by_role("link", name="Paramètres").click()
    page.get_by_role("link", name="Mes modules").click()
    page.get_by_label("Forum client").uncheck()
    page.get_by_role("button", name="Enregistrer les modifications").click()
    page.get_by_text("Vos modules ont été enregistrés.").wait_for()
    assert nav.get_by_role("link", name="Discussions").count() == 0
    assert page.goto(site.url(structure, "/manager/m/forum/")).status == 404

    page.goto(site.url(structure, "/manager/structure/modules/"))
    page.get_by_label("Forum client").check()
    page.get_by_role("button", name="Enregistrer les modifications").click()
    page.get_by_text("Vos modules ont été enregistrés.").wait_for()
    assert nav.get_by_role("link", name="Discussions").count() == 1
    assert page.goto(site.url(structure, "/manager/m/forum/")).status == 200
