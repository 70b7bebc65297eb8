"""Club Manager pages of sales (OR-1 to OR-5): the basket (payer by suggestions or search,
sessions from the planning, products from the catalogue, consumer, custom fields, free line,
"Commander" / "Devis"), Gérer > Commandes and Devis, the order card ("Facturer/Payer" then
"Confirmer" and "Facturer"), "Annuler" and "Remplacer" with "Ajouter une promotion libre".
Each refusal shows the service's French message where it belongs and saves nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ponton.accounts.models import Role
from ponton.billing import services as billing
from ponton.billing.models import Document
from ponton.billing.services import PaymentData
from ponton.catalogue.models import CustomField
from ponton.planning.models import Session
from ponton.sales import services as sales
from ponton.sales.models import Order, OrderEvent, OrderLine
from ponton.sales.services import LineRequest
from tests.support.sales import STAFF, in_schema, text

pytestmark = pytest.mark.django_db

BASKET = "/manager/commandes/panier/"


def counts(shop) -> tuple[int, int, int, int]:
    """Orders, lines, documents, seats sold on the first session."""
    return in_schema(
        shop,
        lambda: (
            Order.objects.count(),
            OrderLine.objects.count(),
            Document.objects.count(),
            Session.objects.get(pk=shop.session.pk).sold,
        ),
    )


def choose_payer(client, shop):
    return client.post(BASKET + "payeur/", {"customer": shop.payer.pk})


def add_session(client, shop, *, rate=None, quantity=1, session=None):
    session = session or shop.session
    return client.post(
        f"{BASKET}seance/{session.pk}/",
        {"rate": (rate or shop.adult).pk, "quantity": quantity},
    )


def order_now(shop, *, with_shirt=True) -> Order:
    def make():
        lines = [
            LineRequest(
                product=shop.activity,
                session=shop.session,
                rate=shop.adult,
                consumer=shop.child_customer,
            )
        ]
        if with_shirt:
            lines.append(LineRequest(product=shop.shirt))
        return sales.order_create(payer=shop.payer, lines=lines, actor=STAFF)

    return in_schema(shop, make)


def invoice_all(shop, order):
    def make():
        ids = list(order.lines.filter(state="ordered").values_list("pk", flat=True))
        return billing.invoice_issue(
            structure=shop.structure, order=order, line_ids=ids, actor=STAFF
        )

    return in_schema(shop, make)


# Navigation ----------------------------------------------------------------------------------


def test_gerer_section_and_top_bar_link_to_orders_quotes_basket(client):
    """OR-1, OR-2: Gérer > Commandes, Devis, Panier; the basket is in the top bar too."""
    page = text(client.get("/manager/section/gerer/"))
    for url in ("/manager/commandes/", "/manager/commandes/devis/", BASKET):
        assert f'href="{url}"' in page
    assert "Panier" in text(client.get("/manager/"))


def test_a_role_without_sales_manage_is_refused(shop, make_member, client_for):
    """OR-1: the accountant (no "sales.manage") cannot open the basket nor an order."""
    order = order_now(shop)
    accountant = client_for(shop.structure, make_member(shop.structure, Role.ACCOUNTANT))
    assert accountant.get(BASKET).status_code == 403
    assert accountant.get(f"/manager/commandes/{order.pk}/").status_code == 403
    assert accountant.get("/manager/section/gerer/").status_code == 403


# OR-1 the basket ------------------------------------------------------------------------------


def test_payer_suggestions_as_you_type_then_chosen(client, shop):
    """OR-1: suggestions as staff type (htmx partial), each a button choosing the payer."""
    page = client.get(BASKET)
    assert 'hx-get="/manager/commandes/panier/clients/?pour=payer"' in text(page)
    response = client.get(BASKET + "clients/", {"q": "le goff", "pour": "payer"})
    suggestions = text(response)
    assert "Claire Le Goff · claire@exemple.fr" in suggestions
    assert "Louis Le Goff" in suggestions
    assert 'action="/manager/commandes/panier/payeur/"' in suggestions
    assert "Aucun client ne correspond." in text(
        client.get(BASKET + "clients/", {"q": "zzz", "pour": "payer"})
    )
    assert choose_payer(client, shop).status_code == 302
    assert f'data-payer="{shop.payer.pk}"' in text(client.get(BASKET))


def test_the_payers_family_offered_as_consumers(client, shop):
    """OR-1: once the payer is chosen, the payer and the people they pay for are one click
    away as the consumer of each line."""
    from ponton.customers.models import Customer

    in_schema(
        shop,
        lambda: Customer.objects.filter(pk=shop.child_customer.pk).update(payer=shop.payer),
    )
    add_session(client, shop)
    choose_payer(client, shop)
    line_card = text(client.get(BASKET)).split('data-line="1"')[1].split("</article>")[0]
    assert "Le payeur et sa famille" in line_card
    assert 'action="/manager/commandes/panier/lignes/1/consommateur/"' in line_card
    assert f'name="customer" value="{shop.child_customer.pk}"' in line_card
    assert f'name="customer" value="{shop.payer.pk}"' in line_card


def test_payer_search_with_the_loupe_without_javascript(client, shop):
    """OR-1: the "loupe" (a plain search form) lists the matching customers in the page."""
    page = text(client.get(BASKET, {"chercher": "payer", "q": "claire"}))
    assert "Claire Le Goff · claire@exemple.fr" in page
    assert "Louis Le Goff" not in page


def test_unknown_payer_refused(client, shop):
    response = client.post(BASKET + "payeur/", {"customer": "999999"})
    assert response.status_code == 400
    assert "Choisissez un client de la liste." in text(response)


def test_sale_from_the_planning_with_consumer_then_commander(client, shop):
    """OR-1: "Planning" lists the sessions with "Ajout panier"; the rate is chosen, the
    consumer required by the activity is asked, then "Commander" takes the seat."""
    planning = text(
        client.get(BASKET + "planning/", {"jour": f"{shop.session.starts_at:%Y-%m-%d}"})
    )
    assert f"/manager/commandes/panier/seance/{shop.session.pk}/" in planning
    assert "Ajout panier" in planning
    session_page = text(client.get(f"{BASKET}seance/{shop.session.pk}/"))
    assert "Enfant (150,00 €)" in session_page and "Valider" in session_page
    assert add_session(client, shop, rate=shop.child).status_code == 302
    choose_payer(client, shop)

    refused = client.post(BASKET + "valider/", {"action": "order"})
    assert refused.status_code == 400
    page = text(refused)
    assert "Choisissez le consommateur de « Stage catamaran »." in page
    # The message sits in the line's card, not at the top of the basket.
    line_card = page.split('data-line="1"')[1].split("</article>")[0]
    assert "Choisissez le consommateur" in line_card
    assert counts(shop) == (0, 0, 0, 0)

    client.post(f"{BASKET}lignes/1/consommateur/", {"customer": shop.child_customer.pk})
    response = client.post(BASKET + "valider/", {"action": "order"})
    order = in_schema(shop, lambda: Order.objects.get())
    assert response.status_code == 302 and response["Location"] == f"/manager/commandes/{order.pk}/"
    line = in_schema(shop, lambda: order.lines.get())
    assert (line.rate_name, line.unit_price, line.consumer_id, line.state) == (
        "Enfant",
        Decimal("150.00"),
        shop.child_customer.pk,
        "ordered",
    )
    assert counts(shop) == (1, 1, 0, 1)
    assert "Le panier est vide" in text(client.get(BASKET))


def test_same_consumer_twice_on_a_session_warned_and_ordered_only_when_confirmed(client, shop):
    """OR-1 (issue 11, bug 6): Lucas Tanguy already booked on the session (order 1): the basket
    line with him on the same session says "Lucas Tanguy est déjà inscrit à cette séance" with a
    link to that order; "Commander" is refused until staff tick the confirmation (nothing
    saved); ticked, the second booking is ordered. A cancelled booking, a quote or another
    session does not warn."""
    from ponton.customers.services import customer_create

    lucas = in_schema(shop, lambda: customer_create(first_name="Lucas", last_name="Tanguy"))

    def book(session, *, quote=False):
        return in_schema(
            shop,
            lambda: sales.order_create(
                payer=shop.payer,
                lines=[
                    LineRequest(
                        product=shop.activity, session=session, rate=shop.adult, consumer=lucas
                    )
                ],
                actor=STAFF,
                quote=quote,
            ),
        )

    first = book(shop.session)
    book(shop.session, quote=True)  # a quote books nothing
    cancelled = book(shop.session)
    in_schema(
        shop,
        lambda: billing.line_cancel(
            structure=shop.structure, line=cancelled.lines.get(), actor=STAFF
        ),
    )

    add_session(client, shop)  # line 1: the same session
    add_session(client, shop, session=shop.later_session)  # line 2: another session
    choose_payer(client, shop)
    client.post(f"{BASKET}lignes/1/consommateur/", {"customer": lucas.pk})
    client.post(f"{BASKET}lignes/2/consommateur/", {"customer": lucas.pk})
    page = text(client.get(BASKET))
    warning = page.split('data-duplicates="1"')[1].split("</ul>")[0]
    assert (
        "Lucas Tanguy est déjà inscrit à cette séance (commande "
        f'<a href="/manager/commandes/{first.pk}/">{first.number}</a>).'
    ) in warning
    assert page.count("est déjà inscrit à cette séance") == 1
    assert 'data-duplicates="2"' not in page
    assert "Je confirme : inscrire une seconde fois" in page
    before = counts(shop)
    assert before == (3, 3, 0, 1)  # orders, lines, documents, seats of the session

    refused = client.post(BASKET + "valider/", {"action": "order"})
    assert refused.status_code == 400
    assert "Un participant est déjà inscrit à une de ces séances" in text(refused)
    assert counts(shop) == before

    response = client.post(BASKET + "valider/", {"action": "order", "confirmer_doublons": "1"})
    assert response.status_code == 302
    second = in_schema(shop, lambda: Order.objects.latest("pk"))
    assert response["Location"] == f"/manager/commandes/{second.pk}/"
    assert in_schema(
        shop,
        lambda: sorted(second.lines.values_list("session_id", "consumer_id", "state")),
    ) == sorted(
        [(shop.session.pk, lucas.pk, "ordered"), (shop.later_session.pk, lucas.pk, "ordered")]
    )
    assert counts(shop)[0] == 4 and counts(shop)[3] == 2


def test_session_registrations_selector(shop):
    """The selector behind the warning: active lines of orders only, one row per order, a line
    without consumer counted as its payer's."""
    from ponton.sales import selectors

    order = order_now(shop, with_shirt=False)
    found = in_schema(
        shop,
        lambda: selectors.session_registrations(
            pairs=[
                (shop.session.pk, shop.child_customer.pk),
                (shop.session.pk, shop.payer.pk),
                (shop.later_session.pk, shop.child_customer.pk),
            ]
        ),
    )
    assert found == {
        (shop.session.pk, shop.child_customer.pk): [
            selectors.Registration(
                session_id=shop.session.pk,
                consumer_id=shop.child_customer.pk,
                consumer_name="Louis Le Goff",
                order_id=order.pk,
                order_number=order.number,
            )
        ]
    }


