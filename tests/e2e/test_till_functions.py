"""The till's functions in a real browser on the live server (PO-2..PO-6): cash in and out then
"X->Z" with the password; a ticket found by "Recherche ticket", its remaining line invoiced and
paid; a till order's line cancelled from the Club Manager, then refunded from the till.
Screenshots at 1366×768 go to $E2E_SHOTS (when set)."""

from __future__ import annotations

import os
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django_tenants.utils import schema_context

from modules.pos.models import Till, TillClosing
from modules.pos.selectors import session_report
from modules.pos.services import ticket_record
from ponton import selling
from ponton.billing.models import Document, Payment
from ponton.ledger.selectors import ledger_verify
from ponton.sales.models import OrderLine
from tenants.services import module_grant
from tests.conftest import TEST_PASSWORD
from tests.e2e.manager_pages import log_in
from tests.support.pos import line, open_counter, pay
from tests.support.sales import STAFF, make_shop

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("E2E_SHOTS", "")


def shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def till_structure(make_structure):
    structure, owner = make_structure(
        name="Club de la Baie",
        modules=["pos"],
        legal_name="Association Nautique de la Baie",
        siret="78467169500087",
        vat_number="FR32784671695",
        address_line1="1 quai de la Croix",
        postal_code="29900",
        city="Concarneau",
    )
    module_grant(structure=structure, label="pos")
    with schema_context(structure.schema_name):
        shop = make_shop(capacity=10, stock=10)
        counter = open_counter(till=Till.objects.get())
    return structure, owner, shop, counter


def sell(structure, counter, lines, payments, total, **kwargs):
    with schema_context(structure.schema_name):
        payload, signature = counter.ticket(lines, payments, total=Decimal(total), **kwargs)
        return ticket_record(
            structure=structure,
            device=counter.device,
            payload=payload,
            signature=signature,
            actor=STAFF,
        ).ticket


def open_till(page, site, structure, owner, path: str) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    log_in(page, site, structure, owner)
    page.goto(site.url(structure, path))


def cancel_shirt_in_the_club_manager(page) -> None:
    """On the order card: the T-shirt line selected, "Annuler", "Ok": a 20 € credit note."""
    page.get_by_label(re.compile("T-shirt")).check()
    page.get_by_role("button", name="Annuler", exact=True).click()
    page.get_by_role("button", name="Ok").click()
    page.get_by_role("listitem").filter(
        has_text=re.compile(r"Avoir AV-\d{4}-\d{5} émis \(20,00 €\)")
    ).wait_for()


def test_po2_po3_cash_in_and_out_then_x_to_z_with_the_password(make_structure, site, new_page):
    structure, owner, shop, counter = till_structure(make_structure)
    sell(structure, counter, [line(shop.shirt)], [pay("cash", "50.00")], "20")
    page = new_page()
    open_till(page, site, structure, owner, "/caisse/etat/")
    main = page.get_by_role("main")
    page.get_by_role("heading", name="État et clôture de caisse").wait_for()

    main.get_by_role("link", name="Apport d'espèces").click()
    page.get_by_label("Montant (€)").fill("30,00")
    page.get_by_label("Motif").fill("Monnaie")
    page.get_by_role("button", name="Valider").click()
    page.get_by_text("Apport de 30,00 € enregistré.").wait_for()
    main.get_by_role("link", name="Retrait d'espèces").click()
    page.get_by_label("Montant (€)").fill("500")
    page.get_by_label("Motif").fill("Dépôt banque")
    page.get_by_role("button", name="Valider").click()
    page.get_by_text("dépasse les espèces en caisse").wait_for()
    shot(page, "till_cash_out_refused")
    page.get_by_label("Montant (€)").fill("11,50")
    page.get_by_role("button", name="Valider").click()
    page.get_by_text("Retrait de 11,50 € enregistré.").wait_for()

    assert page.locator("[data-x=cash_in]").inner_text() == "30,00 €"
    assert page.locator("[data-x=cash_out]").inner_text() == "11,50 €"
    assert page.locator("[data-x=sales]").inner_text() == "20,00 €"
    # 150 float + 20 cash kept + 30 - 11,50
    assert page.locator("[data-x=expected_cash]").inner_text() == "188,50 €"
    shot(page, "till_state_x_report")

    main.get_by_role("link", name="X->Z").click()
    page.get_by_label("Espèces : montant compté (€)").fill("188,50")
    page.get_by_label("Votre mot de passe").fill("pas-le-bon")
    page.get_by_role("button", name="Valider").click()
    page.get_by_text("Mot de passe incorrect : la clôture n'est pas enregistrée.").wait_for()
    shot(page, "till_close_wrong_password")
    page.get_by_label("Espèces : montant compté (€)").fill("188,50")
    page.get_by_label("Votre mot de passe").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Valider").click()
    page.get_by_text("Clôture Z n° 1 enregistrée (écart : 0,00 €).").wait_for()
    page.get_by_role("heading", name="Historique des clôtures").wait_for()
    assert "20,00 €" in page.locator("tr[data-closing='1']").inner_text()
    shot(page, "till_closings")
    with page.expect_popup() as popup:
        page.locator("tr[data-closing='1']").get_by_role("link", name="PDF").click()
    assert popup.value.url.endswith("/pdf/")

    with schema_context(structure.schema_name):
        closing = TillClosing.objects.get()
        assert (closing.number, closing.difference, closing.sales_total) == (
            1,
            Decimal("0.00"),
            Decimal("20.00"),
        )
        assert ledger_verify().ok


