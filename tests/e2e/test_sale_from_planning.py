"""OR-1, OR-3, OR-6 in a real browser: a sale from the planning with a payer and a consumer,
"Commander", "Facturer/Payer" -> "Confirmer" -> "Facturer", then "Ajouter un paiement" twice
(chèque + espèces) until the order's balance is 0."""

import re

import pytest
from django_tenants.utils import schema_context

from ponton.billing.models import Payment
from tests.conftest import TEST_PASSWORD
from tests.support.sales import make_shop

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_sale_from_the_planning_invoiced_and_paid_in_two_methods(make_structure, site, new_page):
    """OR-1, OR-3, OR-6: the seed's flow, with its words."""
    structure, owner = make_structure(name="Club nautique")
    with schema_context(structure.schema_name):
        make_shop()
    page = new_page()
    page.goto(site.url(structure, "/manager/"))
    page.get_by_label("Adresse email").fill(owner.email)
    page.get_by_label("Mot de passe").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("heading", name="Tableau de bord").wait_for()

    # The basket ("panier en haut de votre écran"): the payer by suggestions as we type.
    page.get_by_role("link", name="Panier").first.click()
    page.get_by_role("heading", name="Panier", exact=True).wait_for()
    page.get_by_role("searchbox", name="Payeur", exact=True).fill("le goff")
    page.get_by_role("button", name="Claire Le Goff · claire@exemple.fr").click()
    page.get_by_text("Payeur : Claire Le Goff.").wait_for()

    # "Planning": the session, "Ajout panier", the rate, "Valider".
    main = page.get_by_role("main")
    main.get_by_role("link", name="Planning", exact=True).click()
    page.get_by_role("link", name="Semaine suivante").click()
    row = page.locator("tr", has_text="Stage catamaran").first
    row.get_by_role("link", name="Ajout panier").click()
    page.get_by_label("Tarif").select_option(label="Enfant (150,00 €)")
    page.get_by_role("button", name="Valider").click()
    page.get_by_text("ajouté au panier").wait_for()

    # Back to the basket: the consumer required by the activity, then "Commander".
    main.get_by_role("link", name="Panier", exact=True).click()
    page.get_by_role("searchbox", name="Consommateur de « Stage catamaran »").fill("louis")
    page.get_by_role("button", name="Louis Le Goff").click()
    page.get_by_text("Consommateur : Louis Le Goff.").wait_for()
    page.get_by_role("button", name="Commander").click()
    page.get_by_role("heading", name=re.compile(r"^Commande CO-")).wait_for()
    assert page.locator(".badge", has_text="Commandé").count() == 1

    # "Facturer/Payer" on the selected line, "Confirmer", "Facturer".
    page.get_by_label(re.compile("Stage catamaran")).check()
    page.get_by_role("button", name="Facturer/Payer").click()
    page.get_by_role("button", name="Confirmer").click()
    page.get_by_role("button", name="Facturer", exact=True).click()
    page.get_by_text(re.compile(r"Facture FA-\d{4}-\d{5} émise \(150,00 €\)")).first.wait_for()
    box = page.locator("[data-box=documents]")
    assert "150,00 €" in box.inner_text()

    # The invoice in the orange box, "Ajouter un paiement": a cheque, then cash.
    box.get_by_role("link", name=re.compile(r"^FA-")).click()
    page.get_by_role("link", name="Ajouter un paiement").click()
    page.get_by_label("Paiement", exact=True).check()
    page.get_by_label("Mode de paiement").select_option(label="Chèque")
    page.get_by_label("Montant (€)").fill("100.00")
    page.get_by_label("Banque").fill("Crédit Maritime")
    page.get_by_label("Numéro du chèque").fill("0012345")
    page.get_by_label("Émetteur").fill("Claire Le Goff")
    page.get_by_role("button", name="Ok").click()
    page.get_by_text("Paiement de 100,00 € (Chèque) enregistré.").wait_for()
    assert page.locator("[data-due]").inner_text() == "50,00 €"

    page.get_by_role("link", name="Ajouter un paiement").click()
    page.get_by_label("Mode de paiement").select_option(label="Espèces")
    assert page.get_by_label("Montant (€)").input_value() == "50.00"
    page.get_by_role("button", name="Ok").click()
    page.get_by_text("Paiement de 50,00 € (Espèces) enregistré.").wait_for()
    assert page.locator("[data-due]").inner_text() == "0,00 €"

    page.get_by_role("link", name="Retour à la commande").click()
    assert page.locator("[data-to-pay]").inner_text() == "0,00 €"
    assert page.locator("[data-to-invoice]").inner_text() == "0,00 €"
    assert page.locator(".badge", has_text="Facturé").count() == 1
    with schema_context(structure.schema_name):
        assert sorted(Payment.objects.values_list("method", "amount")) == [
            ("cash", 50),
            ("cheque", 100),
        ]
