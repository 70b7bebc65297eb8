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

CO-4: a line with an exemption reason (`ponton.catalogue.vat`) is in VAT category E at 0 %;
the header VAT breakdown of category E carries the reason's VATEX code (BT-121) and its legal
mention (BT-120). EN 16931 allows one breakdown of category E per invoice (BR-E-01): when one
document mixes reasons, that breakdown carries the code of the largest exempt amount and every
mention (docs/adr/0017-vat-exemptions.md).
The XML is checked against the Factur-X EN 16931 XSD by `factur-x` before embedding."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from lxml import etree

from ponton.billing.models import Document
from ponton.billing.money import ZERO, cents
from ponton.catalogue import vat as exemptions
from ponton.catalogue.models import Product

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
NSMAP = {"rsm": RSM, "ram": RAM, "udt": UDT, "qdt": QDT}
EN16931 = "urn:cen.eu:en16931:2017"

TYPE_CODES: dict[str, str] = {Document.Kind.INVOICE: "380", Document.Kind.CREDIT_NOTE: "381"}
FRANCHISE = exemptions.RULES[exemptions.VatExemption.FRANCHISE].mention
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
    exemption: str = ""  # the exemption key as stated (`line_exemption`), "" when taxed


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


def line_exemption(*, rate: Decimal, exemption: str, seller: dict) -> str:
    """The exemption a line states: its own reason; else, for a 0 % line of a seller without
    a VAT number (documents issued before CO-4 had no reason), the franchise en base."""
    if exemption:
        return exemption
    if Decimal(rate) == 0 and not seller.get("vat_number"):
        return exemptions.VatExemption.FRANCHISE
    return ""


def vat_category(*, rate: Decimal, seller: dict, exemption: str = "") -> str:
    """S standard; E exempt (a reason, or the franchise of a seller without VAT number);
    Z zero rated (0 % without a reason, VAT-registered seller)."""
    if line_exemption(rate=rate, exemption=exemption, seller=seller):
        return "E"
    return "S" if Decimal(rate) > 0 else "Z"


def exemption_mentions(document: Document) -> list[str]:
    """The legal mentions a document prints: once per distinct reason of its lines."""
    return exemptions.mentions(
        line_exemption(rate=line.vat_rate, exemption=line.vat_exemption, seller=document.seller)
        for line in document.lines.all()
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
            exemption=line_exemption(
                rate=line.vat_rate, exemption=line.vat_exemption, seller=document.seller
            ),
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


@dataclass(frozen=True)
class Breakdown:
    """One header VAT breakdown (BG-23)."""

    category: str
    rate: Decimal
    base: Decimal
    vat: Decimal
    reason: str = ""  # BT-120
    reason_code: str = ""  # BT-121


def vat_breakdowns(document: Document, lines: list[NetLine]) -> list[Breakdown]:
    """The document's VAT per rate (`Document.vat`), its 0 % row split by category: Z for
    zero-rated lines, E for exempt lines (one E breakdown, BR-E-01), by rate."""
    result = []
    for row in document.vat:
        rate = Decimal(row["rate"])
        if rate > 0:
            result.append(Breakdown("S", rate, Decimal(row["base"]), Decimal(row["vat"])))
            continue
        zero = [line for line in lines if line.vat_rate == 0 and not line.exemption]
        if zero:
            result.append(Breakdown("Z", rate, sum((line.net for line in zero), ZERO), ZERO))
        exempt = [line for line in lines if line.vat_rate == 0 and line.exemption]
        if exempt:
            amounts: dict[str, Decimal] = {}
            for line in exempt:
                amounts[line.exemption] = amounts.get(line.exemption, ZERO) + line.net
            main = max(amounts, key=lambda code: (amounts[code], -list(amounts).index(code)))
            rule = exemptions.RULES[main]
            result.append(
                Breakdown(
                    "E",
                    rate,
                    sum(amounts.values(), ZERO),
                    ZERO,
                    reason=" ; ".join(exemptions.mentions(amounts)),
                    reason_code=rule.vatex,
                )
            )
    return result


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
    _sub(party, "ram:Name", customer.get("company") or customer.get("name") or "Client")
    if customer.get("siren"):  # a business customer (BT-47)
        organization = _sub(party, "ram:SpecifiedLegalOrganization")
        _sub(organization, "ram:ID", customer["siren"], schemeID="0002")
    _address(party, customer.get("address") or [])
    if customer.get("email"):
        uri = _sub(party, "ram:URIUniversalCommunication")
        _sub(uri, "ram:URIID", customer["email"], schemeID="EM")
    if customer.get("vat_number"):  # BT-48
        registration = _sub(party, "ram:SpecifiedTaxRegistration")
        _sub(registration, "ram:ID", customer["vat_number"], schemeID="VA")


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
    category = vat_category(rate=line.vat_rate, seller=seller, exemption=line.exemption)
    _sub(tax, "ram:CategoryCode", category)
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
    for breakdown in vat_breakdowns(document, lines):
        tax = _sub(settlement, "ram:ApplicableTradeTax")
        _sub(tax, "ram:CalculatedAmount", _amount(breakdown.vat))
        _sub(tax, "ram:TypeCode", "VAT")
        if breakdown.reason:
            _sub(tax, "ram:ExemptionReason", breakdown.reason)
        _sub(tax, "ram:BasisAmount", _amount(breakdown.base))
        _sub(tax, "ram:CategoryCode", breakdown.category)
        if breakdown.reason_code:
            _sub(tax, "ram:ExemptionReasonCode", breakdown.reason_code)
        _sub(tax, "ram:RateApplicablePercent", _rate(breakdown.rate))
        tax_total += breakdown.vat
        base_total += breakdown.base
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
