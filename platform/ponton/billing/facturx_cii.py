"""Factur-X (EN 16931) CII XML of an invoice or a credit note (OR-7).

`cii_xml(document)` is a pure function of the issued document: its frozen seller and
customer snapshots, its lines and its VAT per rate. It never reads the live structure, so
the XML of a document is the same whenever it is rendered.

Our prices are tax-included (French B2C) while EN 16931 is written tax-excluded. The
document's VAT per rate (`Document.vat`, see `ponton.billing.money`) is the reference: the
net (HT) amount of each line is its TTC total divided by 1 + rate, rounded to the cent, and
the rounding difference of a rate is put on that rate's largest line, so the line net
amounts of a rate add up exactly to the rate's taxable base (BR-S-08), the bases and VAT
add up to the document total (BR-CO-13, BR-CO-15), and nothing is rounded twice.

A credit note is type 381 and cites the invoice it corrects (BG-3); an invoice is 380.
The XML is checked against the Factur-X EN 16931 XSD by `factur-x` before embedding."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from lxml import etree

from ponton.billing.models import Document
from ponton.billing.money import ZERO, cents
from ponton.catalogue.models import Product

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
NSMAP = {"rsm": RSM, "ram": RAM, "udt": UDT, "qdt": QDT}
EN16931 = "urn:cen.eu:en16931:2017"

TYPE_CODES: dict[str, str] = {Document.Kind.INVOICE: "380", Document.Kind.CREDIT_NOTE: "381"}
FRANCHISE = "TVA non applicable, art. 293 B du CGI"
PAYMENT_TERMS = "Payable à réception"
NO_DISCOUNT = "Pas d'escompte pour paiement anticipé."
LATE_PENALTIES = (
    "Clients professionnels : en cas de retard de paiement, pénalités au taux de trois fois "
    "le taux d'intérêt légal (art. L441-10 du Code de commerce). Clients particuliers : "
    "intérêts au taux légal (art. 1231-6 du Code civil)."
)
RECOVERY_FEE = (
    "Clients professionnels : indemnité forfaitaire pour frais de recouvrement de 40 € "
    "(art. L441-10 et D441-5 du Code de commerce)."
)
_POSTAL = re.compile(r"^(\d{5})\s+(.+)$")


@dataclass(frozen=True)
class NetLine:
    position: int
    label: str
    quantity: int
    vat_rate: Decimal
    total: Decimal  # TTC
    net: Decimal  # HT, the line net amount (BT-131)


def _sold_product_kind(line) -> str | None:
    order_line = line.order_line
    if order_line is None or order_line.product is None:
        return None
    return order_line.product.kind


def operation_kind(document: Document) -> str:
    """ "goods", "services" or "mixed": shop items are goods; activities, tickets,
    memberships and free lines are services (mention of the French e-invoicing reform)."""
    kinds = {
        "goods" if _sold_product_kind(line) == Product.Kind.SHOP_ITEM else "services"
        for line in document.lines.select_related("order_line__product")
    }
    return kinds.pop() if len(kinds) == 1 else "mixed"


# BT-23 business process, French CTC values: invoice of goods, services or both.
BUSINESS_PROCESS = {"goods": "B1", "services": "S1", "mixed": "M1"}


def vat_category(*, rate: Decimal, seller: dict) -> str:
    """S standard; 0 %: Z (zero rated) for a VAT-registered seller, E (exempt, franchise
    en base of art. 293 B du CGI) for a seller without a VAT number."""
    if rate > 0:
        return "S"
    return "Z" if seller.get("vat_number") else "E"


def vat_franchise(document: Document) -> bool:
    """The seller has no VAT number and charges no VAT: "TVA non applicable, art. 293 B"."""
    return not document.seller.get("vat_number") and all(
        Decimal(v["rate"]) == 0 for v in document.vat
    )


def net_lines(document: Document) -> list[NetLine]:
    """Lines with their HT amount, adding up per rate to the document's bases."""
    lines = [
        NetLine(
            position=line.position,
            label=line.label,
            quantity=line.quantity,
            vat_rate=line.vat_rate,
            total=line.total,
            net=cents(line.total / (1 + line.vat_rate / 100)),
        )
        for line in document.lines.all()
    ]
    for vat in document.vat:
        rate = Decimal(vat["rate"])
        at_rate = [line for line in lines if line.vat_rate == rate]
        if not at_rate:
            continue
        gap = Decimal(vat["base"]) - sum((line.net for line in at_rate), ZERO)
        if gap:
            largest = max(at_rate, key=lambda line: (line.total, -line.position))
            index = lines.index(largest)
            lines[index] = NetLine(**{**largest.__dict__, "net": largest.net + gap})
    return lines