def test_commander_without_payer_shows_the_message_at_the_payer(client, shop):
    """OR-1: "Choisissez le payeur de la commande." next to the payer; nothing saved."""
    add_session(client, shop)
    response = client.post(BASKET + "valider/", {"action": "order"})
    assert response.status_code == 400
    payer_section = text(response).split('id="payer-title"')[1].split("</section>")[0]
    assert "Choisissez le payeur de la commande." in payer_section
    assert counts(shop) == (0, 0, 0, 0)


def test_catalogue_vendre_and_stock_refused_whole(client, shop):
    """OR-1: "Vendre" from the catalogue; over the stock, the whole order is refused (the seat
    of the other line is not taken either)."""
    catalogue = text(client.get(BASKET + "catalogue/"))
    assert "T-shirt" in catalogue and "Vendre" in catalogue
    assert f"/manager/commandes/panier/produit/{shop.shirt.pk}/" in catalogue
    assert client.post(f"{BASKET}produit/{shop.shirt.pk}/", {"quantity": 1}).status_code == 302
    add_session(client, shop)
    choose_payer(client, shop)
    client.post(f"{BASKET}lignes/2/consommateur/", {"customer": shop.child_customer.pk})
    client.post(f"{BASKET}lignes/1/", {"l1-quantity": 6})
    response = client.post(BASKET + "valider/", {"action": "order"})
    assert response.status_code == 400
    assert "Stock épuisé pour « T-shirt »." in text(response)
    assert counts(shop) == (0, 0, 0, 0)
    assert in_schema(shop, lambda: shop.shirt.stock_pool.__class__.objects.get().sold) == 0

    client.post(f"{BASKET}lignes/1/", {"l1-quantity": 2})
    assert client.post(BASKET + "valider/", {"action": "order"}).status_code == 302
    totals = in_schema(shop, lambda: sorted(OrderLine.objects.values_list("label", "quantity")))
    assert totals[1] == ("T-shirt", 2)


