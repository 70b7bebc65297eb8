"""Club Manager: the document page and "Ajouter un paiement" / "Ajouter un remboursement"
(OR-6, OR-4, OR-5 settlement with "avoir"). Refusals show `payment_record`'s French message
next to the field and record nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from ponton.accounts.models import Role
from ponton.billing import services as billing
from ponton.billing.models import Document, Payment
from ponton.ledger.models import LedgerEntry
from ponton.sales import services as sales
from ponton.sales.services import LineRequest
from tests.support.sales import STAFF, in_schema, make_shop, text

pytestmark = pytest.mark.django_db


def field_block(page: str, name: str) -> str:
    """The form field's block (label, input, errors) around the input named `name`."""
    at = page.index(f'name="{name}"')
    start = page.rindex('<div class="field', 0, at)
    end = page.find('<div class="field', at)
    return page[start : end if end > 0 else None]


@pytest.fixture
def shop(structure_a):
    structure, owner = structure_a
    with schema_context(structure.schema_name):
        shop = make_shop()
        order = sales.order_create(
            payer=shop.payer,
            lines=[
                LineRequest(
                    product=shop.activity,
                    session=shop.session,
                    rate=shop.adult,
                    consumer=shop.child_customer,
                ),
                LineRequest(product=shop.shirt),
            ],
            actor=STAFF,
        )
        shop.order = order
        shop.invoice = billing.invoice_issue(
            structure=structure,
            order=order,
            line_ids=list(order.lines.values_list("pk", flat=True)),
            actor=STAFF,
        )
    shop.structure = structure
    shop.owner = owner
    return shop


@pytest.fixture
def client(shop, client_for):
    return client_for(shop.structure, shop.owner)


def payments(shop) -> list[tuple]:
    return in_schema(
        shop,
        lambda: list(
            Payment.objects.order_by("pk").values_list(
                "document__number", "kind", "method", "amount"
            )
        ),
    )


def ledger_size(shop) -> int:
    return in_schema(shop, lambda: LedgerEntry.objects.count())


def pay_url(document) -> str:
    return f"/manager/factures/{document.pk}/paiement/"


def post(client, document, **data):
    data.setdefault("kind", "payment")
    data.setdefault("received_on", "2026-11-27")
    return client.post(pay_url(document), data)


def test_document_page_lines_vat_balance_and_button(client, shop):
    """OR-6: the invoice with its lines, VAT per rate, balance and "Ajouter un paiement"."""
    page = text(client.get(f"/manager/factures/{shop.invoice.pk}/"))
    assert f"Facture {shop.invoice.number}" in page
    assert "Stage catamaran" in page and "T-shirt" in page
    assert "Ajouter un paiement" in page and pay_url(shop.invoice) in page
    assert "<strong data-due>200,00 €</strong>" in page
    assert "Aucun paiement pour l'instant." in page
    form = text(client.get(pay_url(shop.invoice)))
    for label in ("Paiement", "Remboursement", "Mode de paiement", "Montant (€)", "Banque"):
        assert label in form
    assert 'value="online_card"' not in form  # "CB en ligne" comes only from Stripe
    assert 'value="200.00"' in form  # the balance due, proposed