def test_po4_a_ticket_found_by_recherche_ticket_its_remaining_line_invoiced_and_paid(
    make_structure, site, new_page
):
    structure, owner, shop, counter = till_structure(make_structure)
    ticket = sell(
        structure,
        counter,
        [line(shop.activity, session=shop.session, rate=shop.adult, consumer=shop.payer)],
        [pay("card", "180.00")],
        "180",
        customer=shop.payer.pk,
    )
    with schema_context(structure.schema_name):  # replaced in the Club Manager: one line left
        selling.line_replace(
            structure=structure,
            line=OrderLine.objects.get(order_id=ticket.order_id),
            request=selling.LineRequest(
                product=shop.activity,
                session=shop.later_session,
                rate=shop.child,
                consumer=shop.child_customer,
            ),
            actor=STAFF,
        )
    page = new_page()
    open_till(page, site, structure, owner, "/caisse/tickets/")

    page.get_by_label("Numéro du ticket").fill(ticket.number)
    page.get_by_role("button", name="Rechercher").click()
    shot(page, "till_search")
    page.get_by_role("link", name=ticket.number, exact=True).click()
    page.get_by_role("heading", name=f"Ticket {ticket.number}").wait_for()
    assert "SIRET 78467169500087" in page.locator("[data-ticket-body]").inner_text()
    shot(page, "till_ticket")
    page.get_by_role("main").get_by_role("link", name="Commande", exact=True).click()
    page.get_by_label(re.compile("Stage catamaran")).check()
    shot(page, "till_order")
    page.get_by_role("button", name="Facturer/Payer").click()
    assert page.locator("[data-invoice-total]").inner_text() == "150,00 €"
    page.get_by_role("button", name="Facturer", exact=True).click()
    page.get_by_text(re.compile(r"Facture FA-\d{4}-\d{5} émise \(150,00 €\)\.")).wait_for()
    page.get_by_label("Paiement", exact=True).check()
    page.get_by_label("Mode de paiement").select_option(label="Carte bancaire")
    assert page.get_by_label("Montant (€)").input_value() == "150,00"
    shot(page, "till_payment_form")
    page.get_by_role("button", name="Ok").click()
    page.get_by_text("Paiement de 150,00 € (Carte bancaire) enregistré.").wait_for()
    assert page.locator("[data-due]").inner_text() == "0,00 €"

    with schema_context(structure.schema_name):
        states = sorted(
            OrderLine.objects.filter(order_id=ticket.order_id).values_list("state", flat=True)
        )
        assert states == ["cancelled", "invoiced"]
        invoice = Document.objects.get(kind="invoice")
        assert list(invoice.payments.values_list("method", "amount")) == [
            ("card", Decimal("150.00"))
        ]
        card = next(m for m in session_report(counter.session).methods if m.method == "card")
        assert card.received == Decimal("330.00")
        assert ledger_verify().ok


