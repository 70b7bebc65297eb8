"""CO-3 FEC (LPF art. A47 A-1, BOI-CF-IOR-60-40-20): the file is downloaded from Compta >
Écritures comptables, parsed back and every rule checked; a structure without SIREN, an empty
period or a journal that cannot be built gives a French message and no file."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from ponton.accounts.models import Role
from ponton.billing import services
from ponton.billing.services import PaymentData
from ponton.compta.accounting.fec import FEC_COLUMNS, fec_amount, fec_text
from ponton.compta.models import AccountingSettings
from ponton.customers.services import customer_create
from ponton.sales import services as sales
from ponton.sales.services import LineRequest
from tests.support.sales import STAFF, make_shop, text

D = Decimal
NAMES = (
    "JournalCode|JournalLib|EcritureNum|EcritureDate|CompteNum|CompteLib|CompAuxNum|CompAuxLib|"
    "PieceRef|PieceDate|EcritureLib|Debit|Credit|EcritureLet|DateLet|ValidDate|Montantdevise|"
    "Idevise"
)


@pytest.fixture
def club(make_structure):
    structure, owner = make_structure(name="Club Nautique", siret="78467169500087")
    with schema_context(structure.schema_name):
        shop = make_shop()
        shop.structure = structure
        yield shop, owner


def free(label: str, amount: str, rate: str, code: str = "") -> LineRequest:
    return LineRequest(label=label, unit_price=D(amount), vat_rate=D(rate), accounting_code=code)


def sell(shop, payer, *lines):
    order = sales.order_create(payer=payer, lines=list(lines), actor=STAFF)
    ids = [line.pk for line in order.lines.all()]
    return services.invoice_issue(structure=shop.structure, order=order, line_ids=ids, actor=STAFF)


def pay(document, amount, method, kind="payment", **extra):
    return services.payment_record(
        document=document,
        data=PaymentData(kind=kind, method=method, amount=D(amount), **extra),
        actor=STAFF,
    )


def query(start: dt.date, end: dt.date) -> dict[str, str]:
    return {"start": start.isoformat(), "end": end.isoformat()}


def download(client, start, end):
    return client.get("/manager/compta/ecritures/fec/", query(start, end))


def amount(text: str) -> Decimal:
    return D(text.replace(",", "."))


def test_fec_file_follows_every_rule(club, client_for):
    """CO-3: 18 named columns in order, '|' as the one separator (17 per record), CR LF,
    dates AAAAMMJJ, decimal comma, ISO 8859-15 (an accented name round-trips, typographic
    signs made plain, a '|' in a name cannot break a record), no centralisation (one entry
    per document or payment), EcritureNum continuous 1..N in date order, debit = credit per
    entry, 411 lines with the customer's auxiliary account, <SIREN>FEC<closing date>.txt."""
    shop, owner = club
    helene = customer_create(first_name="Hélène", last_name="L’Œuvré|Bénéteau")
    first = sell(
        shop,
        helene,
        free("Stage été", "180.00", "20.00", "706100"),
        free("Livre", "8.00", "5.50", "707100"),
    )
    pay(
        first,
        "100.00",
        "cheque",
        cheque_bank="Crédit Maritime",
        cheque_number="77",
        cheque_issuer="Hélène",
    )
    pay(first, "88.00", "card")
    second = sell(shop, shop.payer, free("Location", "33.33", "20.00"))
    pay(second, "33.33", "cash")
    today = timezone.localdate()
    start = today.replace(day=1)
    end = today + dt.timedelta(days=30)
    response = download(client_for(shop.structure, owner), start, end)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=iso-8859-15"
    assert response["Content-Disposition"] == (
        f'attachment; filename="784671695FEC{end:%Y%m%d}.txt"'
    )
    raw = b"".join(response.streaming_content)
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # ISO 8859-15, not UTF-8
    content = raw.decode("iso-8859-15")
    assert "Hélène L'Œuvré Bénéteau" in content  # round trip; ’ made plain, | replaced
    assert content.endswith("\r\n") and "\n" not in content.replace("\r\n", "")
    header, *records = content.removesuffix("\r\n").split("\r\n")
    assert header == NAMES == "|".join(FEC_COLUMNS)
    assert all(record.count("|") == 17 for record in records)
    fields = [dict(zip(FEC_COLUMNS, record.split("|"), strict=True)) for record in records]
    assert len(fields) == 5 + 3 + 2 + 2 + 2  # VE entries of 5 and 3 lines, 3 payments of 2
    for row in fields:
        for name in ("EcritureDate", "PieceDate", "ValidDate"):
            assert re.fullmatch(r"\d{8}", row[name]), row
            dt.datetime.strptime(row[name], "%Y%m%d")  # noqa: DTZ007 - a date, no time zone
        for name in ("Debit", "Credit"):
            assert re.fullmatch(r"\d+,\d{2}", row[name]), row
        assert re.fullmatch(r"\d{3}[0-9A-Z]*", row["CompteNum"])
        assert row["CompteLib"] and row["JournalLib"] and row["EcritureLib"]
        assert (row["Montantdevise"], row["Idevise"]) == ("", "")
        assert (row["EcritureLet"], row["DateLet"]) == ("", "")
        if row["CompteNum"] == "411000":
            assert re.fullmatch(r"C\d{6}", row["CompAuxNum"]) and row["CompAuxLib"]
        else:
            assert (row["CompAuxNum"], row["CompAuxLib"]) == ("", "")
    numbers = [int(row["EcritureNum"]) for row in fields]
    assert sorted(set(numbers)) == list(range(1, 6))  # continuous, one per document/payment
    assert numbers == sorted(numbers)  # each entry's lines together, in order
    dates = [row["EcritureDate"] for row in fields]
    assert dates == sorted(dates)
    per_entry: dict[int, list[Decimal]] = defaultdict(lambda: [D(0), D(0)])
    for row in fields:
        per_entry[int(row["EcritureNum"])][0] += amount(row["Debit"])
        per_entry[int(row["EcritureNum"])][1] += amount(row["Credit"])
    assert all(debit == credit for debit, credit in per_entry.values())
    assert sum(debit for debit, _ in per_entry.values()) == D("188.00") + D("33.33") + D("221.33")
    journals = {row["JournalCode"] for row in fields}
    assert journals == {"VE", "CH", "CB", "CA"}
    sale = [row for row in fields if row["PieceRef"] == first.number and row["JournalCode"] == "VE"]
    assert [r["CompAuxLib"] for r in sale] == ["Hélène L'Œuvré Bénéteau", "", "", "", ""]
    assert [(r["CompteNum"], r["Debit"], r["Credit"]) for r in sale] == [
        ("411000", "188,00", "0,00"),
        ("706100", "0,00", "150,00"),
        ("445711", "0,00", "30,00"),
        ("707100", "0,00", "7,58"),
        ("445713", "0,00", "0,42"),
    ]
    assert sale[0]["EcritureDate"] == sale[0]["PieceDate"] == f"{today:%Y%m%d}"