def split_address(lines: list[str]) -> dict[str, str]:
    """A snapshot address (["1 quai…", "", "29900 Concarneau"]) -> CII address parts."""
    parts = [line for line in lines if line]
    result = {}
    if parts and (match := _POSTAL.match(parts[-1])):
        result["postcode"], result["city"] = match.group(1), match.group(2)
        parts = parts[:-1]
    if parts:
        result["line_one"] = parts[0]
    if len(parts) > 1:
        result["line_two"] = ", ".join(parts[1:])
    return result


def _amount(value) -> str:
    return f"{Decimal(value):.2f}"


def _rate(value) -> str:
    return f"{Decimal(value).normalize():f}" if Decimal(value) else "0"


def _sub(parent, tag: str, text: str | None = None, **attrs):
    prefix, name = tag.split(":")
    element = etree.SubElement(parent, f"{{{NSMAP[prefix]}}}{name}", **attrs)
    if text is not None:
        element.text = text
    return element


def _date(parent, tag: str, day, *, qualified: bool = False) -> None:
    holder = _sub(parent, tag)
    _sub(
        holder,
        "qdt:DateTimeString" if qualified else "udt:DateTimeString",
        day.strftime("%Y%m%d"),
        format="102",
    )


def _address(party, lines: list[str], country: str = "FR") -> None:
    parts = split_address(lines)
    address = _sub(party, "ram:PostalTradeAddress")
    if "postcode" in parts:
        _sub(address, "ram:PostcodeCode", parts["postcode"])
    if "line_one" in parts:
        _sub(address, "ram:LineOne", parts["line_one"])
    if "line_two" in parts:
        _sub(address, "ram:LineTwo", parts["line_two"])
    if "city" in parts:
        _sub(address, "ram:CityName", parts["city"])
    _sub(address, "ram:CountryID", country)


def _seller(agreement, seller: dict) -> None:
    party = _sub(agreement, "ram:SellerTradeParty")
    _sub(party, "ram:Name", seller["name"])
    if seller.get("siren"):
        organization = _sub(party, "ram:SpecifiedLegalOrganization")
        _sub(organization, "ram:ID", seller["siren"], schemeID="0002")
        if seller.get("title") and seller["title"] != seller["name"]:
            _sub(organization, "ram:TradingBusinessName", seller["title"])
    if seller.get("email") or seller.get("phone"):
        contact = _sub(party, "ram:DefinedTradeContact")
        _sub(contact, "ram:PersonName", seller["name"])
        if seller.get("phone"):
            phone = _sub(contact, "ram:TelephoneUniversalCommunication")
            _sub(phone, "ram:CompleteNumber", seller["phone"])
        if seller.get("email"):
            email = _sub(contact, "ram:EmailURIUniversalCommunication")
            _sub(email, "ram:URIID", seller["email"])
    _address(party, seller.get("address") or [])
    if seller.get("email"):
        uri = _sub(party, "ram:URIUniversalCommunication")
        _sub(uri, "ram:URIID", seller["email"], schemeID="EM")
    if seller.get("vat_number"):
        registration = _sub(party, "ram:SpecifiedTaxRegistration")
        _sub(registration, "ram:ID", seller["vat_number"], schemeID="VA")
    elif seller.get("siren"):
        # Without a VAT number (BR-E-02, BR-S-02): the seller's local tax registration.
        registration = _sub(party, "ram:SpecifiedTaxRegistration")
        _sub(registration, "ram:ID", seller["siren"], schemeID="FC")


def _buyer(agreement, customer: dict) -> None:
    party = _sub(agreement, "ram:BuyerTradeParty")
    _sub(party, "ram:Name", customer.get("name") or "Client")
    _address(party, customer.get("address") or [])
    if customer.get("email"):
        uri = _sub(party, "ram:URIUniversalCommunication")
        _sub(uri, "ram:URIID", customer["email"], schemeID="EM")