def test_mandatory_associated_product_added_by_itself(client, shop):
    """OR-1: a mandatory associated product (the licence of the activity) is added to the
    order by itself, with the consumer of the line."""
    from django.utils import timezone

    from ponton.catalogue.models import Product
    from ponton.catalogue.services import association_add
    from tests.support.sales import published

    def licence():
        product = published(
            Product.Kind.MEMBERSHIP,
            name="Licence",
            price=Decimal("30.00"),
            associated_only=True,
            consumer_required=True,
        )
        association_add(
            product=shop.activity,
            associated=product,
            starts_on=timezone.localdate(),
            mandatory=True,
        )

    in_schema(shop, licence)
    add_session(client, shop)
    choose_payer(client, shop)
    client.post(f"{BASKET}lignes/1/consommateur/", {"customer": shop.child_customer.pk})
    assert client.post(BASKET + "valider/", {"action": "order"}).status_code == 302
    lines = in_schema(
        shop,
        lambda: [(line.label.split(" – ")[0], line.total) for line in OrderLine.objects.all()],
    )
    assert lines == [("Stage catamaran", Decimal("180.00")), ("Licence", Decimal("30.00"))]


def test_activity_vendre_goes_to_the_planning_of_that_activity(client, shop):
    response = client.post(f"{BASKET}produit/{shop.activity.pk}/", {"quantity": 1})
    assert response.status_code == 302
    assert response["Location"] == f"{BASKET}planning/?activite={shop.activity.pk}"