def test_po6_a_till_order_cancelled_in_the_club_manager_then_refunded_from_the_till(
    make_structure, site, new_page
):
    structure, owner, shop, counter = till_structure(make_structure)
    ticket = sell(
        structure,
        counter,
        [
            line(shop.activity, session=shop.session, rate=shop.adult, consumer=shop.payer),
            line(shop.shirt),
        ],
        [pay("cash", "200.00")],
        "200",
        customer=shop.payer.pk,
    )
    page = new_page()
    open_till(page, site, structure, owner, f"/manager/commandes/{ticket.order_id}/")

    # In the Club Manager: the T-shirt line cancelled ("Annuler", "Ok"): a credit note.
    cancel_shirt_in_the_club_manager(page)

    # At the till: Recherche ticket, the ticket, its order, the credit note refunded in cash.
    page.goto(site.url(structure, "/caisse/tickets/"))
    page.get_by_label("Montant TTC (€)").fill("200,00")
    page.get_by_role("button", name="Rechercher").click()
    page.get_by_role("link", name=ticket.number, exact=True).click()
    page.get_by_role("main").get_by_role("link", name="Commande", exact=True).click()
    assert "Annulé" in page.locator("[data-order-lines]").inner_text()
    credit_row = page.locator("[data-box=documents] tr", has_text="Avoir")
    credit_row.get_by_role("link", name="Ajouter un remboursement").click()
    page.get_by_label("Remboursement", exact=True).check()
    page.get_by_label("Mode de paiement").select_option(label="Espèces")
    page.get_by_label("Montant (€)").fill("20,00")
    page.get_by_role("button", name="Ok").click()
    page.get_by_text("Remboursement de 20,00 € (Espèces) enregistré.").wait_for()
    assert page.locator("[data-due]").inner_text() == "0,00 €"
    shot(page, "till_credit_note_refunded")

    page.goto(site.url(structure, "/caisse/etat/"))
    assert page.locator("[data-x=expected_cash]").inner_text() == "330,00 €"  # 150 + 200 - 20

    with schema_context(structure.schema_name):
        refund = Payment.objects.get(kind="refund")
        assert (refund.method, refund.amount, refund.document.kind) == (
            "cash",
            Decimal("20.00"),
            "credit_note",
        )
        assert ledger_verify().ok


def test_po6_a_till_order_cancelled_in_the_club_manager_then_paid_from_the_till(
    make_structure, site, new_page
):
    """The order of a ticket half paid at the counter (card 100 of 200 €): the Club Manager
    cancels its T-shirt (credit note 20 €); the till then takes the rest of the receipt by card
    and gives the 20 € back in cash; the order owes nothing and the X report counts both."""
    structure, owner, shop, counter = till_structure(make_structure)
    ticket = sell(
        structure,
        counter,
        [
            line(shop.activity, session=shop.session, rate=shop.adult, consumer=shop.payer),
            line(shop.shirt),
        ],
        [pay("card", "100.00")],
        "200",
        customer=shop.payer.pk,
    )
    page = new_page()
    open_till(page, site, structure, owner, f"/manager/commandes/{ticket.order_id}/")
    cancel_shirt_in_the_club_manager(page)

    # At the till: Recherche ticket, its order, the receipt paid, the credit note refunded.
    page.goto(site.url(structure, "/caisse/tickets/"))
    page.get_by_label("Numéro du ticket").fill(ticket.number)
    page.get_by_role("button", name="Rechercher").click()
    page.get_by_role("link", name=ticket.number, exact=True).click()
    page.get_by_role("main").get_by_role("link", name="Commande", exact=True).click()
    documents = page.locator("[data-box=documents]")
    documents.locator("tr", has_text="Justificatif").get_by_role(
        "link", name="Ajouter un paiement"
    ).click()
    page.get_by_label("Paiement", exact=True).check()
    page.get_by_label("Mode de paiement").select_option(label="Carte bancaire")
    page.get_by_label("Montant (€)").fill("100,00")
    page.get_by_role("button", name="Ok").click()
    page.get_by_text("Paiement de 100,00 € (Carte bancaire) enregistré.").wait_for()
    page.goto(site.url(structure, f"/caisse/tickets/{ticket.pk}/commande/"))
    documents.locator("tr", has_text="Avoir").get_by_role(
        "link", name="Ajouter un remboursement"
    ).click()
    page.get_by_label("Remboursement", exact=True).check()
    page.get_by_label("Mode de paiement").select_option(label="Espèces")
    page.get_by_label("Montant (€)").fill("20,00")
    page.get_by_role("button", name="Ok").click()
    page.get_by_text("Remboursement de 20,00 € (Espèces) enregistré.").wait_for()

    with schema_context(structure.schema_name):
        from ponton.billing.selectors import order_balance

        assert order_balance(order_id=ticket.order_id) == Decimal("0.00")
        report = session_report(counter.session)
        card = next(m for m in report.methods if m.method == "card")
        assert card.received == Decimal("200.00")  # 100 at the sale, 100 afterwards
        assert report.expected_cash == Decimal("130.00")  # 150 float - 20 given back
        assert ledger_verify().ok
