"""Steps in the Club Manager that several browser tests take, as a person would."""

from __future__ import annotations

import re

from tests.conftest import TEST_PASSWORD


def log_in(page, site, structure, owner) -> None:
    page.goto(site.url(structure, "/manager/"))
    page.get_by_label("Adresse email").fill(owner.email)
    page.get_by_label("Mot de passe").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("heading", name="Tableau de bord").wait_for()


def open_order(page, number: str) -> None:
    """Gérer > Commandes, then the order's number."""
    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Gérer", exact=True
    ).click()
    page.get_by_role("main").get_by_role("link", name=re.compile(r"^Commandes\b")).click()
    page.get_by_role("link", name=number, exact=True).click()
    page.get_by_role("heading", name=f"Commande {number}").wait_for()