def test_line_quantity_refused_by_the_form(client, shop):
    add_session(client, shop)
    response = client.post(f"{BASKET}lignes/1/", {"l1-quantity": 0, "l1-rate": shop.adult.pk})
    assert response.status_code == 400
    assert "Assurez-vous que cette valeur est supérieure ou égale à 1." in text(response)


def test_free_line_refused_then_added_and_quote(client, shop):
    """OR-1, OR-8: a free line with its own VAT rate and accounting code; "Devis"."""
    refused = client.post(
        BASKET + "ligne-libre/",
        {"free-label": "", "free-unit_price": "-3", "free-vat_rate": "7", "free-quantity": 1},
    )
    assert refused.status_code == 400
    page = text(refused)
    assert "Ce champ est obligatoire." in page
    assert "Sélectionnez un choix valide. 7 n’en fait pas partie." in page
    assert not client.session.get(f"basket:{shop.structure.pk}")

    client.post(
        BASKET + "ligne-libre/",
        {
            "free-label": "Location de combinaison",
            "free-unit_price": "12.50",
            "free-vat_rate": "10.00",
            "free-accounting_code": "708300",
            "free-quantity": 2,
        },
    )
    choose_payer(client, shop)
    response = client.post(BASKET + "valider/", {"action": "quote"})
    quote = in_schema(shop, lambda: Order.objects.get())
    assert quote.status == "quote" and response["Location"] == f"/manager/commandes/{quote.pk}/"
    line = in_schema(shop, lambda: quote.lines.get())
    assert (line.label, line.unit_price, line.vat_rate, line.accounting_code, line.quantity) == (
        "Location de combinaison",
        Decimal("12.50"),
        Decimal("10.00"),
        "708300",
        2,
    )
    assert quote.number in text(client.get("/manager/commandes/devis/"))
    assert quote.number not in text(client.get("/manager/commandes/"))


def test_custom_field_answers_asked_and_stored(client, shop):
    """OR-1, CA-7: the product's custom fields are asked on its line; a required one missing
    stops the order; the answers are kept on the order line."""

    def fields():
        size = CustomField.objects.create(label="Taille", kind="choice", choices="S\nM\nL")
        swim = CustomField.objects.create(
            label="Sait nager", kind="yes_no", asked_for="consumer", required=True
        )
        size.products.add(shop.activity)
        swim.products.add(shop.activity)
        return size, swim

    size, swim = in_schema(shop, fields)
    add_session(client, shop)
    choose_payer(client, shop)
    client.post(f"{BASKET}lignes/1/consommateur/", {"customer": shop.child_customer.pk})
    page = text(client.get(BASKET))
    assert "Taille (consommateur)" in page and "Sait nager (consommateur)" in page
    refused = client.post(BASKET + "valider/", {"action": "order"})
    assert refused.status_code == 400
    assert "Répondez à « Sait nager »." in text(refused)
    assert counts(shop) == (0, 0, 0, 0)
    client.post(
        f"{BASKET}lignes/1/",
        {
            "l1-quantity": 1,
            "l1-rate": shop.adult.pk,
            f"l1-cf_{size.pk}": "M",
            f"l1-cf_{swim.pk}": "oui",
        },
    )
    assert client.post(BASKET + "valider/", {"action": "order"}).status_code == 302
    line = in_schema(shop, lambda: OrderLine.objects.get())
    assert line.answers == {"Taille": "M", "Sait nager": "oui"}


