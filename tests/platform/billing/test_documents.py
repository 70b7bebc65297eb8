"""Documents (OR-7, OR-8): French PDFs of invoices, credit notes, purchase receipts and
quotes with every mandatory mention; Factur-X (PDF/A-3 with the EN 16931 XML embedded,
validated with the `factur-x` package); a purchase receipt turned into an invoice on
request; several documents downloaded at once as one ZIP from a filtered list."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context
from facturx import get_xml_from_pdf, xml_check_xsd
from lxml import etree
from pypdf import PdfReader

from ponton.accounts.models import Role
from ponton.billing import facturx_cii, services
from ponton.billing import selectors as billing_selectors
from ponton.billing.models import Document, DocumentLine
from ponton.billing.pdf import document_pdf, euros, quote_pdf
from ponton.billing.services import BillingError, receipt_issue, receipt_to_invoice
from ponton.ledger.models import LedgerEntry
from ponton.ledger.selectors import ledger_verify
from ponton.sales import services as sales
from ponton.sales.models import OrderLine
from ponton.sales.services import LineRequest
from tests.support.sales import STAFF, make_shop

SELLER = {
    "legal_name": "Association Nautique de Concarneau",
    "siret": "78467169500087",
    "vat_number": "FR32784671695",
    "address_line1": "1 quai de la Croix",
    "postal_code": "29900",
    "city": "Concarneau",
}
NS = {"ram": facturx_cii.RAM, "rsm": facturx_cii.RSM, "udt": facturx_cii.UDT}


@pytest.fixture
def seller(make_structure):
    return make_structure(name="Club Nautique", **SELLER)


@pytest.fixture
def shop(seller):
    structure = seller[0]
    with schema_context(structure.schema_name):
        shop = make_shop()
        shop.structure = structure
        yield shop


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return " ".join(text.replace("\u00a0", " ").split())


def sell(shop, *, free_line=True):
    lines = [
        LineRequest(
            product=shop.activity,
            session=shop.session,
            rate=shop.adult,
            consumer=shop.child_customer,
            quantity=2,
            discount=Decimal("15.50"),
        ),
        LineRequest(product=shop.shirt, quantity=1),
    ]
    if free_line:
        lines.append(
            LineRequest(
                label="Location de combinaison",
                unit_price=Decimal("1234.50"),
                vat_rate=Decimal("5.5"),
                accounting_code="706300",
            )
        )
    return sales.order_create(payer=shop.payer, lines=lines, actor=STAFF)


def invoice(shop, order, lines=None):
    ids = [line.pk for line in (lines or order.lines.all())]
    return services.invoice_issue(structure=shop.structure, order=order, line_ids=ids, actor=STAFF)


def test_euros_are_written_the_french_way():
    assert euros(Decimal("1234.5")).replace("\u00a0", " ") == "1 234,50 €"
    assert euros(Decimal("0")).replace("\u00a0", " ") == "0,00 €"
    assert euros(Decimal("1234567.891")).replace("\u00a0", " ") == "1 234 567,89 €"


def test_invoice_pdf_has_every_mandatory_mention(shop):
    """OR-7 / OR-8: seller identity, customer, number, dates, lines with quantity, unit
    price, discount, VAT rate and total (the free line with its own 5,5 % rate), totals per
    VAT rate, total TTC, payment terms and the late-payment mentions."""
    order = sell(shop)
    bill = invoice(shop, order)
    text = text_of(document_pdf(bill))
    session_day = timezone.localtime(shop.session.starts_at).strftime("%d/%m/%Y")
    for mention in (
        f"Facture {bill.number}",
        "Association Nautique de Concarneau",
        "1 quai de la Croix",
        "29900 Concarneau",
        "SIREN : 784671695",
        "SIRET : 78467169500087",
        "N° TVA intracommunautaire : FR32784671695",
        "Claire Le Goff",
        "claire@exemple.fr",
        f"Date d'émission : {timezone.localtime(bill.issued_at).strftime('%d/%m/%Y')}",
        session_day,
        "Stage catamaran",
        "(Adulte)",
        "Louis Le Goff",
        "Location de combinaison",
        "Payable à réception",
        "Pas d'escompte pour paiement anticipé.",
        "trois fois le taux d'intérêt légal",
        "indemnité forfaitaire pour frais de recouvrement de 40 €",
        "intérêts au taux légal",
        "Nature de l'opération : Livraison de biens et prestation de services",
    ):
        assert mention in text, mention
    # Lines: quantity, unit price TTC, discount, VAT rate, total TTC.
    assert "2 150,00 € 180,00 € 15,50 € 20 % 344,50 €" in text
    assert "1 170,14 € 1 234,50 € — 5,5 % 1 234,50 €" in text
    # Totals per VAT rate: base HT, VAT, TTC; then the document totals.
    assert "5,5 % 1 170,14 € 64,36 € 1 234,50 €" in text
    assert "20 % 303,75 € 60,75 € 364,50 €" in text
    assert "Total HT 1 473,89 €" in text
    assert "Total TVA 125,11 €" in text
    assert "Total TTC 1 599,00 €" in text
    assert "TVA non applicable" not in text


def check_en16931_sums(xml: bytes) -> etree._Element:
    """The EN 16931 arithmetic rules the offline XSD cannot check (the official schematron
    needs a Saxon server): BR-CO-10, BR-CO-13, BR-CO-15, BR-S-08, BR-CO-17."""
    root = etree.fromstring(xml)

    def amounts(path, node=root):
        return [Decimal(e.text) for e in node.xpath(path, namespaces=NS)]

    line_nets = amounts("//ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount")
    summary = "//ram:SpecifiedTradeSettlementHeaderMonetarySummation/"
    (line_total,) = amounts(summary + "ram:LineTotalAmount")
    (basis,) = amounts(summary + "ram:TaxBasisTotalAmount")
    (tax,) = amounts(summary + "ram:TaxTotalAmount")
    (grand,) = amounts(summary + "ram:GrandTotalAmount")
    assert sum(line_nets) == line_total == basis  # BR-CO-10, BR-CO-13
    assert basis + tax == grand  # BR-CO-15
    header_taxes = root.xpath(
        "//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax", namespaces=NS
    )
    assert sum(amounts("ram:CalculatedAmount", t)[0] for t in header_taxes) == tax
    for header_tax in header_taxes:
        (rate,) = amounts("ram:RateApplicablePercent", header_tax)
        (base,) = amounts("ram:BasisAmount", header_tax)
        (vat,) = amounts("ram:CalculatedAmount", header_tax)
        items = root.xpath(
            "//ram:IncludedSupplyChainTradeLineItem[ram:SpecifiedLineTradeSettlement/"
            f"ram:ApplicableTradeTax/ram:RateApplicablePercent = {rate}]",
            namespaces=NS,
        )
        nets = [amounts(".//ram:LineTotalAmount", item)[0] for item in items]
        assert sum(nets) == base  # BR-S-08
        assert abs(vat - (base * rate / 100).quantize(Decimal("0.01"))) <= Decimal("0.01")
    return root


def xmp_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()


def pdfa_part(pdf: bytes) -> tuple[str, str]:
    """PDF/A identification (part, conformance) declared in the XMP metadata."""
    root = etree.fromstring(xmp_of(pdf).encode())
    ns = {"pdfaid": "http://www.aiim.org/pdfa/ns/id/"}
    part = root.xpath("string(//@pdfaid:part | //pdfaid:part)", namespaces=ns)
    conformance = root.xpath("string(//@pdfaid:conformance | //pdfaid:conformance)", namespaces=ns)
    return part, conformance


def embedded_xml(pdf: bytes) -> tuple[str, bytes]:
    return get_xml_from_pdf(pdf, check_xsd=False)


def test_invoice_is_factur_x_en16931(shop, schematron):
    """OR-7: an invoice is a PDF/A-3 with its EN 16931 CII XML embedded as factur-x.xml,
    valid against the Factur-X EN 16931 XSD (factur-x's own check) and consistent."""
    order = sell(shop)
    bill = invoice(shop, order)
    content = document_pdf(bill)
    assert pdfa_part(content) == ("3", "B")
    assert "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#" in xmp_of(content)
    name, xml = embedded_xml(content)
    assert name == "factur-x.xml"
    assert xml_check_xsd(xml, flavor="factur-x", level="en16931") is True
    assert schematron(xml) == []
    root = check_en16931_sums(xml)
    assert root.xpath("string(//rsm:ExchangedDocument/ram:ID)", namespaces=NS) == bill.number
    assert root.xpath("string(//rsm:ExchangedDocument/ram:TypeCode)", namespaces=NS) == "380"
    assert (
        root.xpath(
            "string(//ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID)", namespaces=NS
        )
        == "M1"
    )
    assert root.xpath("string(//ram:GrandTotalAmount)", namespaces=NS) == "1599.00"
    seller = "//ram:SellerTradeParty/"
    assert (
        root.xpath(f"string({seller}ram:SpecifiedLegalOrganization/ram:ID)", namespaces=NS)
        == "784671695"
    )
    assert (
        root.xpath(f"string({seller}ram:SpecifiedTaxRegistration/ram:ID)", namespaces=NS)
        == "FR32784671695"
    )
    assert root.xpath("string(//ram:BuyerTradeParty/ram:Name)", namespaces=NS) == "Claire Le Goff"
    assert xml == facturx_cii.cii_xml(bill)  # a pure function of the issued document


def test_an_invalid_xml_is_refused_by_the_validation(shop, schematron):
    """The checks are real: the same XML without its grand total fails the XSD; with a
    grand total that is not base + VAT it fails the schematron (BR-CO-15)."""
    bill = invoice(shop, sell(shop, free_line=False))
    root = etree.fromstring(facturx_cii.cii_xml(bill))
    (grand,) = root.xpath("//ram:GrandTotalAmount", namespaces=NS)
    grand.text = "365.50"
    errors = schematron(etree.tostring(root))
    assert any("BR-CO-15" in error for error in errors), errors
    grand.getparent().remove(grand)
    with pytest.raises(Exception, match="not valid"):
        xml_check_xsd(etree.tostring(root), flavor="factur-x", level="en16931")


def test_credit_note_cites_the_invoice_it_corrects(shop, schematron):
    """OR-4/OR-7: the credit note (type 381) names the invoice and its date, in the PDF
    and in the XML (BG-3)."""
    order = sell(shop, free_line=False)
    bill = invoice(shop, order)
    activity_line = order.lines.get(product=shop.activity)
    credit_note = services.line_cancel(structure=shop.structure, line=activity_line, actor=STAFF)
    content = document_pdf(credit_note)
    text = text_of(content)
    issued = timezone.localtime(bill.issued_at).strftime("%d/%m/%Y")
    assert f"Avoir {credit_note.number}" in text
    assert f"Avoir sur la facture {bill.number} du {issued}" in text
    assert "Total TTC 344,50 €" in text
    _name, xml = embedded_xml(content)
    assert xml_check_xsd(xml, flavor="factur-x", level="en16931") is True
    assert schematron(xml) == []
    root = check_en16931_sums(xml)
    assert root.xpath("string(//rsm:ExchangedDocument/ram:TypeCode)", namespaces=NS) == "381"
    reference = "//ram:InvoiceReferencedDocument/"
    assert root.xpath(f"string({reference}ram:IssuerAssignedID)", namespaces=NS) == bill.number
    assert root.xpath(f"string({reference}ram:FormattedIssueDateTime/*)", namespaces=NS) == (
        timezone.localtime(bill.issued_at).strftime("%Y%m%d")
    )


def test_vat_franchise_mention_and_exempt_category(make_structure, schematron):
    """OR-7/OR-8: a seller without a VAT number selling at 0 %: "TVA non applicable, art.
    293 B du CGI" on the PDF, VAT category E with that reason in the XML (valid)."""
    structure, _owner = make_structure(
        name="Musée",
        siret="12345678900011",
        address_line1="2 rue du Port",
        postal_code="56000",
        city="Vannes",
    )
    with schema_context(structure.schema_name):
        shop = make_shop()
        order = sales.order_create(
            payer=shop.payer,
            lines=[
                LineRequest(
                    label="Visite guidée",
                    unit_price=Decimal("8.00"),
                    vat_rate=Decimal("0"),
                    accounting_code="706000",
                )
            ],
            actor=STAFF,
        )
        bill = services.invoice_issue(
            structure=structure, order=order, line_ids=[order.lines.get().pk], actor=STAFF
        )
        content = document_pdf(bill)
        text = text_of(content)
        assert "TVA non applicable, art. 293 B du CGI" in text
        assert "N° TVA intracommunautaire" not in text
        assert "SIREN : 123456789" in text
        _name, xml = embedded_xml(content)
        assert xml_check_xsd(xml, flavor="factur-x", level="en16931") is True
        assert schematron(xml) == []
        root = check_en16931_sums(xml)
        tax = "//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax/"
        assert root.xpath(f"string({tax}ram:CategoryCode)", namespaces=NS) == "E"
        assert root.xpath(f"string({tax}ram:ExemptionReason)", namespaces=NS) == (
            "TVA non applicable, art. 293 B du CGI"
        )


def test_quote_pdf(shop):
    """OR-2/OR-7: the printable quote, with its number, validity and totals."""
    quote = sales.order_create(
        payer=shop.payer,
        lines=[LineRequest(product=shop.shirt, quantity=3)],
        actor=STAFF,
        quote=True,
    )
    text = text_of(quote_pdf(order=quote, structure=shop.structure))
    assert f"Devis {quote.number}" in text and quote.number.startswith("DE-")
    assert "Devis valable jusqu'au" in text
    assert "T-shirt" in text and "3 16,67 € 20,00 € — 20 % 60,00 €" in text
    assert "20 % 50,00 € 10,00 € 60,00 €" in text
    assert "Total TTC 60,00 €" in text
    assert "SIRET : 78467169500087" in text


def pay_receipt_or_invoice(document, amount):
    return services.payment_record(
        document=document,
        data=services.PaymentData(kind="payment", method="cash", amount=Decimal(amount)),
        actor=STAFF,
    )


def test_receipt_then_invoice_on_request_counts_the_sale_once(shop, schematron):
    """OR-7: a purchase receipt (RE-…) proves the sale (ledger sales + total, lines
    "facturé", payments on it); "Facture" issues the invoice of the same lines once, with
    no second sales effect; the order's balance is not doubled; asked twice: refused."""
    order = sell(shop, free_line=False)
    head_before = LedgerEntry.objects.order_by("-position").first()
    sales_before = head_before.sales_total if head_before else Decimal("0")
    receipt = receipt_issue(
        structure=shop.structure,
        order=order,
        line_ids=[line.pk for line in order.lines.all()],
        actor=STAFF,
    )
    assert receipt.number.startswith("RE-") and receipt.kind == Document.Kind.RECEIPT
    assert receipt.total == Decimal("364.50")
    entry = LedgerEntry.objects.get(reference=receipt.number)
    assert (entry.kind, entry.sales_amount) == ("receipt", Decimal("364.50"))
    assert set(order.lines.values_list("state", flat=True)) == {OrderLine.State.INVOICED}
    with pytest.raises(BillingError, match="seules les lignes commandées"):
        invoice(shop, order)
    text = text_of(document_pdf(receipt))
    assert f"Justificatif d'achat {receipt.number}" in text
    assert "ce document n'est pas une facture" in text
    assert "Total TTC 364,50 €" in text
    pay_receipt_or_invoice(receipt, "100.00")

    bill = receipt_to_invoice(structure=shop.structure, receipt=receipt, actor=STAFF)
    assert bill.number.startswith("FA-") and bill.total == receipt.total and bill.vat == receipt.vat
    assert list(bill.lines.values_list("order_line_id", "total")) == list(
        receipt.lines.values_list("order_line_id", "total")
    )
    invoice_entry = LedgerEntry.objects.get(reference=bill.number)
    assert invoice_entry.sales_amount == Decimal("0.00")
    assert invoice_entry.payload["receipt"] == receipt.number
    assert invoice_entry.sales_total == sales_before + Decimal("364.50")
    # One sale, one balance: the invoice shows what the receipt was paid, and a payment on
    # either settles both; the order's balance counts the sale once.
    assert billing_selectors.order_balance(order_id=order.pk) == Decimal("264.50")
    assert billing_selectors.document_balance(document=bill).due == Decimal("264.50")
    pay_receipt_or_invoice(bill, "264.50")
    assert billing_selectors.document_balance(document=receipt).due == Decimal("0.00")
    assert billing_selectors.order_balance(order_id=order.pk) == Decimal("0.00")
    with pytest.raises(BillingError, match="dépasse le reste dû"):
        pay_receipt_or_invoice(receipt, "1.00")
    bill_pdf = document_pdf(bill)
    assert f"justificatif d'achat {receipt.number}" in text_of(bill_pdf)
    assert schematron(embedded_xml(bill_pdf)[1]) == []

    documents = Document.objects.count()
    with pytest.raises(BillingError, match=f"déjà été transformé en facture \\({bill.number}\\)"):
        receipt_to_invoice(structure=shop.structure, receipt=receipt, actor=STAFF)
    assert Document.objects.count() == documents
    with pytest.raises(BillingError, match="Seul un justificatif"):
        receipt_to_invoice(structure=shop.structure, receipt=bill, actor=STAFF)
    assert ledger_verify().ok


def test_receipt_line_cancelled_gets_a_credit_note_and_no_invoice(shop):
    """OR-4/OR-7: cancelling a line sold on a receipt issues a credit note citing the
    receipt; that receipt is then no longer turned into an invoice."""
    order = sell(shop, free_line=False)
    receipt = receipt_issue(
        structure=shop.structure,
        order=order,
        line_ids=[line.pk for line in order.lines.all()],
        actor=STAFF,
    )
    shirt_line = order.lines.get(product=shop.shirt)
    credit_note = services.line_cancel(structure=shop.structure, line=shirt_line, actor=STAFF)
    assert credit_note.corrects_id == receipt.pk and credit_note.total == Decimal("20.00")
    invoices = Document.objects.filter(kind=Document.Kind.INVOICE).count()
    with pytest.raises(BillingError, match="a été annulée"):
        receipt_to_invoice(structure=shop.structure, receipt=receipt, actor=STAFF)
    assert Document.objects.filter(kind=Document.Kind.INVOICE).count() == invoices
    assert DocumentLine.objects.filter(document__kind=Document.Kind.INVOICE).count() == 0


@pytest.fixture
def issued(shop):
    order = sell(shop, free_line=False)
    activity_line, shirt_line = order.lines.all()
    first = invoice(shop, order, [activity_line])
    second = invoice(shop, order, [shirt_line])
    credit_note = services.line_cancel(structure=shop.structure, line=shirt_line, actor=STAFF)
    return shop, first, second, credit_note


def test_download_one_pdf_and_a_zip_of_the_selection(issued, seller, client_for, make_member):
    """OR-7: "Visualiser" one document; the filtered list; "Télécharger la sélection (ZIP)"
    holds exactly the checked documents, named by their numbers; an accountant may too."""
    shop, first, second, credit_note = issued
    structure, owner = seller
    client = client_for(structure, owner)
    response = client.get(f"/manager/factures/{first.pk}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert f'filename="{first.number}.pdf"' in response["Content-Disposition"]

    listing = client.get("/manager/factures/", {"kind": "invoice"}).content.decode()
    assert first.number in listing and second.number in listing
    assert credit_note.number not in listing
    assert "Télécharger la sélection (ZIP)" in listing
    assert "344,50 €" in listing  # French amounts, as the pages and the PDF
    listing = client.get("/manager/factures/", {"customer": "nobody"}).content.decode()
    assert first.number not in listing
    errors = client.get("/manager/factures/", {"start": "2030-01-02", "end": "2030-01-01"})
    assert "La date de fin précède la date de début." in errors.content.decode()

    accountant = make_member(structure, role=Role.ACCOUNTANT)
    compta = client_for(structure, accountant).get("/manager/section/compta/")
    assert "/manager/factures/" in compta.content.decode()
    response = client_for(structure, accountant).get(
        "/manager/factures/zip/", {"document": [first.pk, credit_note.pk]}
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert sorted(archive.namelist()) == sorted(
        [f"{first.number}.pdf", f"{credit_note.number}.pdf"]
    )
    assert archive.read(f"{first.number}.pdf").startswith(b"%PDF")
    name, _xml = embedded_xml(archive.read(f"{credit_note.number}.pdf"))
    assert name == "factur-x.xml"

    for refused in ({}, {"document": ["x"]}, {"document": [first.pk, 999999]}):
        response = client.get("/manager/factures/zip/", refused, follow=True)
        assert response.redirect_chain[0][0].startswith("/manager/factures/")
        assert "Sélectionnez entre 1 et 200 documents à télécharger." in response.content.decode()


def test_documents_are_refused_to_other_structures_and_roles(
    structure_b, issued, seller, client_for, make_member
):
    """OR-7 / security: a member of another structure gets 403; an accountant cannot turn
    a receipt into an invoice nor print a quote (sales.manage)."""
    shop, first, _second, _credit_note = issued
    structure, _owner = seller
    _b, owner_b = structure_b
    outsider = client_for(structure, owner_b)
    assert outsider.get(f"/manager/factures/{first.pk}/pdf/").status_code == 403
    assert outsider.get("/manager/factures/zip/", {"document": [first.pk]}).status_code == 403
    assert client_for(structure).get("/manager/factures/").status_code == 302
    accountant = client_for(structure, make_member(structure, role=Role.ACCOUNTANT))
    assert accountant.post(f"/manager/factures/{first.pk}/facture/").status_code == 403
    assert accountant.get(f"/manager/factures/devis/{first.order_id}/pdf/").status_code == 403


def test_receipt_to_invoice_from_the_manager(shop, seller, client_for):
    """OR-7: "Facture" on a receipt in the Club Manager, then refused the second time."""
    structure, owner = seller
    order = sell(shop, free_line=False)
    receipt = receipt_issue(
        structure=structure,
        order=order,
        line_ids=[line.pk for line in order.lines.all()],
        actor=STAFF,
    )
    client = client_for(structure, owner)
    response = client.post(f"/manager/factures/{receipt.pk}/facture/", follow=True)
    bill = Document.objects.get(kind=Document.Kind.INVOICE)
    assert f"Facture {bill.number} émise." in response.content.decode()
    response = client.post(f"/manager/factures/{receipt.pk}/facture/", follow=True)
    assert "déjà été transformé en facture" in response.content.decode()
    assert Document.objects.filter(kind=Document.Kind.INVOICE).count() == 1


def test_print_a_quote_from_the_manager(shop, seller, client_for):
    """OR-2 "printable": the quote's PDF; an order that never was a quote has none."""
    structure, owner = seller
    quote = sales.order_create(
        payer=shop.payer, lines=[LineRequest(product=shop.shirt)], actor=STAFF, quote=True
    )
    client = client_for(structure, owner)
    response = client.get(f"/manager/factures/devis/{quote.pk}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert f"Devis {quote.number}" in text_of(response.content)
    order = sell(shop, free_line=False)
    assert client.get(f"/manager/factures/devis/{order.pk}/pdf/").status_code == 404


# Issue 11 -------------------------------------------------------------------------------------


@pytest.fixture
def media_root(settings, tmp_path):
    """Uploads go to a temporary directory (the storage is per schema under MEDIA_ROOT)."""
    settings.MEDIA_ROOT = str(tmp_path)
    settings.MULTITENANT_RELATIVE_MEDIA_ROOT = "%s"  # clears the storage's cached root
    return tmp_path


def images_of(pdf: bytes) -> int:
    return sum(len(page.images) for page in PdfReader(io.BytesIO(pdf)).pages)


def test_invoice_pdf_has_the_logo_the_payments_and_the_balance_due(shop, media_root, schematron):
    """Issue 11 (OR-7, OR-6): the invoice PDF shows the structure's logo, the payments
    received (date, method, amount) and the balance due; the seller's phone is written the
    French way; it stays PDF/A-3b with a valid Factur-X XML."""
    from django.core.files.base import ContentFile

    from tests.support.files import png_bytes

    structure = shop.structure
    structure.phone = "+33298001122"
    structure.logo.save("logo.png", ContentFile(png_bytes((60, 30))), save=False)
    structure.save(update_fields=["phone", "logo"])
    bill = invoice(shop, sell(shop))
    without = document_pdf(bill)
    assert images_of(without) == 0
    assert "Aucun paiement pour l'instant. Reste dû 1 599,00 €" in text_of(without)
    services.payment_record(
        document=bill,
        data=services.PaymentData(
            kind="payment",
            method="cheque",
            amount=Decimal("99.00"),
            received_on=timezone.localdate(),
            cheque_bank="Crédit Maritime",
            cheque_number="42",
            cheque_issuer="Claire Le Goff",
        ),
        actor=STAFF,
    )
    services.payment_record(
        document=bill,
        data=services.PaymentData(kind="payment", method="cash", amount=Decimal("500.00")),
        actor=STAFF,
    )
    content = document_pdf(bill, structure=structure)
    assert images_of(content) == 1
    text = text_of(content)
    today = timezone.localdate().strftime("%d/%m/%Y")
    assert f"Paiements reçus au {today}" in text
    assert f"{today} Paiement Chèque 99,00 €" in text
    assert f"{today} Paiement Espèces 500,00 €" in text
    assert "Reste dû 1 000,00 €" in text
    assert "02 98 00 11 22" in text and "+33298001122" not in text
    assert pdfa_part(content) == ("3", "B")
    _name, xml = embedded_xml(content)
    assert xml_check_xsd(xml, flavor="factur-x", level="en16931") is True
    assert schematron(xml) == []


def test_credit_note_pdf_says_what_is_left_to_refund(issued):
    """Issue 11 (OR-4, OR-7): a credit note's PDF lists its refunds and "Reste à rembourser"."""
    shop, _first, _second, credit_note = issued
    text = text_of(document_pdf(credit_note))
    assert "Aucun remboursement pour l'instant. Reste à rembourser 20,00 €" in text


def test_pdf_view_puts_the_logo_of_the_structure(issued, seller, client_for, media_root):
    """Issue 11 (OR-7): "Visualiser" renders the PDF with the structure's logo."""
    from django.core.files.base import ContentFile

    from tests.support.files import png_bytes

    shop, first, _second, _credit_note = issued
    structure, owner = seller
    structure.logo.save("logo.png", ContentFile(png_bytes((60, 30))), save=True)
    response = client_for(structure, owner).get(f"/manager/factures/{first.pk}/pdf/")
    assert response.status_code == 200
    assert images_of(response.content) == 1
