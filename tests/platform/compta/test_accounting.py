"""CO-3 accounting: settings with French defaults, the sales journal (invoices, credit notes,
purchase receipts), one journal per payment method, the credit ("avoir") journal; every entry
and every journal balanced to the cent; a journal that cannot be built names the document."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from ponton.billing import services
from ponton.billing.services import PaymentData
from ponton.compta.accounting.entries import JournalError, Period
from ponton.compta.accounting.journals import JOURNALS
from ponton.compta.accounting.selectors import accounting_settings_get, journal_entries
from ponton.compta.models import AccountingSettings
from ponton.sales import services as sales
from ponton.sales.services import LineRequest
from tests.support.sales import STAFF, make_shop

D = Decimal


@pytest.fixture
def shop(structure_a):
    structure = structure_a[0]
    with schema_context(structure.schema_name):
        shop = make_shop()
        shop.structure = structure
        yield shop


def today_period() -> Period:
    today = timezone.localdate()
    return Period(start=today, end=today)


def free(label: str, amount: str, rate: str = "20.00", code: str = "") -> LineRequest:
    return LineRequest(
        label=label, unit_price=D(amount), vat_rate=D(rate), accounting_code=code, quantity=1
    )


def order_of(shop, *lines: LineRequest):
    return sales.order_create(payer=shop.payer, lines=list(lines), actor=STAFF)


def invoice_all(shop, order):
    ids = [line.pk for line in order.lines.all()]
    return services.invoice_issue(structure=shop.structure, order=order, line_ids=ids, actor=STAFF)


def pay(document, amount, method="cash", kind="payment", **extra):
    return services.payment_record(
        document=document,
        data=PaymentData(kind=kind, method=method, amount=D(amount), **extra),
        actor=STAFF,
    )


def rows(entry) -> list[tuple]:
    return [(x.account, x.aux_number, x.debit, x.credit) for x in entry.lines]


def assert_balanced(entries) -> None:
    """Every entry, and every journal, debit == credit to the cent."""
    by_journal: dict[str, list[Decimal]] = {}
    for entry in entries:
        assert entry.debit == entry.credit, (entry.piece_ref, rows(entry))
        sums = by_journal.setdefault(entry.journal_code, [D(0), D(0)])
        sums[0] += entry.debit
        sums[1] += entry.credit
    for code, (debit, credit) in by_journal.items():
        assert debit == credit, code


def test_settings_are_created_with_french_defaults_on_first_read(shop):
    """CO-3: one row per structure, created on first read with the documented defaults."""
    assert not AccountingSettings.objects.exists()
    settings = accounting_settings_get()
    assert AccountingSettings.objects.count() == 1
    assert (settings.customers_account, settings.sales_account, settings.credit_account) == (
        "411000",
        "706000",
        "419100",
    )
    assert (
        settings.vat_20_account,
        settings.vat_10_account,
        settings.vat_5_5_account,
        settings.vat_2_1_account,
    ) == ("445711", "445712", "445713", "445714")
    assert (settings.cash_account, settings.cheque_account, settings.transfer_account) == (
        "530000",
        "511200",
        "512000",
    )
    assert (settings.sales_journal, settings.cheque_journal, settings.deposit_journal) == (
        "VE",
        "CH",
        "RC",
    )
    assert accounting_settings_get().pk is True  # read again: the same single row
    assert AccountingSettings.objects.count() == 1


def test_multi_rate_invoice_with_rounding_is_balanced(shop):
    """CO-3: one VE entry per invoice: 411 (customer's auxiliary) debited the total, each
    sales account credited its share excl. VAT (the line's code, else 706000), VAT per rate;
    the rounding cent of a rate goes to its largest share, so the entry balances exactly."""
    order = order_of(
        shop,
        free("Location kayak", "10.00", "20.00", "706100"),
        free("Location paddle", "10.00", "20.00", "706200"),
        free("Livre des marées", "8.00", "5.50", "707100"),
        free("Adhésion", "3.33", "0.00"),
    )
    invoice = invoice_all(shop, order)
    (entry,) = journal_entries(period=today_period(), journals=["sales"])
    assert (entry.journal_code, entry.piece_ref, entry.date) == (
        "VE",
        invoice.number,
        timezone.localdate(),
    )
    assert entry.label == f"Facture {invoice.number} - Claire Le Goff"
    aux = f"C{shop.payer.pk:06d}"
    assert rows(entry) == [
        ("411000", aux, D("31.33"), D("0.00")),
        ("706100", "", D("0.00"), D("8.34")),
        ("706200", "", D("0.00"), D("8.33")),
        ("445711", "", D("0.00"), D("3.33")),
        ("707100", "", D("0.00"), D("7.58")),
        ("445713", "", D("0.00"), D("0.42")),
        ("706000", "", D("0.00"), D("3.33")),
    ]
    assert entry.lines[0].aux_label == "Claire Le Goff"
    assert [x.account_label for x in entry.lines[:4]] == [
        "Clients",
        "Prestations de services",
        "Prestations de services",
        "TVA collectée 20 %",
    ]
    assert entry.lines[4].account_label == "Ventes de marchandises"
    assert entry.debit == entry.credit == D("31.33")


def test_credit_note_reverses_the_sale_and_refund_and_credit_journals(shop):
    """CO-3: a credit note is the reverse of the sale; payments and refunds go to their
    method's journal (debit the method's account, credit 411, and the reverse); a credit
    note used to pay another invoice ("Avoir") moves the customer's credit 411 -> 419 -> 411
    in the OD journal; every journal balances."""
    order = order_of(
        shop,
        free("Stage", "120.00", "20.00", "706100"),
        free("Licence", "30.00", "0.00", "467100"),
    )
    invoice = invoice_all(shop, order)
    pay(
        invoice,
        "100.00",
        "cheque",
        cheque_bank="Crédit Maritime",
        cheque_number="0001234",
        cheque_issuer="Claire Le Goff",
    )
    pay(invoice, "50.00", "cash")
    stage = order.lines.get(label="Stage")
    credit_note = services.line_cancel(structure=shop.structure, line=stage, actor=STAFF)
    pay(credit_note, "20.00", "cash", kind="refund")
    second = invoice_all(shop, order_of(shop, free("Location", "60.00", "20.00", "706200")))
    services.payment_by_credit_note(
        document=second, credit_note=credit_note, amount=D("60.00"), actor=STAFF
    )
    entries = journal_entries(period=today_period())
    assert_balanced(entries)
    aux = f"C{shop.payer.pk:06d}"
    by_piece = {(e.journal_code, e.piece_ref, e.label): e for e in entries}
    sales_entries = [e for e in entries if e.journal_code == "VE"]
    assert [e.piece_ref for e in sales_entries] == [
        invoice.number,
        credit_note.number,
        second.number,
    ]
    note_entry = sales_entries[1]
    assert note_entry.label == f"Avoir {credit_note.number} - Claire Le Goff"
    assert rows(note_entry) == [
        ("411000", aux, D("0.00"), D("120.00")),
        ("706100", "", D("100.00"), D("0.00")),
        ("445711", "", D("20.00"), D("0.00")),
    ]
    cheque = by_piece[
        (
            "CH",
            invoice.number,
            f"Paiement Chèque {invoice.number} - Claire Le Goff - chèque n° 0001234",
        )
    ]
    assert rows(cheque) == [
        ("511200", "", D("100.00"), D("0.00")),
        ("411000", aux, D("0.00"), D("100.00")),
    ]
    cash = [e for e in entries if e.journal_code == "CA"]
    assert [rows(e) for e in cash] == [
        [("530000", "", D("50.00"), D("0.00")), ("411000", aux, D("0.00"), D("50.00"))],
        [("411000", aux, D("20.00"), D("0.00")), ("530000", "", D("0.00"), D("20.00"))],
    ]
    assert cash[1].label == f"Remboursement Espèces {credit_note.number} - Claire Le Goff"
    od = [e for e in entries if e.journal_code == "OD"]
    assert [(e.piece_ref, rows(e)) for e in od] == [
        (
            credit_note.number,
            [("411000", aux, D("60.00"), D("0.00")), ("419100", aux, D("0.00"), D("60.00"))],
        ),
        (
            second.number,
            [("419100", aux, D("60.00"), D("0.00")), ("411000", aux, D("0.00"), D("60.00"))],
        ),
    ]
    # The customer's account: invoices 150 + 60, paid 150, credit note 120 of which 20
    # refunded in cash and 60 used on the second invoice: balance 40 owed to the customer.
    customer = sum(
        (x.debit - x.credit for e in entries for x in e.lines if x.account == "411000"), D(0)
    )
    assert customer == D("-40.00")
    credit = sum(
        (x.credit - x.debit for e in entries for x in e.lines if x.account == "419100"), D(0)
    )
    assert credit == D("0.00")


def test_a_receipt_turned_into_an_invoice_is_one_sale(shop):
    """CO-3: a purchase receipt posts the sale; the invoice issued from it on request
    ("Facture") is not posted again (the ledger counts that sale once too); a payment on
    either is posted once, in its method's journal."""
    order = order_of(shop, free("Entrée musée", "12.00", "20.00", "706300"))
    ids = [line.pk for line in order.lines.all()]
    receipt = services.receipt_issue(
        structure=shop.structure, order=order, line_ids=ids, actor=STAFF
    )
    invoice = services.receipt_to_invoice(structure=shop.structure, receipt=receipt, actor=STAFF)
    pay(invoice, "12.00", "card")
    entries = journal_entries(period=today_period())
    assert_balanced(entries)
    sales_entries = [e for e in entries if e.journal_key == "sales"]
    assert [(e.piece_ref, e.label) for e in sales_entries] == [
        (receipt.number, f"Justificatif {receipt.number} - Claire Le Goff")
    ]
    assert rows(sales_entries[0])[1:] == [
        ("706300", "", D("0.00"), D("10.00")),
        ("445711", "", D("0.00"), D("2.00")),
    ]
    (card,) = [e for e in entries if e.journal_code == "CB"]
    assert (card.piece_ref, rows(card)[0]) == (
        invoice.number,
        ("511500", "", D("12.00"), D("0.00")),
    )


def test_a_line_without_account_names_its_document(shop):
    """CO-3: without a default sales account, a line without accounting code stops the
    journal with a French message naming the invoice and the line; a code that is not a
    PCG account too. Nothing is returned."""
    order = order_of(shop, free("Stage", "50.00", "20.00"), free("Bouée", "5.00", "20.00", "BOUEE"))
    invoice = invoice_all(shop, order)
    AccountingSettings.objects.update_or_create(singleton=True, defaults={"sales_account": ""})
    with pytest.raises(JournalError) as caught:
        journal_entries(period=today_period())
    assert caught.value.messages == [
        f"La facture {invoice.number} (ligne « Stage ») n'a pas de compte de produit : "
        "renseignez le code comptable du produit ou le compte de ventes par défaut.",
        f"La facture {invoice.number} (ligne « Bouée ») a le code comptable « BOUEE », qui "
        "n'est pas un compte du plan comptable (trois chiffres d'abord, par exemple 706100) : "
        "corrigez le code comptable du produit.",
    ]


def test_a_rate_without_vat_account_names_its_document(shop):
    """CO-3: VAT at a rate whose account is missing names the document and the rate."""
    invoice = invoice_all(shop, order_of(shop, free("Livre", "10.55", "5.50", "707000")))
    AccountingSettings.objects.update_or_create(singleton=True, defaults={"vat_5_5_account": ""})
    with pytest.raises(JournalError) as caught:
        journal_entries(period=today_period(), journals=["sales"])
    assert caught.value.messages == [
        f"La facture {invoice.number} a de la TVA à 5,5 % (0,55 €) : renseignez le compte de "
        "TVA collectée de ce taux dans les paramètres comptables."
    ]


def test_period_checks_and_journal_registry():
    """CO-3: inverted, absurd or missing periods get French messages; the registry lists
    the sales journal, one journal per payment method and the credit journal."""
    day = dt.date(2026, 6, 12)
    with pytest.raises(
        ValueError, match=r"La date de fin \(11/06/2026\) précède la date de début \(12/06/2026\)\."
    ):
        Period.checked(day, day - dt.timedelta(days=1))
    with pytest.raises(ValueError, match="dépasse 24 mois"):
        Period.checked(dt.date(2024, 1, 1), dt.date(2026, 1, 2))
    with pytest.raises(ValueError, match="commence avant 2000"):
        Period.checked(dt.date(1999, 12, 31), day)
    with pytest.raises(ValueError, match="Indiquez la date de début et la date de fin"):
        Period.checked(None, day)
    assert Period.checked(dt.date(2026, 1, 1), dt.date(2026, 12, 31)).text() == (
        "du 01/01/2026 au 31/12/2026"
    )
    assert list(JOURNALS) == [
        "sales",
        "cash",
        "cheque",
        "card",
        "online_card",
        "transfer",
        "holiday_voucher",
        "credit",
        "deposits",
    ]


def test_entries_outside_the_period_are_left_out(shop):
    """CO-3: documents by their issue day, payments by the day received."""
    invoice = invoice_all(shop, order_of(shop, free("Stage", "40.00", "20.00", "706100")))
    pay(invoice, "40.00", "transfer", received_on=timezone.localdate() + dt.timedelta(days=1))
    today = today_period()
    assert [e.journal_code for e in journal_entries(period=today)] == ["VE"]
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    (transfer,) = journal_entries(period=Period(start=tomorrow, end=tomorrow))
    assert (transfer.journal_code, transfer.date, transfer.valid_date) == (
        "BQ",
        tomorrow,
        timezone.localdate(),
    )
    assert rows(transfer)[0] == ("512000", "", D("40.00"), D("0.00"))