def test_file_custom_field_answered_with_an_upload(client, shop, settings, tmp_path):
    """CA-7, OR-1: a "file" custom field (a medical certificate) is asked on the line as an
    upload; required and missing, the order is refused and nothing is written; too big, the
    line says so; sent, the file is kept in the structure's storage and named in the answer."""
    from django.core.files.storage import default_storage
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.MAX_PDF_BYTES = 1024 * 1024

    def field():
        certificate = CustomField.objects.create(
            label="Certificat médical", kind="file", asked_for="consumer", required=True
        )
        certificate.products.add(shop.activity)
        return certificate

    certificate = in_schema(shop, field)
    add_session(client, shop)
    choose_payer(client, shop)
    client.post(f"{BASKET}lignes/1/consommateur/", {"customer": shop.child_customer.pk})
    page = text(client.get(BASKET))
    assert 'type="file"' in page and "Certificat médical (consommateur)" in page
    refused = client.post(BASKET + "valider/", {"action": "order"})
    assert refused.status_code == 400 and "Répondez à « Certificat médical »." in text(refused)
    assert counts(shop) == (0, 0, 0, 0)
    name = f"l1-cf_{certificate.pk}"
    too_big = client.post(
        f"{BASKET}lignes/1/",
        {
            "l1-quantity": 1,
            "l1-rate": shop.adult.pk,
            name: SimpleUploadedFile("certificat.pdf", b"%PDF-" + b"x" * (1024 * 1024)),
        },
    )
    assert too_big.status_code == 400
    assert "Le fichier dépasse la taille maximale de 1 Mo." in text(too_big)
    client.post(
        f"{BASKET}lignes/1/",
        {
            "l1-quantity": 1,
            "l1-rate": shop.adult.pk,
            name: SimpleUploadedFile("certificat.pdf", b"%PDF-1.4 certificat"),
        },
    )
    client.post(f"{BASKET}lignes/1/", {"l1-quantity": 1, "l1-rate": shop.adult.pk})  # kept
    assert client.post(BASKET + "valider/", {"action": "order"}).status_code == 302
    answer = in_schema(shop, lambda: OrderLine.objects.get().answers["Certificat médical"])
    assert answer.startswith("orders/answers/") and answer.endswith("/certificat.pdf")
    stored = in_schema(shop, lambda: default_storage.open(answer).read())
    assert stored == b"%PDF-1.4 certificat"


def test_the_basket_is_kept_server_side_per_structure(client, shop):
    """OR-1: the basket lives in the session, under the structure's key."""
    add_session(client, shop, quantity=2)
    (line,) = client.session[f"basket:{shop.structure.pk}"]["lines"]
    assert (line["session"], line["rate"], line["quantity"]) == (
        shop.session.pk,
        shop.adult.pk,
        2,
    )


# OR-2 quotes -----------------------------------------------------------------------------------


def test_quote_commander_turns_it_into_an_order(client, shop):
    """OR-2: Gérer > Devis, the quote's page, "Commander": an order, the seat taken now."""
    quote = in_schema(
        shop,
        lambda: sales.order_create(
            payer=shop.payer,
            lines=[LineRequest(product=shop.shirt, quantity=2)],
            actor=STAFF,
            quote=True,
        ),
    )
    listing = text(client.get("/manager/commandes/devis/", {"q": "le goff"}))
    assert quote.number in listing
    page = text(client.get(f"/manager/commandes/{quote.pk}/"))
    assert f"Devis {quote.number}" in page and "Commander" in page
    assert "Facturer/Payer" not in page
    response = client.post(f"/manager/commandes/{quote.pk}/commander/")
    assert response.status_code == 302
    order = in_schema(shop, lambda: Order.objects.get(pk=quote.pk))
    assert order.status == "order" and order.quote_number == quote.number
    assert f"Commande {order.number}" in text(client.get(f"/manager/commandes/{order.pk}/"))


def test_quote_commander_refused_when_the_session_is_full(client, shop):
    """OR-2: availability is checked again at "Commander": "Complet…", still a quote."""
    quote = in_schema(
        shop,
        lambda: sales.order_create(
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
            quote=True,
        ),
    )
    in_schema(shop, lambda: Session.objects.filter(pk=shop.session.pk).update(sold=10))
    response = client.post(f"/manager/commandes/{quote.pk}/commander/")
    assert response.status_code == 400
    assert "Complet : il ne reste pas assez de places pour cette séance." in text(response)
    assert in_schema(shop, lambda: Order.objects.get(pk=quote.pk).status) == "quote"


