"""OR-5, OR-4, OR-6 in a real browser: "Remplacer" an invoiced and paid line by another date with
"Ajouter une promotion libre", invoice the new line ("Facturer/Payer" -> "Confirmer" ->
"Facturer"), then settle the credit note and the new invoice with the "avoir" method and refund
the remainder by card, until the order's "reste dû" is 0.

OR-5 Replace a line (another date, another product): cancel + new line, optional manual
discount (amount or percent with a description), credit note for the old line, invoice for the
new one, settled with the "avoir" method and refunds for any remainder.
OR-4 Cancel a line: creates a credit note (AV…) for it; refund it by any method, or keep it as
credit ("avoir").
OR-6 Payments and refunds on invoices and credit notes: method, amount, date."""

import re
from decimal import Decimal

import pytest
from django.utils import timezone
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


def _free_seats_on_the_planning(page, *session_ids: int) -> list[str]:
    """The "Places libres" badges of the sessions on the planning of the basket."""
    page.get_by_role("link", name="Panier", exact=True).first.click()
    page.get_by_role("heading", name="Panier", exact=True).wait_for()
    page.get_by_role("main").get_by_role("link", name="Planning", exact=True).click()
    page.get_by_role("link", name="Semaine suivante").click()
    return [page.locator(f"tr[data-session='{pk}'] .badge").inner_text() for pk in session_ids]


def _flash(page, pattern: str):
    """The success message at the top of the page (the history repeats some of them)."""
    page.locator("li.success").filter(has_text=re.compile(pattern)).wait_for()


def _add_payment(page, *, link: str, kind: str, method: str, amount: str, expected: str):
    page.get_by_role("link", name=link).click()
    page.get_by_label(kind, exact=True).check()
    page.get_by_label("Mode de paiement").select_option(label=method)
    page.get_by_label("Montant (€)").fill(amount)
    page.get_by_role("button", name="Ok").click()
    page.get_by_text(expected).wait_for()


