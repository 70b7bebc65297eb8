"""Invoices, credit notes, payments (OR-3 to OR-6, OR-8, OR-11) and their ledger entries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction
from django_tenants.utils import schema_context

from ponton.billing import selectors, services
from ponton.billing.models import Document, DocumentLine, Payment
from ponton.billing.money import vat_breakdown
from ponton.billing.services import BillingError, FreeDiscount, PaymentData
from ponton.ledger.models import LedgerEntry
from ponton.ledger.selectors import ledger_verify
from ponton.planning.models import Session
from ponton.sales import services as sales
from ponton.sales.models import OrderEvent, OrderLine
from ponton.sales.services import LineRequest
from tests.support.races import invoices_in_parallel
from tests.support.sales import STAFF, make_shop


@pytest.fixture
def shop(structure_a):
    structure = structure_a[0]
    with schema_context(structure.schema_name):
        shop = make_shop()
        shop.structure = structure
        yield shop


def sell(shop, *, quantity=1, rate=None, with_shirt=True):
    lines = [
        LineRequest(
            product=shop.activity,
            session=shop.session,
            rate=rate or shop.adult,
            consumer=shop.child_customer,
            quantity=quantity,
        )
    ]
    if with_shirt:
        lines.append(LineRequest(product=shop.shirt, quantity=1))
    return sales.order_create(payer=shop.payer, lines=lines, actor=STAFF)


def invoice(shop, order, lines=None):
    ids = [line.pk for line in (lines or order.lines.all())]
    return services.invoice_issue(structure=shop.structure, order=order, line_ids=ids, actor=STAFF)


def pay(document, amount, method="cash", kind="payment", **extra):
    return services.payment_record(
        document=document,
        data=PaymentData(kind=kind, method=method, amount=Decimal(amount), **extra),
        actor=STAFF,
    )


def test_vat_is_computed_per_rate_on_totals():
    """Money rules: bases and VAT add up exactly to the total, rounded once per rate."""
    lines = [
        (Decimal("10.00"), Decimal("20")),
        (Decimal("10.00"), Decimal("20")),
        (Decimal("8.00"), Decimal("5.5")),
        (Decimal("3.33"), Decimal("0")),
    ]
    (zero, reduced, normal) = vat_breakdown(lines)
    assert (normal.rate, normal.total, normal.base, normal.vat) == (
        Decimal("20.00"),
        Decimal("20.00"),
        Decimal("16.67"),
        Decimal("3.33"),
    )
    assert (reduced.base, reduced.vat) == (Decimal("7.58"), Decimal("0.42"))
    assert (zero.base, zero.vat) == (Decimal("3.33"), Decimal("0.00"))


def test_invoice_selected_lines_then_the_rest(shop):
    """OR-3 "Facturer/Payer": an invoice per selection; several invoices per order; lines
    move to "facturé"; balances per invoice and per order; history."""
    order = sell(shop)
    activity_line, shirt_line = order.lines.all()
    first = invoice(shop, order, [activity_line])
    assert first.number.endswith("-00001") and first.number.startswith("FA-")
    assert first.total == Decimal("180.00")
    assert first.vat == [{"rate": "20.00", "base": "150.00", "vat": "30.00", "total": "180.00"}]
    line = DocumentLine.objects.get(document=first)
    assert line.label.startswith("Stage catamaran") and "(Adulte)" in line.label
    assert "Louis Le Goff" in line.label  # the consumer, when not the payer
    assert first.customer["name"] == "Claire Le Goff"
    second = invoice(shop, order, [shirt_line])
    assert second.number.endswith("-00002")
    assert set(order.lines.values_list("state", flat=True)) == {OrderLine.State.INVOICED}
    assert selectors.order_balance(order_id=order.pk) == Decimal("200.00")
    with pytest.raises(BillingError, match="seules les lignes commandées"):
        invoice(shop, order, [shirt_line])
    messages = list(OrderEvent.objects.filter(order=order).values_list("message", flat=True))
    assert messages[1] == f"Facture {first.number} émise (180,00 €)."


def test_payments_in_two_methods_and_refusals(shop):
    """OR-6: cheque (bank, number, issuer kept) + card settle the invoice; overpaying,
    a cheque without its details, an online card payment typed by hand: refused."""
    order = sell(shop, with_shirt=False)
    bill = invoice(shop, order)
    with pytest.raises(BillingError, match="banque, le numéro et l'émetteur"):
        pay(bill, "100.00", "cheque")
    cheque = pay(
        bill,
        "100.00",
        "cheque",
        cheque_bank="Crédit Maritime",
        cheque_number="0001234",
        cheque_issuer="Claire Le Goff",
    )
    assert (cheque.cheque_bank, cheque.cheque_number) == ("Crédit Maritime", "0001234")
    with pytest.raises(BillingError, match=r"dépasse le reste dû \(80,00 €\)"):
        pay(bill, "80.01", "card")
    with pytest.raises(BillingError, match="CB en ligne"):
        pay(bill, "80.00", "online_card")
    with pytest.raises(BillingError, match="supérieur à zéro"):
        pay(bill, "0", "cash")
    pay(bill, "80.00", "card")
    balance = selectors.document_balance(document=bill)
    assert (balance.paid, balance.due) == (Decimal("180.00"), Decimal("0.00"))
    assert Payment.objects.count() == 2
    assert selectors.order_balance(order_id=order.pk) == Decimal("0.00")


def test_wrong_method_corrected_by_refund_and_payment(shop):
    """OR-6: a payment typed as cash that was a card: refund in cash, pay by card; refunding
    more than was paid in that method is refused."""
    order = sell(shop, with_shirt=False)
    bill = invoice(shop, order)
    pay(bill, "180.00", "cash")
    with pytest.raises(BillingError, match="dépasse ce qui a été payé"):
        pay(bill, "180.00", "card", kind="refund")
    pay(bill, "180.00", "cash", kind="refund")
    pay(bill, "180.00", "card")
    balance = selectors.document_balance(document=bill)
    assert balance.due == Decimal("0.00")
    assert balance.paid_by_method == {"cash": Decimal("0.00"), "card": Decimal("180.00")}


def test_cancel_a_line_credit_note_and_refund(shop):
    """OR-4 "Annuler": the credit note (AV…) cites the invoice; the seat is for sale again
    at once; the credit note is refunded; the order's balance comes back to 0."""
    order = sell(shop, with_shirt=False)
    bill = invoice(shop, order)
    pay(bill, "180.00", "card")
    line = order.lines.get()
    credit_note = services.line_cancel(
        structure=shop.structure, line=line, actor=STAFF, note="Client malade"
    )
    assert credit_note.number.startswith("AV-") and credit_note.corrects == bill
    assert credit_note.total == Decimal("180.00")
    assert Session.objects.get(pk=shop.session.pk).sold == 0
    line.refresh_from_db()
    assert (line.state, line.holds) == (OrderLine.State.CANCELLED, False)
    assert selectors.order_balance(order_id=order.pk) == Decimal("-180.00")
    with pytest.raises(BillingError, match="ne se paie pas"):
        pay(credit_note, "180.00", "card")
    with pytest.raises(BillingError, match="dépasse le reste à rembourser"):
        pay(credit_note, "180.01", "card", kind="refund")
    pay(credit_note, "180.00", "card", kind="refund")
    assert selectors.order_balance(order_id=order.pk) == Decimal("0.00")
    with pytest.raises(BillingError, match="déjà annulée"):
        services.line_cancel(structure=shop.structure, line=line, actor=STAFF)
    event = OrderEvent.objects.filter(order=order, action="cancelled").get()
    assert event.note == "Client malade" and credit_note.number in event.message