# OR-3 the order card -------------------------------------------------------------------------


def test_orders_list_searches_by_number_and_customer(client, shop):
    order = order_now(shop)
    assert order.number in text(client.get("/manager/commandes/", {"q": order.number}))
    assert order.number in text(client.get("/manager/commandes/", {"q": "Claire"}))
    assert order.number not in text(client.get("/manager/commandes/", {"q": "Dupuis"}))


def test_facturer_payer_confirmer_then_facturer(client, shop):
    """OR-3: select lines, "Facturer/Payer", "Confirmer", "Facturer": one invoice, the lines
    "Facturé", the invoice in the orange box with its balance, the history says so."""
    order = order_now(shop)
    card = text(client.get(f"/manager/commandes/{order.pk}/"))
    assert card.count('<span class="badge orange">Commandé</span>') == 2
    activity_line, shirt_line = in_schema(shop, lambda: list(order.lines.order_by("position")))
    url = f"/manager/commandes/{order.pk}/facturer/"

    first = text(client.post(url, {"lines": [activity_line.pk]}))
    assert "Confirmer" in first and "Total à facturer : 180,00 €" in first
    assert "T-shirt" not in first
    second = text(client.post(url, {"lines": [activity_line.pk], "step": "confirm", "note": "x"}))
    assert "Facturer" in second and 'name="step" value="issue"' in second
    assert counts(shop)[2] == 0

    response = client.post(url, {"lines": [activity_line.pk], "step": "issue", "note": "Sur place"})
    assert response.status_code == 302
    invoice = in_schema(shop, lambda: Document.objects.get())
    assert (invoice.kind, invoice.total) == ("invoice", Decimal("180.00"))
    states = in_schema(shop, lambda: dict(order.lines.values_list("pk", "state")))
    assert states == {activity_line.pk: "invoiced", shirt_line.pk: "ordered"}
    card = text(client.get(f"/manager/commandes/{order.pk}/"))
    box = card.split('data-box="documents"')[1].split("</section>")[0]
    assert invoice.number in box and "180,00 €" in box
    # Nothing is owed before invoicing: what is ordered is "Reste à facturer" (the T-shirt).
    balance = card.split('data-box="order-balance"')[1].split("</table>")[0]
    assert "Facturé, reste à payer" in balance and "Reste à facturer" in balance
    assert "<strong data-to-pay>180,00 €</strong>" in balance
    assert '<td class="right" data-to-invoice>20,00 €</td>' in balance
    assert "data-to-refund" not in card  # no credit note: nothing to refund
    assert '<span class="badge green">Facturé</span>' in card
    assert f"Facture {invoice.number} émise (180,00 €)." in card and "Sur place" in card


def test_facturer_without_lines_refused(client, shop):
    """OR-3: "Sélectionnez au moins une ligne à facturer." on the card; nothing issued."""
    order = order_now(shop)
    url = f"/manager/commandes/{order.pk}/facturer/"
    for data in ({}, {"step": "issue"}):
        response = client.post(url, data)
        assert response.status_code == 400
        assert "Sélectionnez au moins une ligne à facturer." in text(response)
    assert counts(shop)[2] == 0


def test_facturer_an_invoiced_line_again_refused(client, shop):
    order = order_now(shop, with_shirt=False)
    invoice_all(shop, order)
    line = in_schema(shop, lambda: order.lines.get())
    response = client.post(
        f"/manager/commandes/{order.pk}/facturer/", {"lines": [line.pk], "step": "issue"}
    )
    assert response.status_code == 400
    assert "seules les lignes commandées se facturent." in text(response)
    assert counts(shop)[2] == 1


def test_another_orders_line_is_not_found(client, shop):
    order = order_now(shop, with_shirt=False)
    other = order_now(shop, with_shirt=False)
    line = in_schema(shop, lambda: other.lines.get())
    response = client.post(f"/manager/commandes/{order.pk}/facturer/", {"lines": [line.pk]})
    assert response.status_code == 404
    assert client.get(f"/manager/commandes/{order.pk}/lignes/{line.pk}/annuler/").status_code == 404