def test_replace_with_a_free_promotion_settled_with_avoir(make_structure, site, new_page):
    """OR-5, OR-4, OR-6: the seed's flow "Remplacer" -> another date -> "Ajouter une promotion
    libre" (10 %, "Geste commercial") -> "Suivant" -> "Ok" (note) -> "Facturer/Payer" on the
    new line -> credit note refunded with "Avoir", new invoice paid with "Avoir", the remainder
    refunded by card -> reste dû 0 €, no credit left."""
    structure, owner = make_structure(name="Club nautique")
    with schema_context(structure.schema_name):
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
        old_line = order.lines.get()
        invoice = invoice_issue(
            structure=structure, order=order, line_ids=[old_line.pk], actor=STAFF
        )
        payment_record(
            document=invoice,
            data=PaymentData(kind="payment", method="card", amount=Decimal("150.00")),
            actor=STAFF,
        )
    later_start = timezone.localtime(shop.later_session.starts_at)
    page = new_page()
    log_in(page, site, structure, owner)
    assert _free_seats_on_the_planning(page, shop.session.pk, shop.later_session.pk) == [
        "9",
        "10",
    ]

    # "sélectionnez la ligne du produit à remplacer et cliquez sur « Remplacer »".
    open_order(page, order.number)
    page.get_by_label(re.compile("Stage catamaran")).check()
    page.get_by_role("button", name="Remplacer", exact=True).click()
    page.get_by_role("heading", name=re.compile(r"^Remplacer – Stage catamaran")).wait_for()
    # The other date, then "Ajouter une promotion libre": 10 %, "Geste commercial".
    page.get_by_label("Nouvelle séance").select_option(
        label=f"Stage catamaran – {later_start:%d/%m/%Y %H:%M} (10)"
    )
    page.get_by_label("Ajouter une promotion libre").check()
    page.get_by_label("La promotion est").select_option(label="un pourcentage (%)")
    page.get_by_label("Montant ou pourcentage de la promotion").fill("10")
    page.get_by_label("Description de la promotion").fill("Geste commercial")
    page.get_by_role("button", name="Suivant").click()

    # The recap, "Ok" (with a note).
    page.get_by_role("heading", name="Récapitulatif").wait_for()
    recap = page.get_by_role("main").inner_text()
    assert f"{later_start:%d/%m/%Y %H:%M}" in recap
    assert "Geste commercial" in recap
    assert re.search(r"Nouveau total\s+135,00 €", recap), recap
    page.get_by_label("Note (facultatif)").fill("Le client préfère le lendemain")
    page.get_by_role("button", name="Ok").click()
    _flash(page, r"remplacé par .* Avoir AV-\d{4}-\d{5} émis \(150,00 €\)\.")
    new_line_row = page.locator("tr[data-line]").filter(has_text="Commandé")
    assert "Geste commercial" in new_line_row.inner_text()
    assert "135,00 €" in new_line_row.inner_text()
    assert page.locator(f"tr[data-line='{old_line.pk}'] .badge").inner_text() == "Annulé"

    # "Sélectionnez votre nouvelle ligne ... « Facturer/Payer »", "Confirmer", "Facturer".
    page.get_by_label(re.compile("Stage catamaran")).check()
    page.get_by_role("button", name="Facturer/Payer").click()
    page.get_by_role("button", name="Confirmer").click()
    page.get_by_role("button", name="Facturer", exact=True).click()
    _flash(page, r"Facture FA-\d{4}-\d{5} émise \(135,00 €\)\.")

    # The orange box: the initial invoice, its credit note and the new invoice.
    box = page.locator("[data-box=documents]")
    numbers = box.locator("tr[data-document] td:first-child").all_inner_texts()
    assert len(numbers) == 3 and numbers[0] == invoice.number
    credit_number, new_number = numbers[1], numbers[2]
    assert re.fullmatch(r"AV-\d{4}-\d{5}", credit_number)
    assert re.fullmatch(r"FA-\d{4}-\d{5}", new_number)
    assert page.locator("[data-to-refund]").inner_text() == "15,00 €"
    assert page.locator("[data-to-pay]").inner_text() == "0,00 €"

    # The credit note: "remboursement" with the "avoir" method (kept as credit to pay with).
    box.get_by_role("link", name=credit_number, exact=True).click()
    page.get_by_role("heading", name=f"Avoir {credit_number}").wait_for()
    _add_payment(
        page,
        link="Ajouter un remboursement",
        kind="Remboursement",
        method="Avoir",
        amount="135.00",
        expected="Remboursement de 135,00 € (Avoir) enregistré.",
    )
    assert page.locator("[data-due]").inner_text() == "15,00 €"

    # The new invoice: "paiement" with the "avoir" method for its amount.
    page.get_by_role("link", name="Retour à la commande").click()
    box.get_by_role("link", name=new_number, exact=True).click()
    page.get_by_role("heading", name=f"Facture {new_number}").wait_for()
    page.get_by_role("link", name="Ajouter un paiement").click()
    assert "Avoir disponible du client : 135,00 €" in page.locator("[data-credit]").inner_text()
    page.get_by_role("link", name="Retour", exact=True).click()
    _add_payment(
        page,
        link="Ajouter un paiement",
        kind="Paiement",
        method="Avoir",
        amount="135.00",
        expected="Paiement de 135,00 € (Avoir) enregistré.",
    )
    assert page.locator("[data-due]").inner_text() == "0,00 €"

    # The remainder of the credit note, refunded by card.
    page.get_by_role("link", name="Retour à la commande").click()
    box.get_by_role("link", name=credit_number, exact=True).click()
    page.get_by_role("link", name="Ajouter un remboursement").click()
    assert page.get_by_label("Montant (€)").input_value() == "15.00"
    page.get_by_role("link", name="Retour", exact=True).click()
    _add_payment(
        page,
        link="Ajouter un remboursement",
        kind="Remboursement",
        method="Carte bancaire",
        amount="15.00",
        expected="Remboursement de 15,00 € (Carte bancaire) enregistré.",
    )
    assert page.locator("[data-due]").inner_text() == "0,00 €"

    # "le reste dû de votre commande est de 0 €"; the seat moved to the other date.
    page.get_by_role("link", name="Retour à la commande").click()
    assert page.locator("[data-to-refund]").inner_text() == "0,00 €"
    assert page.locator("[data-to-pay]").inner_text() == "0,00 €"
    for number in (invoice.number, credit_number, new_number):
        row = box.locator(f"tr[data-document='{number}']")
        assert row.locator("td").last.inner_text() == "0,00 €"
    assert _free_seats_on_the_planning(page, shop.session.pk, shop.later_session.pk) == [
        "10",
        "9",
    ]

    with schema_context(structure.schema_name):
        documents = Document.objects.order_by("pk")
        assert [(d.kind, d.number, d.total) for d in documents] == [
            ("invoice", invoice.number, Decimal("150.00")),
            ("credit_note", credit_number, Decimal("150.00")),
            ("invoice", new_number, Decimal("135.00")),
        ]
        assert documents.get(number=credit_number).corrects_id == invoice.pk
        assert list(
            Payment.objects.order_by("pk").values_list(
                "document__number", "kind", "method", "amount"
            )
        ) == [
            (invoice.number, "payment", "card", Decimal("150.00")),
            (credit_number, "refund", "credit", Decimal("135.00")),
            (new_number, "payment", "credit", Decimal("135.00")),
            (credit_number, "refund", "card", Decimal("15.00")),
        ]
        lines = list(OrderLine.objects.filter(order=order).order_by("position"))
        assert [(line.state, line.session_id) for line in lines] == [
            (OrderLine.State.CANCELLED, shop.session.pk),
            (OrderLine.State.INVOICED, shop.later_session.pk),
        ]
        new_line = lines[1]
        assert new_line.replaces_id == old_line.pk
        assert (new_line.unit_price, new_line.discount, new_line.discount_label) == (
            Decimal("150.00"),
            Decimal("15.00"),
            "Geste commercial",
        )
        assert new_line.consumer_id == shop.child_customer.pk and new_line.rate_name == "Enfant"
        assert Session.objects.get(pk=shop.session.pk).sold == 0
        assert Session.objects.get(pk=shop.later_session.pk).sold == 1
        assert customer_credit(payer_id=shop.payer.pk) == Decimal("0.00")
        assert ledger_verify().ok