def test_cancel_an_uninvoiced_line_issues_nothing(shop):
    """OR-4: a line still "commandé" is cancelled without a credit note; stock given back."""
    order = sell(shop)
    shirt_line = order.lines.get(product=shop.shirt)
    assert services.line_cancel(structure=shop.structure, line=shirt_line, actor=STAFF) is None
    assert Document.objects.count() == 0
    shop.shirt.stock_pool.refresh_from_db()
    assert shop.shirt.stock_pool.sold == 0


def test_replace_with_free_promotion_settled_with_credit(shop):
    """OR-5 "Remplacer" + "Ajouter une promotion libre", then settled with "avoir": the
    credit note is refunded as credit, the new invoice paid with that credit, the
    remainder refunded; the order ends at 0."""
    order = sell(shop, with_shirt=False)
    bill = invoice(shop, order)
    pay(bill, "180.00", "cheque", cheque_bank="B", cheque_number="1", cheque_issuer="C")
    old = order.lines.get()
    new_line, credit_note = services.line_replace(
        structure=shop.structure,
        line=old,
        request=sales.replace_request(old, session=shop.later_session, rate=shop.adult),
        discount=FreeDiscount(description="Geste commercial", percent=Decimal("10")),
        actor=STAFF,
    )
    assert new_line.replaces == old and new_line.state == OrderLine.State.ORDERED
    assert (new_line.discount, new_line.total) == (Decimal("18.00"), Decimal("162.00"))
    assert Session.objects.get(pk=shop.session.pk).sold == 0
    assert Session.objects.get(pk=shop.later_session.pk).sold == 1
    new_bill = invoice(shop, order, [new_line])
    assert new_bill.total == Decimal("162.00")
    with pytest.raises(BillingError, match="d'avoir disponible"):
        pay(new_bill, "162.00", "credit")
    pay(credit_note, "180.00", "credit", kind="refund")  # kept as credit
    assert selectors.customer_credit(payer_id=shop.payer.pk) == Decimal("180.00")
    pay(new_bill, "162.00", "credit")
    assert selectors.customer_credit(payer_id=shop.payer.pk) == Decimal("18.00")
    assert selectors.order_balance(order_id=order.pk) == Decimal("0.00")
    assert "Geste commercial" == OrderLine.objects.get(pk=new_line.pk).discount_label