def test_order_card_queries_do_not_grow_with_lines_documents_payments(client, shop):
    """OR-3: the order card reads a bounded number of queries."""

    def build(n_shirts: int, n_payments: int) -> Order:
        def make():
            lines = [LineRequest(product=shop.shirt) for _ in range(n_shirts)]
            order = sales.order_create(payer=shop.payer, lines=lines, actor=STAFF)
            for line in order.lines.all():
                invoice = billing.invoice_issue(
                    structure=shop.structure, order=order, line_ids=[line.pk], actor=STAFF
                )
                for _ in range(n_payments):
                    billing.payment_record(
                        document=invoice,
                        data=PaymentData(kind="payment", method="cash", amount=Decimal("1.00")),
                        actor=STAFF,
                    )
            return order

        return in_schema(shop, make)

    small, big = build(1, 1), build(4, 3)

    def queries(order) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/manager/commandes/{order.pk}/").status_code == 200
        return len([q for q in ctx.captured_queries if not q["sql"].startswith("SET ")])

    queries(small)  # warm up (content types, session)
    assert queries(big) == queries(small)
    # Host, session, user, membership, modules, the bell; then the order, its lines, its
    # history, its documents (and which come from a receipt) and the payments' sums.
    assert queries(big) <= 14


# OR-4 cancel, OR-5 replace -------------------------------------------------------------------


def test_annuler_an_invoiced_line_issues_a_credit_note(client, shop):
    """OR-4: "Annuler", the recap, a note, "Ok": a credit note (AV…), the seat free again."""
    order = order_now(shop, with_shirt=False)
    invoice_all(shop, order)
    line = in_schema(shop, lambda: order.lines.get())
    url = f"/manager/commandes/{order.pk}/lignes/{line.pk}/annuler/"
    recap = text(client.get(url))
    assert "un avoir (AV…) sera émis" in recap and "Ok" in recap
    assert counts(shop)[3] == 1
    response = client.post(url, {"note": "Client malade"})
    assert response.status_code == 302
    credit_note = in_schema(shop, lambda: Document.objects.get(kind="credit_note"))
    assert credit_note.number.startswith("AV-") and credit_note.total == Decimal("180.00")
    assert counts(shop)[3] == 0
    card = text(client.get(f"/manager/commandes/{order.pk}/"))
    assert '<span class="badge red">Annulé</span>' in card
    assert credit_note.number in card and "Client malade" in card
    # The unpaid invoice and its credit note cancel out: nothing to pay, nothing to refund,
    # and the card says the credit note can settle the invoice.
    assert "<strong data-to-pay>0,00 €</strong>" in card
    assert "<strong data-to-refund>0,00 €</strong>" in card
    assert "Les avoirs à rembourser (180,00 €) peuvent régler les factures" in card


def test_annuler_twice_refused(client, shop):
    order = order_now(shop, with_shirt=False)
    line = in_schema(shop, lambda: order.lines.get())
    url = f"/manager/commandes/{order.pk}/lignes/{line.pk}/annuler/"
    assert client.post(url, {}).status_code == 302
    events = in_schema(shop, lambda: OrderEvent.objects.count())
    response = client.post(url, {})
    assert response.status_code == 400
    assert "Cette ligne est déjà annulée." in text(response)
    assert in_schema(shop, lambda: OrderEvent.objects.count()) == events


def test_remplacer_with_a_free_promotion_suivant_recap_ok(client, shop):
    """OR-5: "Remplacer" by the next day's session, "Ajouter une promotion libre" (10 %),
    "Suivant", the recap, "Ok": a credit note for the old line, a new line to invoice."""
    order = order_now(shop, with_shirt=False)
    invoice_all(shop, order)
    line = in_schema(shop, lambda: order.lines.get())
    url = f"/manager/commandes/{order.pk}/lignes/{line.pk}/remplacer/"
    page = text(client.get(url))
    assert "Ajouter une promotion libre" in page and "Suivant" in page
    data = {
        "session": shop.later_session.pk,
        "add_discount": "on",
        "discount_kind": "percent",
        "discount_value": "10",
        "discount_description": "Geste commercial",
    }
    recap = text(client.post(url, data))
    assert "Récapitulatif" in recap and "162,00 €" in recap and "− 18,00 €" in recap
    assert counts(shop)[2] == 1  # nothing issued yet
    response = client.post(url, {**data, "step": "confirm", "note": "Changement de date"})
    assert response.status_code == 302
    new_line = in_schema(shop, lambda: OrderLine.objects.get(replaces=line))
    assert (new_line.session_id, new_line.discount, new_line.discount_label, new_line.state) == (
        shop.later_session.pk,
        Decimal("18.00"),
        "Geste commercial",
        "ordered",
    )
    assert in_schema(shop, lambda: Document.objects.filter(kind="credit_note").count()) == 1
    card = text(client.get(f"/manager/commandes/{order.pk}/"))
    assert "Changement de date" in card