def test_cheque_then_cash_settle_the_invoice(client, shop):
    """OR-6: a cheque (bank, number, issuer kept for the deposit) and cash; balance 0 on
    the invoice and on the order; each payment in the ledger and the history."""
    before = ledger_size(shop)
    response = post(
        client,
        shop.invoice,
        method="cheque",
        amount="150.00",
        cheque_bank="Crédit Maritime",
        cheque_number="1234567",
        cheque_issuer="Claire Le Goff",
    )
    assert response.status_code == 302
    assert response["Location"] == f"/manager/factures/{shop.invoice.pk}/"
    assert post(client, shop.invoice, method="cash", amount="50.00").status_code == 302
    assert payments(shop) == [
        (shop.invoice.number, "payment", "cheque", Decimal("150.00")),
        (shop.invoice.number, "payment", "cash", Decimal("50.00")),
    ]
    cheque = in_schema(shop, lambda: Payment.objects.get(method="cheque"))
    assert (cheque.cheque_bank, cheque.cheque_number, cheque.cheque_issuer) == (
        "Crédit Maritime",
        "1234567",
        "Claire Le Goff",
    )
    assert ledger_size(shop) >= before + 2
    page = text(client.get(f"/manager/factures/{shop.invoice.pk}/"))
    assert "<strong data-due>0,00 €</strong>" in page
    assert "Crédit Maritime n° 1234567 – Claire Le Goff" in page
    card = text(client.get(f"/manager/commandes/{shop.order.pk}/"))
    assert "<strong data-to-pay>0,00 €</strong>" in card
    assert '<td class="right" data-to-invoice>0,00 €</td>' in card
    assert f"Paiement de 150,00 € (Chèque) sur {shop.invoice.number}." in card


def test_cheque_without_its_details_refused_next_to_the_field(client, shop):
    """OR-6: "Indiquez la banque, le numéro et l'émetteur du chèque." at the bank field."""
    before = ledger_size(shop)
    response = post(client, shop.invoice, method="cheque", amount="10.00", cheque_number="1")
    assert response.status_code == 400
    assert "Indiquez la banque, le numéro et l'émetteur du chèque." in field_block(
        text(response), "cheque_bank"
    )
    assert payments(shop) == [] and ledger_size(shop) == before


def test_overpayment_refused_next_to_the_amount(client, shop):
    """OR-6: paying more than the balance due by card (any method but cash) is refused."""
    response = post(client, shop.invoice, method="card", amount="200.01")
    assert response.status_code == 400
    assert "Le paiement (200,01 €) dépasse le reste dû (200,00 €)." in field_block(
        text(response), "amount"
    )
    assert payments(shop) == []


def test_refund_more_than_paid_in_that_method_refused(client, shop):
    """OR-6: a wrong method is corrected by a refund in it plus a payment in the right one;
    refunding more than was paid in a method is refused."""
    post(client, shop.invoice, method="card", amount="200.00")
    refused = post(client, shop.invoice, kind="refund", method="cash", amount="200.00")
    assert refused.status_code == 400
    assert (
        "Le remboursement (200,00 €) dépasse ce qui a été payé sur cette facture en Espèces "
        "(0,00 €)." in text(refused)
    )
    fixed = post(client, shop.invoice, kind="refund", method="card", amount="200.00")
    assert fixed.status_code == 302
    assert post(client, shop.invoice, method="transfer", amount="200.00").status_code == 302
    assert [p[1:3] for p in payments(shop)] == [
        ("payment", "card"),
        ("refund", "card"),
        ("payment", "transfer"),
    ]


def test_online_card_cannot_be_typed_in(client, shop):
    response = post(client, shop.invoice, method="online_card", amount="10.00")
    assert response.status_code == 400
    assert "Sélectionnez un choix valide." in field_block(text(response), "method")
    assert payments(shop) == []


def test_bad_amount_and_missing_date_refused_by_the_form(client, shop):
    response = client.post(pay_url(shop.invoice), {"kind": "payment", "method": "cash"})
    assert response.status_code == 400
    page = text(response)
    assert "Ce champ est obligatoire." in field_block(page, "amount")
    assert "Ce champ est obligatoire." in field_block(page, "received_on")
    assert payments(shop) == []


