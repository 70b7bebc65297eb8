"""CO-1 in a real browser, the seed's flow: a cheque payment recorded on an invoice ("Ajouter un
paiement", chèque bancaire), then "Compta" > "Chèques", a "période d'encaissement", the
cheque selected, "Enregistrer": the cheque is gone from the list, and the deposit slip (PDF)
names the cheque and the total.

CO-1 Cheques: pending cheques; deposit: choose a period, select cheques, save a deposit slip
(bordereau) that can be printed; deposited cheques leave the pending list."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context
from pypdf import PdfReader

from ponton.billing.services import invoice_issue
from ponton.compta.models.deposits import ChequeDeposit
from ponton.compta.selectors.deposits import cheques_pending
from ponton.sales.services import LineRequest, order_create
from tests.e2e.manager_pages import log_in, open_order
from tests.platform.compta.conftest import BANK, invoice_for, pay_by_cheque
from tests.support.sales import STAFF, make_shop

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _order_to_pay(structure):
    """An order of one "Stage catamaran" seat (Adulte, 180 €), invoiced, nothing paid; and an
    older cheque, received 40 days ago, of another invoice."""
    shop = make_shop(capacity=10)
    shop.structure = structure
    order = order_create(
        payer=shop.payer,
        lines=[
            LineRequest(
                product=shop.activity,
                session=shop.session,
                rate=shop.adult,
                consumer=shop.child_customer,
            )
        ],
        actor=STAFF,
    )
    invoice = invoice_issue(
        structure=structure,
        order=order,
        line_ids=list(order.lines.values_list("pk", flat=True)),
        actor=STAFF,
    )
    older = pay_by_cheque(
        invoice_for(shop, price="45.00"),
        "45.00",
        number="0000777",
        received_on=timezone.localdate() - dt.timedelta(days=40),
    )
    return order, invoice, older


FETCH = """async (url) => {
  const response = await fetch(url, {credentials: "same-origin"});
  const body = new Uint8Array(await response.arrayBuffer());
  return {status: response.status, type: response.headers.get("content-type"),
          body: Array.from(body)};
}"""


def _text(content: bytes) -> str:
    pages = PdfReader(io.BytesIO(content)).pages
    return " ".join(" ".join(p.extract_text() for p in pages).replace("\u00a0", " ").split())


def test_co1_cheque_deposit_from_the_seeds_flow(make_structure, site, new_page):
    structure, owner = make_structure(name="Club Nautique", **BANK)
    with schema_context(structure.schema_name):
        order, invoice, older = _order_to_pay(structure)
    today = timezone.localdate()
    page = new_page()
    log_in(page, site, structure, owner)

    # "rendez-vous sur la commande souhaitée, puis cliquez sur la facture à régler",
    # "Ajouter un paiement", chèque bancaire, "ok".
    open_order(page, order.number)
    page.locator("[data-box=documents]").get_by_role("link", name=invoice.number).click()
    page.get_by_role("link", name="Ajouter un paiement").click()
    page.get_by_label("Mode de paiement").select_option(label="Chèque")
    page.get_by_label("Montant (€)").fill("180.00")
    page.get_by_label("Banque").fill("Crédit Maritime")
    page.get_by_label("Numéro du chèque").fill("0001234")
    page.get_by_label("Émetteur").fill("Claire Le Goff")
    page.get_by_role("button", name="Ok").click()
    page.get_by_text("Paiement de 180,00 € (Chèque) enregistré.").wait_for()

    # "cliquez sur « Compta » puis « Chèques »".
    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Compta", exact=True
    ).click()
    page.get_by_role("main").get_by_role("link", name=re.compile(r"^Chèques\b")).click()
    page.get_by_role("heading", name="Chèques à remettre en banque").wait_for()
    assert page.get_by_label("0000777").is_visible()  # the older cheque, before the period

    # "Indiquez une période d'encaissement, puis sélectionnez le chèque souhaité".
    page.get_by_label("Du").fill((today - dt.timedelta(days=7)).isoformat())
    page.get_by_label("Au").fill(today.isoformat())
    page.get_by_role("button", name="Afficher").click()
    page.get_by_label("0001234").wait_for()
    assert page.get_by_label("0000777").count() == 0
    row = page.locator("tr", has=page.get_by_label("0001234")).inner_text()
    assert "Crédit Maritime" in row and "180,00 €" in row and invoice.number in row
    assert "Claire Le Goff" in row
    page.get_by_label("0001234").check()
    selection = page.locator("[data-selection-total]")
    assert selection.inner_text().replace("\u00a0", " ") == "180,00 €"
    assert page.get_by_label("Compte bancaire").input_value() != ""
    assert page.get_by_label("Date de remise").input_value() == today.isoformat()

    # "cliquez sur « enregistrer »".
    page.get_by_role("button", name="Enregistrer").click()
    year = today.year
    page.get_by_text(f"Remise RC{year}-0001 enregistrée : 1 chèque(s), 180,00 €.").wait_for()

    # "le chèque remis en banque n'est plus dans la liste".
    assert page.get_by_label("0001234").count() == 0
    assert "Aucun chèque à remettre en banque sur cette période." in page.inner_text("main")

    # The slip: printable PDF naming the cheque and the total.
    link = page.get_by_role("link", name="Télécharger le bordereau (PDF)")
    fetched = page.evaluate(FETCH, link.get_attribute("href"))  # as the browser gets it
    assert (fetched["status"], fetched["type"]) == (200, "application/pdf")
    slip = _text(bytes(fetched["body"]))
    assert f"Bordereau de remise de chèques RC{year}-0001" in slip
    assert "Crédit Maritime 0001234 Claire Le Goff 180,00 €" in slip
    assert "Total : 1 chèque 180,00 €" in slip
    assert "IBAN : FR76 3000 6000 0112 3456 7890 189" in slip

    # The deposit's page; "Afficher" again: the cheque is still gone; the invoice's page says
    # where the cheque went.
    page.get_by_role("link", name="Voir la remise").click()
    page.get_by_role("heading", name=re.compile(f"Remise de chèques RC{year}-0001")).wait_for()
    page.get_by_role("link", name="Chèques à remettre").click()
    page.get_by_label("Du").fill((today - dt.timedelta(days=7)).isoformat())
    page.get_by_role("button", name="Afficher").click()
    page.get_by_text("Aucun chèque à remettre en banque sur cette période.").wait_for()
    assert page.get_by_label("0001234").count() == 0
    page.goto(site.url(structure, f"/manager/factures/{invoice.pk}/"))
    day = today.strftime("%d/%m/%Y")
    page.get_by_text(f"Remis en banque le {day} (RC{year}-0001)").wait_for()

    with schema_context(structure.schema_name):
        deposit = ChequeDeposit.objects.get()
        assert (deposit.number, deposit.total, deposit.cheque_count) == (
            f"RC{year}-0001",
            Decimal("180.00"),
            1,
        )
        (line,) = deposit.lines.select_related("payment")
        assert (line.payment.cheque_number, line.payment.document_id) == ("0001234", invoice.pk)
        assert [c.pk for c in cheques_pending().cheques] == [older.pk]
