"""CO-1 Compta > Chèques in the Club Manager: who may open it, the period and its bad input,
"Enregistrer", the deposit page and its cancellation, the slip PDF, the bank accounts, and the
deposit shown on the document page."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from ponton.accounts.models import Role
from ponton.compta.models.deposits import BankAccount, ChequeDeposit, ChequeDepositLine
from ponton.compta.services.deposits import bank_account_ensure_default
from ponton.sales.models import OrderEvent
from tests.platform.compta.conftest import invoice_for, pay_by_cheque, refund
from tests.support.sales import text as page_text

pytestmark = pytest.mark.django_db

URL = "/manager/compta/cheques/"
SAVE = "/manager/compta/cheques/remise/"


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def text(response) -> str:
    """The page's text, its no-break spaces (money's thousands) as plain spaces."""
    return page_text(response).replace("\u00a0", " ")


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(
        " ".join(page.extract_text() for page in reader.pages).replace("\u00a0", " ").split()
    )


@pytest.fixture
def cheques(shop):
    """Two invoices paid by three cheques, received 10, 5 and 1 days ago."""
    bank_account_ensure_default(structure=shop.structure)
    first = invoice_for(shop, price="1234.50")
    second = invoice_for(shop, price="80.00")
    return [
        pay_by_cheque(first, "1234.50", number="0001234", received_on=days_ago(10)),
        pay_by_cheque(
            second, "50.00", number="0005678", bank="Banque Postale", received_on=days_ago(5)
        ),
        pay_by_cheque(second, "30.00", number="0009999", issuer="Louis", received_on=days_ago(1)),
    ]


@pytest.fixture
def client(shop, client_for):
    return client_for(shop.structure, shop.owner)


def counts() -> tuple[int, int, int]:
    return (
        ChequeDeposit.objects.count(),
        ChequeDepositLine.objects.count(),
        OrderEvent.objects.filter(action__startswith="cheque_").count(),
    )


def account_id() -> int:
    return BankAccount.objects.get(is_default=True).pk


def save(client, cheques, *, day=None, **extra):
    data = {
        "cheque": [str(c.pk) for c in cheques],
        "bank_account": str(account_id()),
        "deposited_on": (day or timezone.localdate()).isoformat(),
        **extra,
    }
    return client.post(SAVE, data)


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.ACCOUNTANT, 200),
        (Role.ADMIN, 200),
        (Role.CASHIER, 403),
        (Role.STAFF, 403),
    ],
)
def test_co1_cheques_pages_need_compta_view(shop, cheques, make_member, client_for, role, status):
    """CO-1: the accountant (and owner, admin) may open Compta > Chèques; the cashier and the
    team may not, nor save or cancel a deposit."""
    user = make_member(shop.structure, role=role)
    client = client_for(shop.structure, user)
    for url in (URL, "/manager/compta/cheques/remises/", "/manager/compta/comptes-bancaires/"):
        assert client.get(url).status_code == status, url
    if status == 403:
        assert save(client, cheques[:1]).status_code == 403
        assert counts() == (0, 0, 0)


def test_co1_the_compta_section_links_to_the_cheques(client):
    page = text(client.get("/manager/section/compta/"))
    assert 'href="/manager/compta/cheques/"' in page
    assert "Les chèques reçus à remettre en banque" in page


def test_co1_pending_list_columns_and_period(client, cheques):
    """CO-1: bank, number, issuer, amount, date received, invoice (link), customer; the
    period keeps the cheques received between its two days."""
    page = text(client.get(URL))
    for cheque in cheques:
        assert f'name="cheque" value="{cheque.pk}"' in page
    row = page[page.index(f'data-row="cheque-{cheques[0].pk}"') :]
    row = row[: row.index("</tr>")]
    assert "0001234" in row and "Crédit Maritime" in row and "Claire Le Goff" in row
    assert "1 234,50 €" in row and days_ago(10).strftime("%d/%m/%Y") in row
    assert f'href="/manager/factures/{cheques[0].document_id}/"' in row
    assert cheques[0].document.number in row
    assert "3 chèques à remettre" in page and "1 314,50 €" in page
    page = text(client.get(URL, {"start": days_ago(6).isoformat(), "end": days_ago(2).isoformat()}))
    assert f'name="cheque" value="{cheques[1].pk}"' in page
    assert (
        f'name="cheque" value="{cheques[0].pk}"' not in page
        and f'name="cheque" value="{cheques[2].pk}"' not in page
    )


def test_co1_inverted_or_absurd_period_and_empty_period(client, cheques):
    """CO-1, bad input: an inverted period, a date out of range: French message, 400, no
    cheque listed; a period with nothing says so."""
    response = client.get(URL, {"start": days_ago(1).isoformat(), "end": days_ago(5).isoformat()})
    page = text(response)
    assert response.status_code == 400
    assert "La date de fin de la période précède sa date de début : inversez-les." in page
    assert 'name="cheque"' not in page
    response = client.get(URL, {"start": "1850-01-01"})
    assert response.status_code == 400
    assert "Indiquez une date entre 2000 et 2099." in text(response)
    response = client.get(URL, {"start": "2001-01-01", "end": "2001-12-31"})
    assert response.status_code == 200
    assert "Aucun chèque à remettre en banque sur cette période." in text(response)


def test_co1_enregistrer_saves_the_deposit_and_the_cheques_leave_the_list(client, cheques):
    """CO-1, the seed's flow: period, select, "Enregistrer": the deposit is saved, back to the
    list of the same period where the deposited cheques no longer are, with the slip link."""
    start = days_ago(30).isoformat()
    response = save(client, cheques[:2], start=start)
    assert response.status_code == 302
    deposit = ChequeDeposit.objects.get()
    assert response["Location"] == f"{URL}?remise={deposit.pk}&start={start}"
    page = text(client.get(response["Location"]))
    year = timezone.localdate().year
    assert f"Remise RC{year}-0001 enregistrée : 2 chèque(s), 1 284,50 €." in page
    assert f'href="/manager/compta/cheques/remises/{deposit.pk}/bordereau.pdf"' in page
    assert (
        f'name="cheque" value="{cheques[0].pk}"' not in page
        and f'name="cheque" value="{cheques[1].pk}"' not in page
    )
    assert f'name="cheque" value="{cheques[2].pk}"' in page
    assert (deposit.cheque_count, str(deposit.total)) == (2, "1284.50")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"cheque": []}, "Sélectionnez au moins un chèque à remettre en banque."),
        ({"cheque": ["abc"]}, "La sélection de chèques n'est pas valide"),
        ({"bank_account": "999999"}, "Choisissez le compte bancaire de la remise."),
        ({"deposited_on": ""}, "Indiquez la date de la remise."),
        ({"deposited_on": "1850-01-01"}, "Indiquez une date entre 2000 et 2099."),
        ("before_receipt", "La date de remise précède la réception du chèque n° 0001234"),
        ("already", "est déjà dans la remise RC"),
    ],
)
def test_co1_refused_deposits_show_the_french_message_and_write_nothing(
    client, cheques, change, message
):
    """CO-1, bad input: the list again (400) with the message and the same cheques checked;
    nothing written."""
    if change == "already":
        assert save(client, cheques[:1]).status_code == 302
        change = {}
    elif change == "before_receipt":
        change = {"deposited_on": days_ago(11).isoformat()}
    before = counts()
    data = {
        "cheque": [str(cheques[0].pk), str(cheques[2].pk)],
        "bank_account": str(account_id()),
        "deposited_on": timezone.localdate().isoformat(),
        **change,
    }
    response = client.post(SAVE, data)
    page = text(response)
    assert response.status_code == 400
    assert message in page
    assert counts() == before
    if data["cheque"] == [str(cheques[0].pk), str(cheques[2].pk)] and before == (0, 0, 0):
        assert f'value="{cheques[2].pk}" data-amount="30.00" checked' in page


def test_co1_a_refunded_cheque_is_not_offered(client, cheques):
    """CO-1: a cheque given back (refund by cheque of its amount) is not in the list."""
    refund(cheques[2].document, "30.00")
    page = text(client.get(URL))
    assert f'name="cheque" value="{cheques[2].pk}"' not in page
    assert f'name="cheque" value="{cheques[1].pk}"' in page


def test_co1_deposit_list_page_history_and_cancel(client, cheques, shop):
    """CO-1: "Remises de chèques" lists the deposit (number, date, bank, count, total, state);
    its page shows the cheques and who saved it; "Annuler la remise" needs a reason, then
    marks it cancelled (who, why) and the cheques are pending again."""
    save(client, cheques[:2])
    deposit = ChequeDeposit.objects.get()
    page = text(client.get("/manager/compta/cheques/remises/"))
    row = page[page.index(f'data-row="deposit-{deposit.pk}"') :]
    row = row[: row.index("</tr>")]
    assert deposit.number in row and "Compte principal (0189)" in row
    assert ">2<" in row and "1 284,50 €" in row and "Remise" in row
    url = f"/manager/compta/cheques/remises/{deposit.pk}/"
    page = text(client.get(url))
    assert "0001234" in page and "0005678" in page and "Banque Postale" in page
    assert "FR76 3000 6000 0112 3456 7890 189" in page
    assert "Enregistrée le" in page and "par Alex Dupont." in page
    response = client.post(url + "annuler/", {"reason": ""})
    assert response.status_code == 400
    assert "Indiquez le motif de l'annulation." in text(response)
    assert ChequeDeposit.objects.get().cancelled_at is None
    response = client.post(url + "annuler/", {"reason": "Chèque oublié au club"})
    assert response.status_code == 302
    page = text(client.get(url))
    assert "Annulée le" in page and "par Alex Dupont : Chèque oublié au club" in page
    assert 'action="' + url + 'annuler/"' not in page
    page = text(client.get(URL))
    assert all(f'name="cheque" value="{c.pk}"' in page for c in cheques)
    response = client.post(url + "annuler/", {"reason": "encore"})
    assert response.status_code == 400
    assert f"La remise {deposit.number} est déjà annulée." in text(response)


def test_co1_slip_pdf_names_structure_account_cheques_count_and_total(client, cheques):
    """CO-1 bordereau: structure (name, address, SIRET), bank account (holder, IBAN, BIC),
    number and date, one line per cheque (bank, number, issuer, amount), count and total;
    a cancelled deposit's slip says ANNULÉE."""
    save(client, cheques)
    deposit = ChequeDeposit.objects.get()
    response = client.get(f"/manager/compta/cheques/remises/{deposit.pk}/bordereau.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert f'filename="bordereau-{deposit.number}.pdf"' in response["Content-Disposition"]
    content = pdf_text(response.content)
    for expected in (
        f"Bordereau de remise de chèques {deposit.number}",
        f"Date de remise : {timezone.localdate().strftime('%d/%m/%Y')}",
        "Association Club Nautique de Kerlouan",
        "1 quai des Voiles",
        "29890 Kerlouan",
        "SIRET : 12345678900011",
        "Club Nautique de Kerlouan",
        "IBAN : FR76 3000 6000 0112 3456 7890 189",
        "BIC : AGRIFRPP",
        "Crédit Maritime 0001234 Claire Le Goff 1 234,50 €",
        "Banque Postale 0005678 Claire Le Goff 50,00 €",
        "Crédit Maritime 0009999 Louis 30,00 €",
        "Total : 3 chèques 1 314,50 €",
    ):
        assert expected in content, expected
    assert "ANNULÉE" not in content
    client.post(
        f"/manager/compta/cheques/remises/{deposit.pk}/annuler/", {"reason": "Erreur de compte"}
    )
    content = pdf_text(
        client.get(f"/manager/compta/cheques/remises/{deposit.pk}/bordereau.pdf").content
    )
    assert "ANNULÉE le" in content and "Erreur de compte" in content


def test_co1_bank_accounts_page_adds_an_account_and_refuses_a_bad_iban(client, shop):
    url = "/manager/compta/comptes-bancaires/"
    page = text(client.get(url))
    assert "FR76 3000 6000 0112 3456 7890 189" in page and "Par défaut" in page
    response = client.post(
        url, {"label": "Livret", "iban": "FR00 1234", "accounting_code": "512100"}
    )
    assert response.status_code == 400
    assert "Cet IBAN n'est pas valide." in text(response)
    response = client.post(
        url,
        {
            "label": "Banque Postale",
            "holder": "Club",
            "iban": "FR14 2004 1010 0505 0001 3M02 606",
            "accounting_code": "512100",
        },
    )
    assert response.status_code == 302
    assert list(BankAccount.objects.order_by("pk").values_list("iban", "is_default")) == [
        ("FR7630006000011234567890189", True),
        ("FR1420041010050500013M02606", False),
    ]


def test_co1_document_page_shows_where_the_cheque_was_deposited(client, cheques):
    """CO-1: on the invoice's page, a deposited cheque says "Remis en banque le … (RC…)"."""
    document_url = f"/manager/factures/{cheques[0].document_id}/"
    assert "Remis en banque" not in text(client.get(document_url))
    save(client, cheques[:1])
    deposit = ChequeDeposit.objects.get()
    day = deposit.deposited_on.strftime("%d/%m/%Y")
    assert f"Remis en banque le {day} ({deposit.number})" in text(client.get(document_url))


def test_co1_an_unknown_deposit_is_not_found(client, cheques):
    save(client, cheques[:1])
    deposit_id = ChequeDeposit.objects.get().pk
    missing = f"/manager/compta/cheques/remises/{deposit_id + 1}/"
    assert client.get(missing).status_code == 404
    assert client.get(missing + "bordereau.pdf").status_code == 404
    assert client.post(missing + "annuler/", {"reason": "x"}).status_code == 404