def test_remplacer_by_the_same_session_to_add_a_free_promotion(client, shop):
    """OR-5 (issue 11, bug 3): "Remplacer" offers the line's own session first in "Nouvelle
    séance" ("la même activité … à la même période"); choosing it, or leaving the field empty,
    keeps that session: "Ajouter une promotion libre" of 30 €, "Suivant", the recap, "Ok": a
    credit note for the invoiced line, a new line on the same session at 150 €, one seat taken
    in the end (the old one given back)."""
    order = order_now(shop, with_shirt=False)
    invoice_all(shop, order)
    line = in_schema(shop, lambda: order.lines.get())
    url = f"/manager/commandes/{order.pk}/lignes/{line.pk}/remplacer/"
    form = client.get(url).context["form"]
    choices = [(str(value), label) for value, label in form.fields["session"].choices]
    starts = in_schema(shop, lambda: Session.objects.get(pk=shop.session.pk).starts_at)
    day = timezone.localtime(starts).strftime("%d/%m/%Y %H:%M")
    assert choices[0] == ("", "---------")
    assert choices[1] == (
        str(shop.session.pk),
        f"Stage catamaran – {day} (9) – séance actuelle",
    )
    assert str(shop.later_session.pk) in [value for value, _label in choices[2:]]
    assert "Laissez vide pour garder la séance actuelle" in text(client.get(url))

    promotion = {
        "add_discount": "on",
        "discount_kind": "amount",
        "discount_value": "30",
        "discount_description": "Geste commercial",
    }
    chosen = text(client.post(url, {"session": shop.session.pk, **promotion}))
    assert "Récapitulatif" in chosen and f"Stage catamaran – {day}" in chosen
    recap = text(client.post(url, promotion))  # "Nouvelle séance" left empty
    assert "Récapitulatif" in recap and f"Stage catamaran – {day} (Adulte)" in recap
    assert "1 × 180,00 € = 180,00 €" in recap and "− 30,00 €" in recap
    assert "150,00 €" in recap
    assert counts(shop) == (1, 1, 1, 1)  # nothing done before "Ok"

    response = client.post(url, {**promotion, "step": "confirm", "note": "Promotion oubliée"})
    assert response.status_code == 302
    new_line = in_schema(shop, lambda: OrderLine.objects.get(replaces=line))
    assert (
        new_line.session_id,
        new_line.rate_name,
        new_line.unit_price,
        new_line.discount,
        new_line.discount_label,
        new_line.total,
        new_line.state,
    ) == (
        shop.session.pk,
        "Adulte",
        Decimal("180.00"),
        Decimal("30.00"),
        "Geste commercial",
        Decimal("150.00"),
        "ordered",
    )
    assert in_schema(shop, lambda: OrderLine.objects.get(pk=line.pk).state) == "cancelled"
    assert in_schema(
        shop, lambda: list(Document.objects.order_by("pk").values_list("kind", "total"))
    ) == [("invoice", Decimal("180.00")), ("credit_note", Decimal("180.00"))]
    assert counts(shop) == (1, 2, 2, 1)  # the same single seat on the session


def test_remplacer_refusals_next_to_the_field_and_nothing_changed(client, shop):
    """OR-5: a promotion above the line's amount, or without description, is refused next to
    its field; no credit note, the line is still invoiced."""
    order = order_now(shop, with_shirt=False)
    invoice_all(shop, order)
    line = in_schema(shop, lambda: order.lines.get())
    url = f"/manager/commandes/{order.pk}/lignes/{line.pk}/remplacer/"
    base = {"session": shop.later_session.pk, "add_discount": "on", "discount_kind": "amount"}

    too_much = client.post(url, {**base, "discount_value": "500", "discount_description": "x"})
    assert too_much.status_code == 400
    field = text(too_much).split('for="id_discount_value"')[1].split("</div>")[0]
    assert "La remise dépasse le montant de la ligne." in field

    no_description = client.post(url, {**base, "discount_value": "5", "step": "confirm"})
    assert no_description.status_code == 400
    field = text(no_description).split('for="id_discount_description"')[1].split("</div>")[0]
    assert "Décrivez la promotion libre." in field

    both = client.post(url, {"session": shop.later_session.pk, "product": shop.shirt.pk})
    assert both.status_code == 400
    assert "Choisissez une séance ou un produit, pas les deux." in text(both)
    assert in_schema(shop, lambda: Document.objects.filter(kind="credit_note").count()) == 0
    assert in_schema(shop, lambda: OrderLine.objects.get(pk=line.pk).state) == "invoiced"
    assert in_schema(shop, lambda: Session.objects.get(pk=shop.later_session.pk).sold) == 0