def test_free_discount_refusals(shop):
    """OR-5: a free promotion needs a description and stays within the line's amount."""
    order = sell(shop, with_shirt=False)
    old = order.lines.get()
    for discount, message in (
        (FreeDiscount(description="", amount=Decimal("5")), "Décrivez"),
        (FreeDiscount(description="x", amount=Decimal("500")), "dépasse"),
        (FreeDiscount(description="x", percent=Decimal("120")), "entre 0 et 100"),
    ):
        with pytest.raises(BillingError, match=message):
            services.line_replace(
                structure=shop.structure,
                line=old,
                request=sales.replace_request(old, session=shop.later_session),
                discount=discount,
                actor=STAFF,
            )
    old.refresh_from_db()
    assert old.state == OrderLine.State.ORDERED
    assert Session.objects.get(pk=shop.later_session.pk).sold == 0
    assert Session.objects.get(pk=shop.session.pk).sold == 1


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE billing_document SET total = 1",
        "DELETE FROM billing_documentline",
        "UPDATE billing_payment SET amount = 1",
        "DELETE FROM billing_payment",
        "SET CONSTRAINTS ALL IMMEDIATE; TRUNCATE billing_document CASCADE",
    ],
)
def test_issued_documents_and_payments_never_change(shop, statement):
    """OR-11: the database refuses changes to issued documents, lines and payments."""
    order = sell(shop, with_shirt=False)
    bill = invoice(shop, order)
    pay(bill, "10.00", "cash")
    with pytest.raises(DatabaseError, match="never change"), transaction.atomic():
        with connection.cursor() as cur:
            cur.execute(statement)
    assert Document.objects.get().total == Decimal("180.00")
    assert Payment.objects.get().amount == Decimal("10.00")


