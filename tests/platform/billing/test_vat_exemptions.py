"""CO-4 VAT exemptions: a product, a free line or the whole structure (franchise en base,
art. 293 B du CGI) carries an exemption reason; the issued lines freeze it; invoices, credit
notes and quotes print its legal mention once per reason; the Factur-X XML states category E
with the VATEX code, valid against the XSD and the EN 16931 schematron."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django_tenants.utils import schema_context
from facturx import xml_check_xsd

from ponton.billing import facturx_cii, services
from ponton.billing.models import DocumentLine
from ponton.billing.pdf import document_pdf, quote_pdf
from ponton.catalogue.models import Product
from ponton.catalogue.services import ProductData, product_update
from ponton.ledger.models import LedgerEntry
from ponton.sales import services as sales
from ponton.sales.forms import FreeLineForm
from ponton.sales.services import LineRequest, SaleError
from tests.platform.billing.test_documents import (
    NS,
    SELLER,
    check_en16931_sums,
    embedded_xml,
    text_of,
)
from tests.support.sales import STAFF, make_shop, published

MEMBERS = "Exonération de TVA, article 261-7-1° a du CGI"
FRANCHISE = "TVA non applicable, art. 293 B du CGI"
HEADER_TAX = "//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax"


def _shop(structure):
    shop = make_shop()
    shop.structure = structure
    return shop


@pytest.fixture
def club(make_structure):
    structure, owner = make_structure(name="Club Nautique", **SELLER)
    with schema_context(structure.schema_name):
        shop = _shop(structure)
        shop.owner = owner
        shop.lessons = published(
            Product.Kind.TICKET,
            name="Cours de voile adhérents",
            price=Decimal("120.00"),
            vat_rate=Decimal("0"),
            vat_exemption="cgi261_7_1a",
            accounting_code="706200",
        )
        yield shop


def invoice_of(shop, requests, payer=None):
    order = sales.order_create(payer=payer or shop.payer, lines=requests, actor=STAFF)
    ids = [line.pk for line in order.lines.all()]
    return services.invoice_issue(structure=shop.structure, order=order, line_ids=ids, actor=STAFF)


def header_taxes(root) -> list[dict[str, str]]:
    names = ("CategoryCode", "RateApplicablePercent", "BasisAmount", "CalculatedAmount")
    names += ("ExemptionReason", "ExemptionReasonCode")
    return [
        {name: tax.xpath(f"string(ram:{name})", namespaces=NS) for name in names}
        for tax in root.xpath(HEADER_TAX, namespaces=NS)
    ]


def valid_xml(document, schematron) -> bytes:
    _name, xml = embedded_xml(document_pdf(document))
    assert xml_check_xsd(xml, flavor="factur-x", level="en16931") is True
    assert schematron(xml) == []
    check_en16931_sums(xml)
    return xml


def test_co4_exempt_product_invoice_has_the_mention_and_the_vatex_code(club, schematron):
    """An association's lessons to its members (art. 261-7-1° a): the invoice line is frozen
    exempt at 0 %, the PDF prints the mention, the XML is category E with VATEX-FR-CGI261-7."""
    bill = invoice_of(club, [LineRequest(product=club.lessons, quantity=2)])
    (line,) = bill.lines.all()
    assert (line.vat_rate, line.vat_exemption, line.total) == (
        Decimal("0.00"),
        "cgi261_7_1a",
        Decimal("240.00"),
    )
    assert bill.vat == [{"rate": "0.00", "base": "240.00", "vat": "0.00", "total": "240.00"}]
    text = text_of(document_pdf(bill))
    assert text.count(MEMBERS) == 1
    assert FRANCHISE not in text
    root = check_en16931_sums(valid_xml(bill, schematron))
    assert header_taxes(root) == [
        {
            "CategoryCode": "E",
            "RateApplicablePercent": "0",
            "BasisAmount": "240.00",
            "CalculatedAmount": "0.00",
            "ExemptionReason": MEMBERS,
            "ExemptionReasonCode": "VATEX-FR-CGI261-7",
        }
    ]
    line_category = "//ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax/ram:CategoryCode"
    assert [e.text for e in root.xpath(line_category, namespaces=NS)] == ["E"]
    # the ledger entry says it too (CO-5 reads it)
    entry = LedgerEntry.objects.get(kind="invoice", reference=bill.number)
    assert [(x["vat_exemption"], x["product_kind"]) for x in entry.payload["lines"]] == [
        ("cgi261_7_1a", "ticket")
    ]


def test_co4_mixed_invoice_one_exempt_line_one_line_at_20(club, schematron):
    """One exempt line and one T-shirt at 20 %: two breakdowns, S and E; one mention."""
    bill = invoice_of(
        club,
        [
            LineRequest(product=club.lessons, quantity=1),
            LineRequest(product=club.shirt, quantity=3),
        ],
    )
    assert bill.total == Decimal("180.00")
    assert bill.vat == [
        {"rate": "0.00", "base": "120.00", "vat": "0.00", "total": "120.00"},
        {"rate": "20.00", "base": "50.00", "vat": "10.00", "total": "60.00"},
    ]
    text = text_of(document_pdf(bill))
    assert text.count(MEMBERS) == 1
    root = check_en16931_sums(valid_xml(bill, schematron))
    assert [
        (t["CategoryCode"], t["BasisAmount"], t["ExemptionReasonCode"]) for t in header_taxes(root)
    ] == [
        ("E", "120.00", "VATEX-FR-CGI261-7"),
        ("S", "50.00", ""),
    ]


def test_co4_two_reasons_on_one_invoice_one_e_breakdown_every_mention(club, schematron):
    """EN 16931 allows one E breakdown (BR-E-01): the code of the largest exempt amount and
    both mentions; the PDF prints each mention once."""
    bill = invoice_of(
        club,
        [
            LineRequest(product=club.lessons, quantity=1),
            LineRequest(
                label="Cours particulier",
                unit_price=Decimal("45.00"),
                vat_rate=Decimal("0"),
                vat_exemption="cgi261_4_4b",
            ),
            LineRequest(product=club.lessons, quantity=1),
        ],
    )
    lessons = "Exonération de TVA, article 261-4-4° b du CGI"
    text = text_of(document_pdf(bill))
    assert (text.count(MEMBERS), text.count(lessons)) == (1, 1)
    root = check_en16931_sums(valid_xml(bill, schematron))
    (exempt,) = header_taxes(root)
    assert exempt["BasisAmount"] == "285.00"
    assert exempt["ExemptionReasonCode"] == "VATEX-FR-CGI261-7"
    assert exempt["ExemptionReason"] == f"{MEMBERS} ; {lessons}"


def test_co4_credit_note_of_an_exempt_invoice_repeats_rate_and_reason(club, schematron):
    """The credit note of an exempt line is exempt with the same reason, even after the
    product changed (it corrects what was invoiced)."""
    order = sales.order_create(
        payer=club.payer, lines=[LineRequest(product=club.lessons)], actor=STAFF
    )
    line = order.lines.get()
    services.invoice_issue(structure=club.structure, order=order, line_ids=[line.pk], actor=STAFF)
    product_update(
        product=club.lessons,
        data=ProductData.from_form(
            {"vat_rate": Decimal("20.00"), "vat_exemption": ""}, club.lessons
        ),
    )
    credit_note = services.line_cancel(structure=club.structure, line=line, actor=STAFF)
    (credit_line,) = credit_note.lines.all()
    assert (credit_line.vat_rate, credit_line.vat_exemption) == (Decimal("0.00"), "cgi261_7_1a")
    assert credit_note.vat == [{"rate": "0.00", "base": "120.00", "vat": "0.00", "total": "120.00"}]
    assert MEMBERS in text_of(document_pdf(credit_note))
    root = check_en16931_sums(valid_xml(credit_note, schematron))
    assert [t["ExemptionReasonCode"] for t in header_taxes(root)] == ["VATEX-FR-CGI261-7"]


def test_co4_structure_in_franchise_every_invoice_has_293b_and_no_vat(make_structure, schematron):
    """A structure in franchise en base: products at 20 % are invoiced at 0 %, "TVA non
    applicable, art. 293 B du CGI", E with VATEX-FR-FRANCHISE; the seller snapshot says so."""
    structure, _owner = make_structure(
        name="Petit musée",
        siret="12345678900011",
        address_line1="2 rue du Port",
        postal_code="56000",
        city="Vannes",
        vat_exemption="franchise",
    )
    with schema_context(structure.schema_name):
        shop = _shop(structure)
        first = invoice_of(shop, [LineRequest(product=shop.shirt, quantity=2)])
        second = invoice_of(
            shop,
            [
                LineRequest(
                    label="Visite guidée", unit_price=Decimal("8.00"), vat_rate=Decimal("20")
                ),
                LineRequest(product=shop.shirt),
            ],
        )
        for bill, total in ((first, "40.00"), (second, "28.00")):
            assert bill.seller["vat_exemption"] == "franchise"
            assert bill.vat == [{"rate": "0.00", "base": total, "vat": "0.00", "total": total}]
            assert {(x.vat_rate, x.vat_exemption) for x in bill.lines.all()} == {
                (Decimal("0.00"), "franchise")
            }
            text = text_of(document_pdf(bill))
            assert text.count(FRANCHISE) == 1
            assert "Total TVA 0,00 €" in text
            root = check_en16931_sums(valid_xml(bill, schematron))
            assert [(t["CategoryCode"], t["ExemptionReasonCode"]) for t in header_taxes(root)] == [
                ("E", "VATEX-FR-FRANCHISE")
            ]
        # the quote already says what the invoice will say
        quote = sales.order_create(
            payer=shop.payer, lines=[LineRequest(product=shop.shirt)], actor=STAFF, quote=True
        )
        quote_text = text_of(quote_pdf(order=quote, structure=structure))
        assert FRANCHISE in quote_text
        assert "Total TVA 0,00 €" in quote_text


