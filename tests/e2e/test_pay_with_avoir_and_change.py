"""Issue 11 in a real browser: the order card says what is left to invoice and to pay;
"Ajouter un paiement" with "Avoir" offers the customer's open credit notes by number and
settles the invoice and the credit note in one step; cash above the balance gives change.

OR-3 The order card: lines, documents and what is left (to invoice, to pay, to refund).
OR-5 Replace / cancel, settled with the "avoir" method.
OR-6 Payments and refunds on invoices and credit notes: method, amount, date."""

import re
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from ponton.billing.models import Document, Payment
from ponton.billing.selectors import customer_credit
from ponton.billing.services import PaymentData, invoice_issue, line_cancel, payment_record
from ponton.ledger.models import LedgerEntry
from ponton.ledger.selectors import ledger_verify
from ponton.sales.services import LineRequest, order_create
from tests.e2e.manager_pages import log_in, open_order
from tests.support.sales import STAFF, make_shop

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _cancelled_after_payment(structure, shop):
    """A seat (Enfant, 150 €) invoiced, paid by card, then cancelled: a 150 € credit note."""
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
    return line_cancel(structure=structure, line=line, actor=STAFF)


def _invoice_on_the_card(page) -> str:
    page.get_by_label(re.compile("Stage catamaran")).check()
    page.get_by_role("button", name="Facturer/Payer").click()
    page.get_by_role("button", name="Confirmer").click()
    page.get_by_role("button", name="Facturer", exact=True).click()
    flash = page.locator("li.success").filter(has_text=re.compile(r"Facture FA-\d{4}-\d{5}"))
    return re.search(r"FA-\d{4}-\d{5}", flash.inner_text()).group(0)


def test_avoir_picks_an_open_credit_note_and_settles_both(make_structure, site, new_page):
    """Issue 11 (OR-3, OR-5, OR-6): "Reste à facturer" before invoicing; then "Avoir" on the
    new invoice offers "AV-… – reste 150,00 €" and one "Ok" refunds the credit note by avoir
    and pays the invoice by avoir: both documents at 0 €, both movements in the ledger."""
    structure, owner = make_structure(name="Club nautique")
    with schema_context(structure.schema_name):
        shop = make_shop(capacity=10)
        credit_note = _cancelled_after_payment(structure, shop)
        order = order_create(
            payer=shop.payer,
            lines=[
                LineRequest(
                    product=shop.activity,
                    session=shop.later_session,
                    rate=shop.child,
                    consumer=shop.child_customer,
                )
            ],
            actor=STAFF,
        )
        entries_before = LedgerEntry.objects.order_by("-position").first().position
    page = new_page()
    log_in(page, site, structure, owner)
    open_order(page, order.number)
    # Ordered, not invoiced: nothing is "dû" yet, 150 € is "à facturer".
    assert page.locator("[data-to-invoice]").inner_text() == "150,00 €"
    assert page.locator("[data-to-pay]").inner_text() == "0,00 €"

    number = _invoice_on_the_card(page)
    assert page.locator("[data-to-invoice]").inner_text() == "0,00 €"
    assert page.locator("[data-to-pay]").inner_text() == "150,00 €"

    page.locator("[data-box=documents]").get_by_role("link", name=number, exact=True).click()
    page.get_by_role("heading", name=f"Facture {number}").wait_for()
    page.get_by_role("link", name="Ajouter un paiement").click()
    choice = page.get_by_label("Avoir à utiliser")
    page.get_by_label("Mode de paiement").wait_for()
    # expect() waits for the page's script (deferred) to hide the field: is_hidden() right
    # after the click raced it on a loaded machine.
    expect(choice).to_be_hidden()  # only with "Avoir"
    page.get_by_label("Mode de paiement").select_option(label="Avoir")
    expect(choice).to_be_visible()
    offered = choice.locator("option").all_inner_texts()
    assert offered == [
        f"{credit_note.number} – reste 150,00 € (commande {credit_note.order.number})"
    ]
    assert page.get_by_label("Montant (€)").input_value() == "150.00"
    page.get_by_role("button", name="Ok").click()
    page.get_by_text(
        f"Paiement de 150,00 € (Avoir) enregistré. Avoir utilisé : {credit_note.number}."
    ).wait_for()
    assert page.locator("[data-due]").inner_text() == "0,00 €"

    with schema_context(structure.schema_name):
        assert list(
            Payment.objects.filter(method="credit")
            .order_by("pk")
            .values_list("document__number", "kind", "amount")
        ) == [
            (credit_note.number, "refund", Decimal("150.00")),
            (number, "payment", Decimal("150.00")),
        ]
        # Since the page opened: the new invoice, then the two movements of one "Ok".
        assert list(
            LedgerEntry.objects.filter(position__gt=entries_before)
            .order_by("position")
            .values_list("kind", "reference")
        ) == [("invoice", number), ("refund", credit_note.number), ("payment", number)]
        assert customer_credit(payer_id=shop.payer.pk) == Decimal("0.00")
        assert Document.objects.get(number=number).kind == "invoice"
        assert ledger_verify().ok


def test_cash_gives_change(make_structure, site, new_page):
    """Issue 11 (OR-6): 50 € in cash on a 20 € invoice records 20 € and says "Rendu :
    30,00 €" in the message, the payments table and the order's history."""
    structure, owner = make_structure(name="Club nautique")
    with schema_context(structure.schema_name):
        shop = make_shop(capacity=10)
        order = order_create(payer=shop.payer, lines=[LineRequest(product=shop.shirt)], actor=STAFF)
        invoice = invoice_issue(
            structure=structure,
            order=order,
            line_ids=list(order.lines.values_list("pk", flat=True)),
            actor=STAFF,
        )
    page = new_page()
    log_in(page, site, structure, owner)
    page.goto(site.url(structure, f"/manager/factures/{invoice.pk}/paiement/"))
    page.get_by_label("Mode de paiement").select_option(label="Espèces")
    page.get_by_label("Montant (€)").fill("50.00")
    page.get_by_role("button", name="Ok").click()
    page.get_by_text("Paiement de 20,00 € (Espèces) enregistré. Rendu : 30,00 €.").wait_for()
    assert page.locator("[data-due]").inner_text() == "0,00 €"
    assert page.locator("[data-box=payments] [data-change]").inner_text() == "Rendu : 30,00 €"
    page.get_by_role("link", name="Retour à la commande").click()
    history = page.get_by_role("region", name="Historique").inner_text()
    assert f"Paiement de 20,00 € (Espèces) sur {invoice.number}. Rendu : 30,00 €." in history
    with schema_context(structure.schema_name):
        payment = Payment.objects.get()
        assert (payment.method, payment.amount, payment.change_given) == (
            "cash",
            Decimal("20.00"),
            Decimal("30.00"),
        )