def test_fec_zones_and_amounts_helpers():
    """CO-3: text zones lose separators and line ends; amounts have a decimal comma."""
    assert fec_text("Stage\t|été\r\n– 2026 “voile”") == 'Stage été - 2026 "voile"'
    assert fec_amount(D("1234.5")) == "1234,50"
    assert fec_amount(D("0")) == "0,00"


def test_fec_without_siren_empty_period_and_failing_journal(make_structure, client_for):
    """CO-3 bad input: no SIREN, a period with nothing, a document that cannot be posted:
    French messages on the entries page, no file."""
    structure, owner = make_structure(name="Club sans SIRET")
    client = client_for(structure, owner)
    today = timezone.localdate()
    response = download(client, today, today)
    assert response.status_code == 302
    page = text(client.get(response["Location"]))
    assert (
        "Le FEC porte le SIREN de la structure, qui n'est pas renseigné : indiquez votre numéro "
        "SIRET dans Paramètres > Ma structure, puis recommencez." in page
    )
    with schema_context(structure.schema_name):
        shop = make_shop()
        shop.structure = structure
    structure.siret = "78467169500087"
    structure.save(update_fields=["siret"])
    response = download(client, dt.date(2025, 1, 1), dt.date(2025, 1, 31))
    page = text(client.get(response["Location"]))
    assert "Aucune écriture du 01/01/2025 au 31/01/2025 : il n'y a rien à exporter." in page
    with schema_context(structure.schema_name):
        invoice = sell(shop, shop.payer, free("Stage", "50.00", "20.00"))
        AccountingSettings.objects.update_or_create(singleton=True, defaults={"sales_account": ""})
    response = download(client, today, today)
    assert response.status_code == 302
    page = text(client.get(response["Location"]))
    assert (
        f"La facture {invoice.number} (ligne « Stage ») n'a pas de compte de produit : "
        "renseignez le code comptable du produit ou le compte de ventes par défaut." in page
    )


def test_fec_is_for_those_who_keep_the_books(club, client_for, make_member):
    """CO-3: the accountant downloads the FEC; the cashier gets 403."""
    shop, _owner = club
    today = timezone.localdate()
    sell(shop, shop.payer, free("Stage", "50.00", "20.00"))
    accountant = make_member(shop.structure, Role.ACCOUNTANT)
    cashier = make_member(shop.structure, Role.CASHIER)
    assert download(client_for(shop.structure, accountant), today, today).status_code == 200
    assert download(client_for(shop.structure, cashier), today, today).status_code == 403