def test_co4_issued_lines_still_never_change_after_the_migration(club):
    """The exemption column was added with a default: the append-only triggers still refuse
    UPDATE and DELETE of an issued line."""
    bill = invoice_of(club, [LineRequest(product=club.lessons)])
    line = bill.lines.get()
    refused = "issued financial records never change"
    with pytest.raises(IntegrityError, match=refused), transaction.atomic():
        DocumentLine.objects.filter(pk=line.pk).update(vat_exemption="")
    with pytest.raises(IntegrityError, match=refused), transaction.atomic():
        DocumentLine.objects.filter(pk=line.pk).delete()
    assert DocumentLine.objects.get(pk=line.pk).vat_exemption == "cgi261_7_1a"


def test_co4_an_exempt_line_must_be_at_zero_percent(club):
    """Refused with a French message: an exempt product or free line at 20 %."""
    with pytest.raises(SaleError, match="Une vente exonérée de TVA a un taux de TVA de 0 %."):
        sales.order_create(
            payer=club.payer,
            lines=[
                LineRequest(
                    label="Stage",
                    unit_price=Decimal("50.00"),
                    vat_rate=Decimal("20"),
                    vat_exemption="cgi261_7_1a",
                )
            ],
            actor=STAFF,
        )
    with pytest.raises(SaleError, match="Motif d'exonération de TVA inconnu."):
        sales.order_create(
            payer=club.payer,
            lines=[
                LineRequest(
                    label="Stage",
                    unit_price=Decimal("50.00"),
                    vat_rate=Decimal("0"),
                    vat_exemption="franchise",  # the structure's status, not a line's
                )
            ],
            actor=STAFF,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Product.objects.filter(pk=club.lessons.pk).update(vat_rate=Decimal("20.00"))


def test_co4_free_line_form_asks_the_reason_in_french():
    form = FreeLineForm(
        data={
            "label": "Cours particulier",
            "unit_price": "45",
            "vat_rate": "20.00",
            "vat_exemption": "cgi261_4_4b",
            "quantity": "1",
        }
    )
    assert not form.is_valid()
    assert form.errors["vat_exemption"] == ["Une vente exonérée de TVA a un taux de TVA de 0 %."]
    form = FreeLineForm(
        data={
            "label": "Cours particulier",
            "unit_price": "45",
            "vat_rate": "0.00",
            "vat_exemption": "cgi261_4_4b",
            "quantity": "1",
        }
    )
    assert form.is_valid(), form.errors
    assert form.fields["vat_exemption"].label == "Exonération de TVA"
    assert "franchise" not in dict(form.fields["vat_exemption"].choices)


def test_co4_exemption_mentions_of_older_documents():
    """A document issued before CO-4 (no reason on its lines): a 0 % line of a seller
    without VAT number states the franchise, as its XML always did."""
    assert facturx_cii.line_exemption(rate=Decimal("0"), exemption="", seller={}) == "franchise"
    assert (
        facturx_cii.line_exemption(rate=Decimal("0"), exemption="", seller={"vat_number": "FR1"})
        == ""
    )
    assert facturx_cii.vat_category(rate=Decimal("0"), seller={"vat_number": "FR1"}) == "Z"


def test_co4_product_form_and_service_carry_the_reason(club):
    """The product form has the field, in French, without the franchise (a structure's
    status); the service refuses an exempt product at 20 % and nothing is saved."""
    from django.core.exceptions import ValidationError

    from ponton.catalogue.forms_products import ProductForm
    from ponton.catalogue.services import product_create

    form = ProductForm(kind=Product.Kind.ACTIVITY)
    field = form.fields["vat_exemption"]
    assert field.label == "Exonération de TVA"
    assert "Une ligne exonérée a un taux de TVA de 0 %" in str(field.help_text)
    assert [value for value, _label in field.choices] == [
        "",
        "cgi261_7_1a",
        "cgi261_7_1b",
        "cgi261_7_1c",
        "cgi261_4_4a",
        "cgi261_4_4b",
        "cgi261_4_9",
    ]
    before = Product.objects.count()
    with pytest.raises(ValidationError) as refused:
        product_create(
            kind=Product.Kind.TICKET,
            data=ProductData(
                name="Cours",
                price=Decimal("10"),
                vat_rate=Decimal("20"),
                vat_exemption="cgi261_7_1a",
            ),
        )
    assert refused.value.message_dict == {
        "vat_exemption": ["Une vente exonérée de TVA a un taux de TVA de 0 %."]
    }
    assert Product.objects.count() == before


def test_co4_structure_settings_set_the_franchise(club, client_for):
    """Ma structure > Identité: "Régime de TVA", saved on the structure; the next invoice
    is issued in franchise."""
    from tenants.models import Structure

    client = client_for(club.structure, club.owner)
    page = client.get("/manager/structure/identite/")
    assert "Régime de TVA" in page.content.decode()
    response = client.post(
        "/manager/structure/identite/",
        {
            "name": "Club Nautique",
            "siret": SELLER["siret"],
            "vat_number": "",
            "vat_exemption": "franchise",
        },
    )
    assert response.status_code == 302
    structure = Structure.objects.get(pk=club.structure.pk)
    assert structure.vat_exemption == "franchise"
    bill = invoice_of(_with(club, structure), [LineRequest(product=club.shirt)])
    assert bill.vat == [{"rate": "0.00", "base": "20.00", "vat": "0.00", "total": "20.00"}]
    assert FRANCHISE in text_of(document_pdf(bill))


def _with(shop, structure):
    shop.structure = structure
    return shop


def test_co4_business_customer_is_on_the_invoice_and_in_factur_x(club, schematron):
    """A customer buying for a company: its name, SIREN and VAT number are frozen on the
    invoice, printed, and in the XML (BT-47, BT-48)."""
    from ponton.customers.forms import CustomerForm
    from ponton.customers.services import customer_create

    refused = CustomerForm(data={"first_name": "Yann", "last_name": "K", "company_siren": "1234"})
    assert not refused.is_valid()
    assert refused.errors["company_siren"] == ["Un SIREN compte 9 chiffres."]
    form = CustomerForm(
        data={
            "first_name": "Yann",
            "last_name": "Kerguelen",
            "company_name": "Voiles de l'Ouest",
            "company_siren": "732 829 320",
            "company_vat_number": "FR 44 732829320",
        }
    )
    assert form.is_valid(), form.errors
    company = customer_create(**form.cleaned_data)
    bill = invoice_of(club, [LineRequest(product=club.shirt)], payer=company)
    assert bill.customer["company"] == "Voiles de l'Ouest"
    assert (bill.customer["siren"], bill.customer["vat_number"]) == ("732829320", "FR44732829320")
    text = text_of(document_pdf(bill))
    assert "Voiles de l'Ouest" in text and "SIREN : 732829320" in text
    root = check_en16931_sums(valid_xml(bill, schematron))
    buyer = "//ram:BuyerTradeParty/"
    assert root.xpath(f"string({buyer}ram:Name)", namespaces=NS) == "Voiles de l'Ouest"
    assert root.xpath(f"string({buyer}ram:SpecifiedLegalOrganization/ram:ID)", namespaces=NS) == (
        "732829320"
    )
    assert root.xpath(f"string({buyer}ram:SpecifiedTaxRegistration/ram:ID)", namespaces=NS) == (
        "FR44732829320"
    )
