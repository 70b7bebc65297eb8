"""The actions that tie the pages together: "Demande de C & P" and "Demande active" on the
document page (OR-9), a receipt turned into an invoice (OR-7), "Ajout panier" on a session
(OR-1), "Relancer Click and Pay" from the participants list (PL-4, OR-9)."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from ponton.accounts.models import Role
from ponton.billing import services as billing
from ponton.billing.models import Document
from ponton.payments.models import PaymentRequest
from ponton.sales import services as sales
from ponton.sales.services import LineRequest
from tests.support.sales import STAFF, make_shop, text


@pytest.fixture
def shop(structure_a):
    structure, owner = structure_a
    with schema_context(structure.schema_name):
        shop = make_shop()
        shop.order = sales.order_create(
            payer=shop.payer,
            lines=[
                LineRequest(
                    product=shop.activity,
                    session=shop.session,
                    rate=shop.adult,
                    consumer=shop.child_customer,
                ),
                LineRequest(product=shop.shirt),
            ],
            actor=STAFF,
        )
    shop.structure, shop.owner = structure, owner
    return shop


def issue(shop, kind="invoice"):
    with schema_context(shop.structure.schema_name):
        lines = list(shop.order.lines.values_list("pk", flat=True))
        if kind == "receipt":
            return billing.receipt_issue(
                structure=shop.structure, order=shop.order, line_ids=lines, actor=STAFF
            )
        return billing.invoice_issue(
            structure=shop.structure, order=shop.order, line_ids=lines, actor=STAFF
        )


def test_click_and_pay_from_the_document_page(shop, client_for):
    """OR-9: an invoice with something due offers "Demande de C & P par mail"; once sent the
    page shows "Demande active" with a reminder link and no second request button."""
    invoice = issue(shop)
    client = client_for(shop.structure, shop.owner)
    url = f"/manager/factures/{invoice.pk}/"
    page = text(client.get(url))
    assert "Demande de C & P par mail" in page and "Demande active" not in page
    response = client.post(
        f"/manager/paiements/demande/{invoice.pk}/", {"channel": "email", "next": url}
    )
    assert response.status_code == 302 and response["Location"] == url
    page = text(client.get(url))
    assert "Demande active" in page and "envoyée à claire@exemple.fr (200,00 €)" in page
    assert "Relancer Click and Pay" in page and "Demande de C & P par mail" not in page
    with schema_context(shop.structure.schema_name):
        assert PaymentRequest.objects.filter(document=invoice).count() == 1


def test_receipt_becomes_an_invoice_from_its_page(shop, client_for):
    """OR-7: a purchase receipt's page offers "Transformer en facture"; afterwards it links to
    the invoice issued on request."""
    receipt = issue(shop, kind="receipt")
    client = client_for(shop.structure, shop.owner)
    url = f"/manager/factures/{receipt.pk}/"
    assert "Transformer en facture" in text(client.get(url))
    response = client.post(f"/manager/factures/{receipt.pk}/facture/", {"next": url})
    assert response.status_code == 302
    page = text(client.get(url))
    with schema_context(shop.structure.schema_name):
        invoice = Document.objects.get(kind=Document.Kind.INVOICE)
    assert f"Facture émise sur demande : {invoice.number}" in page
    assert "Transformer en facture" not in page


def test_session_page_sells_and_participants_page_reminds(shop, client_for, make_member):
    """OR-1: "Ajout panier" on a session for those who sell; PL-4 + OR-9: the ticked
    participants go to "Relancer Click and Pay" with their order lines."""
    issue(shop)
    owner = client_for(shop.structure, shop.owner)
    session_url = f"/manager/planning/seances/{shop.session.pk}/"
    assert f"/manager/commandes/panier/seance/{shop.session.pk}/" in text(owner.get(session_url))
    accountant = make_member(shop.structure, role=Role.ACCOUNTANT)
    viewer = client_for(shop.structure, accountant)
    participants = text(owner.get(session_url + "participants/"))
    assert "Relancer Click and Pay" in participants
    with schema_context(shop.structure.schema_name):
        line = shop.order.lines.get(session=shop.session)
    remind = owner.post("/manager/paiements/relance/", {"selected": [line.pk]})
    assert remind.status_code == 200
    assert "Rappel : votre paiement en attente" in text(remind)
    response = owner.post(
        "/manager/paiements/relance/",
        {"line": [line.pk], "subject": "Stage de samedi", "body": "Merci de régler le stage."},
    )
    assert response.status_code == 302
    with schema_context(shop.structure.schema_name):
        assert PaymentRequest.objects.count() == 1
    assert viewer.get(session_url).status_code in (200, 403)


def test_product_page_sells_and_opens_its_planning(shop, client_for, make_member):
    """OR-1 "Vendre" from the catalogue; PL-3 an activity's dedicated planning from its page.
    An accountant does not open the offer at all."""
    owner = client_for(shop.structure, shop.owner)
    page = text(owner.get(f"/manager/offre/{shop.activity.pk}/"))
    assert f"/manager/commandes/panier/produit/{shop.activity.pk}/" in page
    assert f"/manager/planning/activite/{shop.activity.pk}/" in page
    sold = owner.get(f"/manager/commandes/panier/produit/{shop.activity.pk}/")
    assert sold.status_code == 302 and f"activite={shop.activity.pk}" in sold["Location"]
    accountant = client_for(shop.structure, make_member(shop.structure, role=Role.ACCOUNTANT))
    assert accountant.get(f"/manager/offre/{shop.shirt.pk}/").status_code == 403