def test_every_financial_event_is_in_the_ledger(shop):
    """PO-7: invoices, credit notes, payments and refunds are chained with their content
    (lines, VAT, methods, cheque details), the totals follow, and the chain verifies."""
    order = sell(shop, with_shirt=False)
    bill = invoice(shop, order)
    pay(bill, "180.00", "cheque", cheque_bank="B", cheque_number="42", cheque_issuer="C")
    credit_note = services.line_cancel(
        structure=shop.structure, line=order.lines.get(), actor=STAFF
    )
    pay(credit_note, "180.00", "cheque", kind="refund")
    entries = list(
        LedgerEntry.objects.values_list("kind", "reference", "sales_total", "payments_total")
    )
    assert entries == [
        ("invoice", bill.number, Decimal("180.00"), Decimal("0.00")),
        ("payment", bill.number, Decimal("180.00"), Decimal("180.00")),
        ("credit_note", credit_note.number, Decimal("0.00"), Decimal("180.00")),
        ("refund", credit_note.number, Decimal("0.00"), Decimal("0.00")),
    ]
    invoice_entry = LedgerEntry.objects.get(kind="invoice")
    assert invoice_entry.payload["lines"][0]["vat_rate"] == "20.00"
    assert invoice_entry.payload["vat"][0]["vat"] == "30.00"
    assert LedgerEntry.objects.get(kind="payment").payload["cheque"]["number"] == "42"
    assert LedgerEntry.objects.get(kind="credit_note").payload["corrects"] == bill.number
    assert ledger_verify().ok


def test_a_failed_invoice_gives_its_number_back(shop):
    """OR-11: a transaction that fails after numbering leaves no gap."""
    order = sell(shop)
    lines = list(order.lines.all())
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        invoice(shop, order, [lines[0]])
        1 / 0  # noqa: B018
    assert invoice(shop, order, [lines[0]]).number.endswith("-00001")
    assert invoice(shop, order, [lines[1]]).number.endswith("-00002")


@pytest.mark.django_db(transaction=True)
def test_20_invoices_issued_in_parallel_get_20_consecutive_numbers(make_structure):
    """OR-11, race: 20 threads each invoice their own order at the same moment."""
    structure, _ = make_structure(name="Club pressé")
    with schema_context(structure.schema_name):
        shop = make_shop(capacity=30, stock=30)
        orders = [
            sales.order_create(
                payer=shop.payer, lines=[LineRequest(product=shop.shirt)], actor=STAFF
            )
            for _ in range(20)
        ]
    outcomes = invoices_in_parallel(structure, orders)
    errors = [outcome for outcome, _ in outcomes if outcome != "ok"]
    assert errors == []
    with schema_context(structure.schema_name):
        numbers = sorted(Document.objects.values_list("number", flat=True))
        year = dt.date.today().year  # noqa: DTZ011 - the numbering year, Paris and UTC agree here
        assert numbers == [f"FA-{year}-{i:05d}" for i in range(1, 21)]
        assert ledger_verify().ok and LedgerEntry.objects.count() == 20


def test_several_series_are_numbered_in_one_statement(structure_a):
    """OR-11: a complete sale takes its order's and its invoice's numbers together, each the
    next of its own series; one series twice in one statement is refused."""
    from django.db import transaction
    from django_tenants.utils import schema_context

    from ponton.billing.numbering import next_number, next_numbers

    with schema_context(structure_a[0].schema_name), transaction.atomic():
        assert next_number(series="invoice", year=2031) == "FA-2031-00001"
        assert next_numbers("order", "invoice", year=2031) == ["CO-2031-00001", "FA-2031-00002"]
        assert next_numbers("invoice", "order", year=2031) == ["FA-2031-00003", "CO-2031-00002"]
        with pytest.raises(ValueError):
            next_numbers("invoice", "invoice", year=2031)