def _line_item(transaction, line: NetLine, seller: dict) -> None:
    item = _sub(transaction, "ram:IncludedSupplyChainTradeLineItem")
    _sub(_sub(item, "ram:AssociatedDocumentLineDocument"), "ram:LineID", str(line.position))
    _sub(_sub(item, "ram:SpecifiedTradeProduct"), "ram:Name", line.label)
    agreement = _sub(item, "ram:SpecifiedLineTradeAgreement")
    price = _sub(agreement, "ram:NetPriceProductTradePrice")
    # The net price carries the line's discount; 4 decimals keep quantity x price close.
    unit = (line.net / line.quantity).quantize(Decimal("0.0001"))
    _sub(price, "ram:ChargeAmount", f"{unit:f}")
    _sub(
        _sub(item, "ram:SpecifiedLineTradeDelivery"),
        "ram:BilledQuantity",
        str(line.quantity),
        unitCode="C62",
    )
    settlement = _sub(item, "ram:SpecifiedLineTradeSettlement")
    tax = _sub(settlement, "ram:ApplicableTradeTax")
    _sub(tax, "ram:TypeCode", "VAT")
    _sub(tax, "ram:CategoryCode", vat_category(rate=line.vat_rate, seller=seller))
    _sub(tax, "ram:RateApplicablePercent", _rate(line.vat_rate))
    summation = _sub(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation")
    _sub(summation, "ram:LineTotalAmount", _amount(line.net))


def cii_xml(document: Document) -> bytes:
    """The EN 16931 CII XML of an issued invoice or credit note, as UTF-8 bytes."""
    if document.kind not in TYPE_CODES:
        raise ValueError("only invoices and credit notes are Factur-X")
    seller = document.seller
    issued_on = timezone.localdate(document.issued_at)
    root = etree.Element(f"{{{RSM}}}CrossIndustryInvoice", nsmap=NSMAP)
    context = _sub(root, "rsm:ExchangedDocumentContext")
    process = _sub(context, "ram:BusinessProcessSpecifiedDocumentContextParameter")
    _sub(process, "ram:ID", BUSINESS_PROCESS[operation_kind(document)])
    _sub(_sub(context, "ram:GuidelineSpecifiedDocumentContextParameter"), "ram:ID", EN16931)

    header = _sub(root, "rsm:ExchangedDocument")
    _sub(header, "ram:ID", document.number)
    _sub(header, "ram:TypeCode", TYPE_CODES[document.kind])
    _date(header, "ram:IssueDateTime", issued_on)
    for subject, content in (("AAB", NO_DISCOUNT), ("PMD", LATE_PENALTIES), ("PMT", RECOVERY_FEE)):
        note = _sub(header, "ram:IncludedNote")
        _sub(note, "ram:Content", content)
        _sub(note, "ram:SubjectCode", subject)

    transaction = _sub(root, "rsm:SupplyChainTradeTransaction")
    lines = net_lines(document)
    for line in lines:
        _line_item(transaction, line, seller)

    agreement = _sub(transaction, "ram:ApplicableHeaderTradeAgreement")
    _seller(agreement, seller)
    _buyer(agreement, document.customer)
    order_ref = _sub(agreement, "ram:SellerOrderReferencedDocument")
    _sub(order_ref, "ram:IssuerAssignedID", document.order.number)

    _sub(transaction, "ram:ApplicableHeaderTradeDelivery")

    settlement = _sub(transaction, "ram:ApplicableHeaderTradeSettlement")
    _sub(settlement, "ram:PaymentReference", document.number)
    _sub(settlement, "ram:InvoiceCurrencyCode", "EUR")
    tax_total = ZERO
    base_total = ZERO
    for vat in document.vat:
        rate = Decimal(vat["rate"])
        category = vat_category(rate=rate, seller=seller)
        tax = _sub(settlement, "ram:ApplicableTradeTax")
        _sub(tax, "ram:CalculatedAmount", _amount(vat["vat"]))
        _sub(tax, "ram:TypeCode", "VAT")
        if category == "E":
            _sub(tax, "ram:ExemptionReason", FRANCHISE)
        _sub(tax, "ram:BasisAmount", _amount(vat["base"]))
        _sub(tax, "ram:CategoryCode", category)
        _sub(tax, "ram:RateApplicablePercent", _rate(rate))
        tax_total += Decimal(vat["vat"])
        base_total += Decimal(vat["base"])
    terms = _sub(settlement, "ram:SpecifiedTradePaymentTerms")
    _sub(terms, "ram:Description", PAYMENT_TERMS)
    _date(terms, "ram:DueDateDateTime", document.due_on)
    summation = _sub(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    _sub(summation, "ram:LineTotalAmount", _amount(sum((line.net for line in lines), ZERO)))
    _sub(summation, "ram:TaxBasisTotalAmount", _amount(base_total))
    _sub(summation, "ram:TaxTotalAmount", _amount(tax_total), currencyID="EUR")
    _sub(summation, "ram:GrandTotalAmount", _amount(document.total))
    _sub(summation, "ram:DuePayableAmount", _amount(document.total))
    corrected = document.corrects
    if corrected is not None:
        reference = _sub(settlement, "ram:InvoiceReferencedDocument")
        _sub(reference, "ram:IssuerAssignedID", corrected.number)
        _date(
            reference,
            "ram:FormattedIssueDateTime",
            timezone.localdate(corrected.issued_at),
            qualified=True,
        )
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