def test_credit_note_refunded_as_credit_then_spent_on_the_new_invoice(client, shop):
    """OR-4, OR-5, OR-6: the credit note's page offers "Ajouter un remboursement"; a payment
    on it is refused; refunded with "avoir", then the credit pays the new invoice."""
    post(client, shop.invoice, method="cash", amount="200.00")
    line = in_schema(shop, lambda: shop.order.lines.get(product=shop.shirt))
    client.post(f"/manager/commandes/{shop.order.pk}/lignes/{line.pk}/annuler/", {})
    credit_note = in_schema(shop, lambda: Document.objects.get(kind="credit_note"))
    page = text(client.get(f"/manager/factures/{credit_note.pk}/"))
    assert f"Avoir {credit_note.number}" in page and "Ajouter un remboursement" in page
    assert (
        f'Corrige la facture <a href="/manager/factures/{shop.invoice.pk}/">'
        f"{shop.invoice.number}</a>" in page
    )
    assert "<strong data-due>20,00 €</strong>" in page and "Reste à rembourser" in page

    refused = post(client, credit_note, method="cash", amount="20.00")
    assert refused.status_code == 400
    assert "Un avoir ne se paie pas : ajoutez un remboursement." in field_block(
        text(refused), "kind"
    )
    kept = post(client, credit_note, kind="refund", method="credit", amount="20.00")
    assert kept.status_code == 302
    order = in_schema(
        shop,
        lambda: sales.order_create(
            payer=shop.payer, lines=[LineRequest(product=shop.shirt)], actor=STAFF
        ),
    )
    invoice = in_schema(
        shop,
        lambda: billing.invoice_issue(
            structure=shop.structure,
            order=order,
            line_ids=list(order.lines.values_list("pk", flat=True)),
            actor=STAFF,
        ),
    )
    form = text(client.get(pay_url(invoice)))
    assert "Avoir disponible du client : 20,00 € (mode de paiement « Avoir »)." in form
    assert post(client, invoice, method="credit", amount="20.00").status_code == 302
    again = post(client, invoice, method="credit", amount="0.01")
    assert again.status_code == 400
    assert "Le paiement (0,01 €) dépasse le reste dû (0,00 €)." in text(again)
    assert "<strong data-due>0,00 €</strong>" in text(
        client.get(f"/manager/factures/{invoice.pk}/")
    )


def test_document_pages_need_sales_manage(shop, make_member, client_for):
    accountant = client_for(shop.structure, make_member(shop.structure, Role.ACCOUNTANT))
    assert accountant.get(f"/manager/factures/{shop.invoice.pk}/").status_code == 403
    assert accountant.post(pay_url(shop.invoice), {}).status_code == 403
    assert payments(shop) == []


def test_unknown_document_is_not_found(client, shop):
    assert client.get("/manager/factures/999999/").status_code == 404
    assert client.get("/manager/factures/999999/paiement/").status_code == 404


# Issue 11 -------------------------------------------------------------------------------------


def test_vat_table_and_amounts_in_the_french_format(client, shop):
    """Issue 11, bug 4 (OR-6, OR-7): the VAT table of the invoice page says "20 %" and
    "150,00 €", as the rest of the page and the PDF, not "20.00 %  125.00 €"."""
    page = text(client.get(f"/manager/factures/{shop.invoice.pk}/"))
    vat_table = page.split("TVA par taux")[1].split("</table>")[0]
    assert (
        '<tr><td>20 %</td><td class="right">166,67 €</td><td class="right">33,33 €</td>'
        '<td class="right">200,00 €</td></tr>'
    ) in vat_table
    lines_table = page.split("<h2>Lignes</h2>")[1].split("</table>")[0]
    assert '<td class="right">180,00 €</td><td class="right">—</td><td class="right">20 %</td>' in (
        lines_table
    )
    assert "20.00" not in page and "166.67" not in page


def test_credit_note_without_refund_says_aucun_remboursement(client, shop):
    """Issue 11 (OR-4): a credit note with nothing refunded says "Aucun remboursement pour
    l'instant.", an invoice with nothing paid "Aucun paiement pour l'instant."."""
    line = in_schema(shop, lambda: shop.order.lines.get(product=shop.shirt))
    client.post(f"/manager/commandes/{shop.order.pk}/lignes/{line.pk}/annuler/", {})
    credit_note = in_schema(shop, lambda: Document.objects.get(kind="credit_note"))
    page = text(client.get(f"/manager/factures/{credit_note.pk}/"))
    assert "Aucun remboursement pour l'instant." in page
    assert "Aucun paiement" not in page
    invoice_page = text(client.get(f"/manager/factures/{shop.invoice.pk}/"))
    assert "Aucun paiement pour l'instant." in invoice_page


