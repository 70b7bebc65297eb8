"""OR-4, OR-6 in a real browser: "Annuler" an invoiced and paid line, the credit note (AV…) in
the orange box, "Ajouter un remboursement" on it, the order's "reste dû" back to 0 and the seat
for sale again.

OR-4 Cancel a line: creates a credit note (AV…) for it; refund it by any method, or keep it as
credit ("avoir").
OR-6 Payments and refunds on invoices and credit notes: method, amount, date."""

import re
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from ponton.billing.models import Document, Payment
from ponton.billing.selectors import customer_credit
from ponton.billing.services import PaymentData, invoice_issue, payment_record
from ponton.ledger.selectors import ledger_verify
from ponton.planning.models import Session
from ponton.sales.models import OrderLine
from ponton.sales.services import LineRequest, order_create
from tests.e2e.manager_pages import log_in, open_order
from tests.support.sales import STAFF, make_shop

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _free_seats_on_the_planning(page, session_id: int) -> str:
    """The "Places libres" badge of the session on the planning of the basket."""
    page.get_by_role("link", name="Panier", exact=True).first.click()
    page.get_by_role("heading", name="Panier", exact=True).wait_for()
    page.get_by_role("main").get_by_role("link", name="Planning", exact=True).click()
    page.get_by_role("link", name="Semaine suivante").click()
    return page.locator(f"tr[data-session='{session_id}'] .badge").inner_text()


def _invoiced_and_paid_order(structure):
    """An order of one "Stage catamaran" seat (Enfant, 150 €), invoiced and paid by card."""
    shop = make_shop(capacity=10)
    order = order_create(
        payer=shop.payer,
        lines=[
            LineRequest(
                product=shop.activity,
                session=shop.session,
                rate=shop.child,
                consumer=shop.child_customer,
            )
        ],
        actor=STAFF,
    )
    line = order.lines.get()
    invoice = invoice_issue(structure=structure, order=order, line_ids=[line.pk], actor=STAFF)
    payment_record(
        document=invoice,
        data=PaymentData(kind="payment", method="card", amount=Decimal("150.00")),
        actor=STAFF,
    )
    return shop, order, line, invoice


def test_cancel_an_invoiced_line_then_refund_its_credit_note(make_structure, site, new_page):
    """OR-4, OR-6: the seed's flow "Annuler" -> "Ok" (with a note) -> the credit note in the
    orange box -> "Ajouter un remboursement" (remboursement, carte bancaire) -> reste dû 0 €."""
    structure, owner = make_structure(name="Club nautique")
    with schema_context(structure.schema_name):
        shop, order, line, invoice = _invoiced_and_paid_order(structure)
        assert Session.objects.get(pk=shop.session.pk).sold == 1
    page = new_page()
    log_in(page, site, structure, owner)
    assert _free_seats_on_the_planning(page, shop.session.pk) == "9"

    open_order(page, order.number)
    box = page.locator("[data-box=documents]")
    assert page.locator("[data-to-pay]").inner_text() == "0,00 €"
    assert page.locator(f"tr[data-line='{line.pk}'] .badge").inner_text() == "Facturé"

    # "sélectionnez la ligne ... puis cliquez sur « Annuler »": the recap, a note, "Ok".
    page.get_by_label(re.compile("Stage catamaran")).check()
    page.get_by_role("button", name="Annuler", exact=True).click()
    page.get_by_role("heading", name=re.compile(r"^Annuler – Stage catamaran")).wait_for()
    assert "un avoir (AV…) sera émis" in page.get_by_role("main").inner_text()
    page.get_by_label("Note (facultatif)").fill("Annulation demandée par téléphone")
    page.get_by_role("button", name="Ok").click()
    page.get_by_role("listitem").filter(
        has_text=re.compile(r"annulé\. Avoir AV-\d{4}-\d{5} émis \(150,00 €\)\.")
    ).wait_for()
    assert page.locator(f"tr[data-line='{line.pk}'] .badge").inner_text() == "Annulé"

    # The orange box: the initial invoice and its credit note; the order now owes the customer.
    assert box.get_by_role("link", name=invoice.number, exact=True).is_visible()
    credit_link = box.get_by_role("link", name=re.compile(r"^AV-\d{4}-\d{5}$"))
    credit_number = credit_link.inner_text()
    credit_row = box.locator(f"tr[data-document='{credit_number}']")
    assert "Avoir" in credit_row.inner_text() and "150,00 €" in credit_row.inner_text()
    # Issue 11: "Reste à rembourser", not "-150,00 €".
    assert page.locator("[data-to-refund]").inner_text() == "150,00 €"
    assert page.locator("[data-to-pay]").inner_text() == "0,00 €"
    history = page.get_by_role("region", name="Historique").inner_text()
    assert "Annulation demandée par téléphone" in history

    # The credit note, "Ajouter un remboursement": remboursement, carte bancaire, its amount.
    credit_link.click()
    page.get_by_role("heading", name=f"Avoir {credit_number}").wait_for()
    assert page.get_by_role("link", name=invoice.number, exact=True).is_visible()  # cites it
    assert page.locator("[data-due]").inner_text() == "150,00 €"
    page.get_by_role("link", name="Ajouter un remboursement").click()
    page.get_by_label("Remboursement", exact=True).check()
    page.get_by_label("Mode de paiement").select_option(label="Carte bancaire")
    assert page.get_by_label("Montant (€)").input_value() == "150.00"
    page.get_by_label("Montant (€)").fill("150.00")
    page.get_by_role("button", name="Ok").click()
    page.get_by_text("Remboursement de 150,00 € (Carte bancaire) enregistré.").wait_for()
    assert page.locator("[data-due]").inner_text() == "0,00 €"

    # Back on the order: "le reste dû de votre commande est de 0 €".
    page.get_by_role("link", name="Retour à la commande").click()
    page.get_by_role("heading", name=f"Commande {order.number}").wait_for()
    assert page.locator("[data-to-refund]").inner_text() == "0,00 €"
    assert page.locator("[data-to-pay]").inner_text() == "0,00 €"
    # The seat is for sale again at once.
    assert _free_seats_on_the_planning(page, shop.session.pk) == "10"

    with schema_context(structure.schema_name):
        credit_notes = Document.objects.filter(kind=Document.Kind.CREDIT_NOTE)
        assert [(d.number, d.corrects_id, d.total) for d in credit_notes] == [
            (credit_number, invoice.pk, Decimal("150.00"))
        ]
        assert Document.objects.filter(kind=Document.Kind.INVOICE).count() == 1
        assert sorted(
            Payment.objects.values_list("document__number", "kind", "method", "amount")
        ) == [
            (credit_number, "refund", "card", Decimal("150.00")),
            (invoice.number, "payment", "card", Decimal("150.00")),
        ]
        assert OrderLine.objects.get(pk=line.pk).state == OrderLine.State.CANCELLED
        session = Session.objects.get(pk=shop.session.pk)
        assert (session.sold, session.free) == (0, 10)
        assert customer_credit(payer_id=shop.payer.pk) == Decimal("0.00")
        assert ledger_verify().ok