def test_cash_above_the_balance_records_the_balance_and_gives_change(client, shop):
    """Issue 11 (OR-6): 210 € handed over in cash on 200 € due records 200 € and says
    "Rendu : 10,00 €" in the message, on the document page, in the history and the ledger."""
    before = ledger_size(shop)
    response = post(client, shop.invoice, method="cash", amount="210.00")
    assert response.status_code == 302
    assert payments(shop) == [(shop.invoice.number, "payment", "cash", Decimal("200.00"))]
    payment = in_schema(shop, lambda: Payment.objects.get())
    assert payment.change_given == Decimal("10.00")
    page = text(client.get(response["Location"]))
    assert "Paiement de 200,00 € (Espèces) enregistré. Rendu : 10,00 €." in page
    assert "<span data-change>Rendu : 10,00 €</span>" in page
    assert "<strong data-due>0,00 €</strong>" in page
    card = text(client.get(f"/manager/commandes/{shop.order.pk}/"))
    assert f"Paiement de 200,00 € (Espèces) sur {shop.invoice.number}. Rendu : 10,00 €." in card
    assert ledger_size(shop) == before + 1
    entry = in_schema(shop, lambda: LedgerEntry.objects.order_by("-position").first())
    assert (entry.kind, entry.payments_amount) == ("payment", Decimal("200.00"))
    assert (entry.payload["amount"], entry.payload["change_given"]) == ("200.00", "10.00")


def test_change_only_for_cash_and_only_while_something_is_due(client, shop):
    """Issue 11 (OR-6): other methods stay refused above the balance; cash on a paid invoice
    is refused too (there is nothing to keep). Nothing recorded by the refusals."""
    refused = post(
        client,
        shop.invoice,
        method="cheque",
        amount="210.00",
        cheque_bank="B",
        cheque_number="1",
        cheque_issuer="I",
    )
    assert refused.status_code == 400
    assert "Le paiement (210,00 €) dépasse le reste dû (200,00 €)." in field_block(
        text(refused), "amount"
    )
    assert payments(shop) == []
    assert post(client, shop.invoice, method="card", amount="200.00").status_code == 302
    before = ledger_size(shop)
    again = post(client, shop.invoice, method="cash", amount="5.00")
    assert again.status_code == 400
    assert "Le paiement (5,00 €) dépasse le reste dû (0,00 €)." in text(again)
    assert payments(shop) == [(shop.invoice.number, "payment", "card", Decimal("200.00"))]
    assert ledger_size(shop) == before


def _credit_note_and_new_invoice(client, shop, *, product):
    """The shirt cancelled after payment (a 20 € credit note), then a new order of
    `product` invoiced: what "Avoir" pays."""
    post(client, shop.invoice, method="cash", amount="200.00")
    line = in_schema(shop, lambda: shop.order.lines.get(product=shop.shirt))
    client.post(f"/manager/commandes/{shop.order.pk}/lignes/{line.pk}/annuler/", {})
    credit_note = in_schema(shop, lambda: Document.objects.get(kind="credit_note"))

    def invoice_new():
        request = (
            LineRequest(product=product)
            if product == shop.shirt
            else LineRequest(
                product=product,
                session=shop.later_session,
                rate=shop.child,
                consumer=shop.child_customer,
            )
        )
        order = sales.order_create(payer=shop.payer, lines=[request], actor=STAFF)
        return billing.invoice_issue(
            structure=shop.structure,
            order=order,
            line_ids=list(order.lines.values_list("pk", flat=True)),
            actor=STAFF,
        )

    return credit_note, in_schema(shop, invoice_new)


def test_avoir_offers_the_open_credit_notes_and_settles_both_in_one_step(client, shop):
    """Issue 11 (OR-5, OR-6): with "Avoir", the customer's open credit notes are offered by
    number with what is left on them; "Ok" refunds the credit note by avoir and pays the
    invoice by avoir, both in the ledger, no "remboursement / Avoir" typed first."""
    from ponton.billing.selectors import customer_credit

    credit_note, invoice = _credit_note_and_new_invoice(client, shop, product=shop.shirt)
    form = text(client.get(pay_url(invoice)))
    assert "Avoir à utiliser" in field_block(form, "credit_note")
    assert (
        f'<option value="{credit_note.pk}">{credit_note.number} – reste 20,00 € '
        f"(commande {shop.order.number})</option>"
    ) in form
    before = ledger_size(shop)
    response = post(
        client, invoice, method="credit", credit_note=str(credit_note.pk), amount="20.00"
    )
    assert response.status_code == 302
    page = text(client.get(response["Location"]))
    assert f"Paiement de 20,00 € (Avoir) enregistré. Avoir utilisé : {credit_note.number}." in page
    assert "<strong data-due>0,00 €</strong>" in page
    assert payments(shop)[1:] == [
        (credit_note.number, "refund", "credit", Decimal("20.00")),
        (invoice.number, "payment", "credit", Decimal("20.00")),
    ]
    refund = in_schema(shop, lambda: Payment.objects.get(document=credit_note))
    assert refund.reference == invoice.number
    assert ledger_size(shop) == before + 2
    kinds = in_schema(
        shop,
        lambda: list(
            LedgerEntry.objects.order_by("-position").values_list("kind", "reference")[:2]
        ),
    )
    assert kinds == [("payment", invoice.number), ("refund", credit_note.number)]
    note_page = text(client.get(f"/manager/factures/{credit_note.pk}/"))
    assert "<strong data-due>0,00 €</strong>" in note_page
    assert in_schema(shop, lambda: customer_credit(payer_id=shop.payer.pk)) == Decimal("0.00")
    # Nothing left to offer.
    assert 'name="credit_note"' not in text(client.get(pay_url(invoice)))


def test_avoir_above_what_the_credit_note_has_left_changes_nothing(client, shop):
    """Issue 11 (OR-6): 30 € from a credit note with 20 € left is refused; neither document
    moves, nothing in the ledger."""
    credit_note, invoice = _credit_note_and_new_invoice(client, shop, product=shop.activity)
    before_payments, before_ledger = payments(shop), ledger_size(shop)
    response = post(
        client, invoice, method="credit", credit_note=str(credit_note.pk), amount="30.00"
    )
    assert response.status_code == 400
    assert f"L'avoir {credit_note.number} n'a plus que 20,00 € à utiliser." in field_block(
        text(response), "amount"
    )
    assert payments(shop) == before_payments and ledger_size(shop) == before_ledger


def test_avoir_of_another_customer_is_not_offered_nor_accepted(client, shop):
    """Issue 11 (OR-6): a credit note of another payer cannot pay this invoice."""
    from ponton.customers.services import customer_create

    credit_note, _invoice = _credit_note_and_new_invoice(client, shop, product=shop.shirt)

    def other_invoice():
        other = customer_create(first_name="Yann", last_name="Kerbrat")
        order = sales.order_create(
            payer=other, lines=[LineRequest(product=shop.shirt)], actor=STAFF
        )
        return billing.invoice_issue(
            structure=shop.structure,
            order=order,
            line_ids=list(order.lines.values_list("pk", flat=True)),
            actor=STAFF,
        )

    invoice = in_schema(shop, other_invoice)
    client.get(pay_url(invoice))  # the flash of the cancellation, shown once
    form = text(client.get(pay_url(invoice)))
    assert credit_note.number not in form and 'name="credit_note"' not in form
    before_payments, before_ledger = payments(shop), ledger_size(shop)
    response = post(
        client, invoice, method="credit", credit_note=str(credit_note.pk), amount="20.00"
    )
    assert response.status_code == 400
    assert "Le client n'a que 0,00 € d'avoir disponible." in text(response)
    assert payments(shop) == before_payments and ledger_size(shop) == before_ledger
