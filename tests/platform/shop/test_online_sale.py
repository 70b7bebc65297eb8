"""MP-1..MP-3 through the shop's pages: the basket holds seats (mandatory associated products
with them), checkout identifies the customer and names the participants, the card payment is
confirmed by the test gateway or the signed Stripe webhook, and only then are the order, its
invoice and the payment written — once, on the same selling path as the Club Manager."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from ponton.billing.models import Document, Payment
from ponton.customers.models import Customer
from ponton.ledger.selectors import ledger_verify
from ponton.payments.gateway import sign_payload
from ponton.payments.models import OnlineCheckout, StripeAccount
from ponton.planning.models import Session
from ponton.sales.models import Basket, BasketLine, Order
from realtime.models import Notification
from tests.support.files import forget_media_root
from tests.support.sales import text
from tests.support.shop import add, checkout_post, open_shop, token_of

SECRET = "whsec_test_shop_secret"


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    forget_media_root()
    yield tmp_path
    forget_media_root()


@pytest.fixture
def shop(media_root, structure_a):
    shop = open_shop(structure_a[0])
    shop.structure_owner = structure_a[1]
    return shop


@pytest.fixture
def browser(shop, client_for):
    return client_for(shop.structure)


def sold(shop, session=None) -> int:
    with schema_context(shop.structure.schema_name):
        return Session.objects.get(pk=(session or shop.session).pk).sold


def lines(shop) -> list[BasketLine]:
    with schema_context(shop.structure.schema_name):
        return list(BasketLine.objects.select_related("product").order_by("id"))


def test_mp1_adding_holds_seats_and_the_mandatory_product(shop, browser):
    """MP-1: two places on a session go in the basket with the mandatory "Licence journée";
    the seats are taken at once (held), the licence cannot be removed alone, removing the
    activity gives everything back."""
    response = add(browser, shop, quantity=2)
    assert response.status_code == 302 and response["Location"] == "/panier/"
    assert sold(shop) == 2
    activity, licence = lines(shop)
    assert (activity.product_id, activity.quantity, activity.held) == (shop.activity.pk, 2, True)
    assert (licence.product_id, licence.quantity, licence.parent_id) == (
        shop.licence.pk,
        2,
        activity.pk,
    )
    page = browser.get("/panier/").content.decode()
    assert "Licence journée" in page and "384,00 €" in page  # 2 × 180 + 2 × 12
    refused = browser.post(f"/panier/{licence.pk}/retirer/", follow=True).content.decode()
    assert "est obligatoire avec « Stage catamaran »" in refused
    assert len(lines(shop)) == 2 and sold(shop) == 2
    browser.post(f"/panier/{activity.pk}/retirer/")
    assert lines(shop) == [] and sold(shop) == 0


def test_mp1_held_seats_count_as_taken_for_everyone_else(shop, browser, client_for):
    """MP-1: with 10 places and 9 held by one basket, another customer gets 1 and then
    "Complet", nothing written for the refused one."""
    add(browser, shop, quantity=9)
    other = client_for(shop.structure)
    assert add(other, shop, quantity=2).status_code == 302
    page = other.get("/panier/").content.decode()
    assert "Complet : il ne reste pas assez de places pour cette séance." in page
    assert "Votre panier est vide." in page
    assert sold(shop) == 9
    add(other, shop, quantity=1)
    assert sold(shop) == 10
    assert len(lines(shop)) == 4  # two baskets: each activity line with its licence


def test_mp1_a_refused_addition_says_why_in_french(shop, browser):
    """MP-1: a session of another product, an unknown, counter-only or associated-only product
    → 404; a session whose booking has closed: a French message; nothing held."""
    with schema_context(shop.structure.schema_name):
        other = Session.objects.exclude(product=shop.activity).first()
        shop.activity.booking_closes_before_hours = 24 * 30
        shop.activity.save(update_fields=["booking_closes_before_hours"])
    assert browser.post("/panier/ajouter/", {"product": 999999, "quantity": 1}).status_code == 404
    if other is not None:
        assert (
            browser.post(
                "/panier/ajouter/",
                {"product": shop.activity.pk, "session": other.pk, "quantity": 1},
            ).status_code
            == 404
        )
    page = add(browser, shop, quantity=1)
    page_text = browser.get(page["Location"]).content.decode()
    assert "Les réservations de cette séance sont closes (720 h avant le début)." in page_text
    assert sold(shop) == 0 and lines(shop) == []
    with schema_context(shop.structure.schema_name):
        shop.shirt.counter_only = True
        shop.shirt.save(update_fields=["counter_only"])
    assert add(browser, shop, product=shop.shirt).status_code == 404
    assert add(browser, shop, product=shop.licence).status_code == 404  # associated only
    assert lines(shop) == []


def test_mp1_an_expired_hold_is_released_by_the_task_and_by_the_next_look(shop, browser):
    """MP-1: the basket's seats are released once it expires — by the periodic task, or by
    the customer's next look at the basket, which says so plainly; "Réserver à nouveau"
    takes them again."""
    from ponton.selling.holds import holds_release_expired

    add(browser, shop, quantity=3)
    with schema_context(shop.structure.schema_name):
        Basket.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
        assert holds_release_expired() == 2  # the activity and its licence
        assert holds_release_expired() == 0  # once
    assert sold(shop) == 0
    page = browser.get("/panier/").content.decode()
    assert "Votre panier a expiré : les places réservées ont été libérées." in page
    assert "Réserver à nouveau" in page
    browser.post("/panier/reserver-a-nouveau/")
    assert sold(shop) == 3 and all(line.held for line in lines(shop))
    # The lazy check alone (no task): the next look releases.
    with schema_context(shop.structure.schema_name):
        Basket.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    browser.get("/panier/")
    assert sold(shop) == 0


def _checkout(shop, browser, **kwargs):
    response = checkout_post(browser, lines(shop), **kwargs)
    assert response.status_code == 302, response.content.decode()[:3000]
    return token_of(response)


def test_mp2_test_gateway_pays_and_writes_order_invoice_payment_once(
    shop, browser, smtp_server, django_capture_on_commit_callbacks
):
    """MP-2 / MP-3: two children on a session with the mandatory licence, paid on the test
    gateway: one online order (channel "online", CGV and their SHA-256 recorded), its invoice,
    one "CB en ligne" payment, the participants created in the payer's family, the seats the
    basket held now the order's, the ledger intact, a staff notification and an email with the
    invoice PDF and a link to choose a password (no password in it)."""
    from ponton.accounts.models import Membership

    add(browser, shop, quantity=2)
    token = _checkout(shop, browser)
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(f"/commande/{token}/test/")
    assert response.status_code == 302 and response["Location"] == f"/commande/{token}/"
    done = browser.get(f"/commande/{token}/").content.decode()
    assert "Merci pour votre commande" in done and "Paiement reçu" in done
    with schema_context(shop.structure.schema_name):
        order = Order.objects.get()
        assert (order.channel, order.payer.email) == ("online", "claire.online@exemple.fr")
        with shop.structure.cgv.open("rb") as cgv:  # the file as stored
            assert order.cgv_sha256 == hashlib.sha256(cgv.read()).hexdigest()
        assert order.cgv_accepted_at is not None
        assert sorted(
            (line.label.split(" –")[0], line.consumer.first_name if line.consumer else None)
            for line in order.lines.all()
        ) == [
            ("Licence journée", "Enfant0"),
            ("Licence journée", "Enfant1"),
            ("Stage catamaran", "Enfant0"),
            ("Stage catamaran", "Enfant1"),
        ]
        invoice = Document.objects.get(order=order, kind="invoice")
        assert invoice.total == Decimal("384.00")
        [payment] = Payment.objects.all()
        assert (payment.method, payment.amount) == ("online_card", Decimal("384.00"))
        assert {c.first_name for c in Customer.objects.filter(payer=order.payer)} == {
            "Enfant0",
            "Enfant1",
        }
        assert Session.objects.get(pk=shop.session.pk).sold == 2
        assert not BasketLine.objects.exists()
        assert ledger_verify().ok
        staff = Membership.objects.filter(structure=shop.structure).values_list(
            "user_id", flat=True
        )
        assert Notification.objects.filter(
            user_id__in=list(staff), kind="shop.online_order"
        ).count() == len(staff)
    # Paying again does nothing more.
    browser.post(f"/commande/{token}/test/")
    with schema_context(shop.structure.schema_name):
        assert Payment.objects.count() == 1 and Order.objects.count() == 1
    [mail] = smtp_server.wait_for(1)
    body = smtp_server.text_of(mail)
    assert mail["To"] == "claire.online@exemple.fr"
    assert order.number in body and "384,00 €" in body
    assert "/mot-de-passe/" in body and "mot de passe :" not in body.lower().replace(
        "choisissez votre mot de passe", ""
    )
    attachments = [p for p in mail.walk() if p.get_content_type() == "application/pdf"]
    assert len(attachments) == 1 and attachments[0].get_payload(decode=True).startswith(b"%PDF")


def test_mp2_tampered_posts_never_change_what_is_charged(shop, browser):
    """MP-2: a price, a total or another rate's amount sent by the browser are ignored: the
    server prices the basket from the catalogue."""
    browser.post(
        "/panier/ajouter/",
        {
            "product": shop.activity.pk,
            "session": shop.session.pk,
            "rate": shop.child.pk,
            "quantity": 1,
            "price": "1.00",
            "unit_price": "1.00",
            "total": "1.00",
        },
    )
    token = _checkout(shop, browser, total="1.00", amount="1.00")
    with schema_context(shop.structure.schema_name):
        found = OnlineCheckout.objects.get(token=token)
        assert found.amount == Decimal("162.00")  # Enfant 150 + licence 12


def _webhook(shop, browser, found, *, amount=None, intent_id="pi_Shop123"):
    payload = json.dumps(
        {
            "id": "evt_shop",
            "type": "payment_intent.succeeded",
            "data": {
                "object": {
                    "id": intent_id,
                    "object": "payment_intent",
                    "amount": amount or int(found.amount * 100),
                    "amount_received": amount or int(found.amount * 100),
                    "currency": "eur",
                    "metadata": {"checkout": str(found.pk), "schema": shop.structure.schema_name},
                }
            },
        }
    ).encode()
    return browser.post(
        "/payments/stripe/webhook/",
        payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=sign_payload(payload, SECRET),
    )


def test_mp2_webhook_ten_times_records_one_order_and_one_payment(shop, browser):
    """MP-2: the signed webhook delivered ten times: one order, one invoice, one payment."""
    add(browser, shop, quantity=1)
    token = _checkout(shop, browser)
    with schema_context(shop.structure.schema_name):
        StripeAccount.objects.create(
            publishable_key="pk_test_shop", secret_key="sk_test_shop", webhook_secret=SECRET
        )
        found = OnlineCheckout.objects.get(token=token)
    for _ in range(10):
        assert _webhook(shop, browser, found).status_code == 200
    with schema_context(shop.structure.schema_name):
        assert Order.objects.count() == 1 and Payment.objects.count() == 1
        assert Document.objects.filter(kind="invoice").count() == 1
        found.refresh_from_db()
        assert found.state == "paid"
    assert json.loads(browser.get(f"/commande/{token}/statut/").content) == {"state": "paid"}


def test_mp2_paid_after_the_hold_expired_and_the_seats_sold_is_refunded(shop, browser, client_for):
    """MP-2: the hold expired, someone else took the last seats, then the payment is
    confirmed: no order, the card refunded at once, the customer told; never oversold."""
    with schema_context(shop.structure.schema_name):
        Session.objects.filter(pk=shop.session.pk).update(capacity=2)
    add(browser, shop, quantity=2)
    token = _checkout(shop, browser)
    with schema_context(shop.structure.schema_name):
        from ponton.selling.holds import holds_release_expired

        Basket.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
        holds_release_expired()
    other = client_for(shop.structure)
    add(other, shop, quantity=1)
    assert sold(shop) == 1
    browser.post(f"/commande/{token}/test/")
    with schema_context(shop.structure.schema_name):
        found = OnlineCheckout.objects.get(token=token)
        assert found.state == "refunded"
        assert not Order.objects.exists() and not Payment.objects.exists()
    assert sold(shop) == 1
    page = browser.get(f"/commande/{token}/").content.decode()
    assert "a été remboursé sur votre carte" in page and "Complet" in page


def test_mp2_paid_after_the_hold_expired_with_seats_left_gets_them(shop, browser):
    """MP-2: the hold expired but nobody took the seats: the payment still gets them."""
    add(browser, shop, quantity=2)
    token = _checkout(shop, browser)
    with schema_context(shop.structure.schema_name):
        from ponton.selling.holds import holds_release_expired

        Basket.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
        holds_release_expired()
    assert sold(shop) == 0
    browser.post(f"/commande/{token}/test/")
    with schema_context(shop.structure.schema_name):
        assert OnlineCheckout.objects.get(token=token).state == "paid"
    assert sold(shop) == 2


def test_mp3_the_page_is_the_same_whether_the_email_has_an_account_or_not(
    shop, browser, client_for
):
    """MP-3: checking out with an email that already has an account and with a new one: same
    answer (a redirect to the payment page), nobody logged in, no hint either way."""
    from ponton.accounts.models import User

    User.objects.create_user(email="deja@exemple.fr", password="Un-mot-de-passe-42")
    add(browser, shop, quantity=1)
    known = checkout_post(browser, lines(shop), email="deja@exemple.fr")
    other = client_for(shop.structure)
    add(other, shop, quantity=1)
    new_lines = [line for line in lines(shop) if line.basket_id != lines(shop)[0].basket_id]
    unknown = checkout_post(other, new_lines, email="nouveau@exemple.fr")
    assert known.status_code == unknown.status_code == 302
    assert "_auth_user_id" not in browser.session and "_auth_user_id" not in other.session


def test_mp2_checkout_needs_the_cgv_and_the_participants(shop, browser):
    """MP-2: without accepting the CGV, or without naming each participant: French messages,
    nothing written."""
    add(browser, shop, quantity=2)
    response = checkout_post(browser, lines(shop), accept="")
    response = browser.post(
        "/commande/",
        {
            "first_name": "Claire",
            "last_name": "Le Goff",
            "email": "c@exemple.fr",
            "mobile": "0612345678",
            f"p{lines(shop)[0].pk}-0-who": "new",
            f"p{lines(shop)[0].pk}-1-who": "new",
        },
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Acceptez les conditions générales de vente pour commander." in page
    assert "Indiquez le prénom et le nom du participant." in page
    with schema_context(shop.structure.schema_name):
        assert (
            not OnlineCheckout.objects.exists()
            and not Customer.objects.filter(email="c@exemple.fr").exists()
        )


def test_mp2_checkout_is_rate_limited_per_address(shop, browser):
    """MP-2: past 20 attempts in 10 minutes from one address: refused, nothing written."""
    add(browser, shop, quantity=1)
    for _ in range(20):
        browser.post("/commande/", {"accept": ""})
    page = browser.post("/commande/", {"accept": ""}).content.decode()
    assert "Trop de tentatives : réessayez dans quelques minutes." in page


def test_mp1_a_shop_without_cgv_does_not_sell(shop, browser):
    """MP-1: no CGV (or the shop switched off): the basket and checkout answer a clear page
    and nothing is held."""
    shop.structure.cgv = ""
    shop.structure.save(update_fields=["cgv"])
    response = add(browser, shop, quantity=1)
    assert response.status_code == 503
    assert "La boutique en ligne n'est pas encore ouverte" in text(response)
    assert sold(shop) == 0


def test_mp1_the_periodic_release_runs_over_every_structure(shop, browser, structure_b):
    """MP-1: `manage.py release_expired_holds` (and the beat task that calls the same code)
    releases expired baskets in every structure's schema, and only the expired ones."""
    from io import StringIO

    from django.core.management import call_command

    from ponton.selling.tasks import release_expired_holds_task

    add(browser, shop, quantity=2)
    with schema_context(shop.structure.schema_name):
        Basket.objects.update(expires_at=timezone.now() + dt.timedelta(minutes=5))
    assert release_expired_holds_task() == 0 and sold(shop) == 2
    with schema_context(shop.structure.schema_name):
        Basket.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    out = StringIO()
    call_command("release_expired_holds", stdout=out)
    assert out.getvalue().strip() == "2 ligne(s) de panier libérée(s)."
    assert sold(shop) == 0


def test_staff_see_the_online_order_in_gerer_with_its_channel_and_history(
    shop, browser, client_for
):
    """Issue 12 item 6: the online order is in Gérer like any other, "en ligne", with the
    history line of the online payment."""
    add(browser, shop, quantity=1)
    token = _checkout(shop, browser)
    browser.post(f"/commande/{token}/test/")
    staff = client_for(shop.structure, shop.structure_owner)
    with schema_context(shop.structure.schema_name):
        order = Order.objects.get()
    listing = staff.get("/manager/commandes/").content.decode()
    assert order.number in listing and "en ligne" in listing
    card = staff.get(f"/manager/commandes/{order.pk}/").content.decode()
    assert "canal : en ligne" in card
    assert "Commande passée en ligne et payée par carte (192,00 €)" in card
    assert "Paiement de 192,00 € (CB en ligne)" in card


def test_mp2_custom_fields_every_type_with_the_club_managers_messages(shop, browser):
    """MP-1 / CA-7: the activity's custom fields (a required text, a choice, a file) are asked
    at checkout as in the Club Manager: a missing required answer gets the same French message
    and nothing is written; answered, the answers (the file stored privately) are on the order's
    lines."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from ponton.catalogue.models import CustomField
    from tests.support.files import pdf_bytes

    with schema_context(shop.structure.schema_name):
        swim = CustomField.objects.create(label="Sait nager 25 m", kind="yes_no", required=True)
        size = CustomField.objects.create(label="Taille", kind="choice", choices="S\nM\nL")
        note = CustomField.objects.create(label="Certificat médical", kind="file")
        for field in (swim, size, note):
            field.products.add(shop.activity)
    add(browser, shop, quantity=1)
    [line, _licence] = lines(shop)
    refused = checkout_post(browser, lines(shop))
    assert refused.status_code == 400
    assert "Répondez à « Sait nager 25 m »." in text(refused)
    with schema_context(shop.structure.schema_name):
        assert not OnlineCheckout.objects.exists()
    answered = checkout_post(
        browser,
        lines(shop),
        **{
            f"a{line.pk}-cf_{swim.pk}": "oui",
            f"a{line.pk}-cf_{size.pk}": "M",
            f"a{line.pk}-cf_{note.pk}": SimpleUploadedFile(
                "certificat.pdf", pdf_bytes(), content_type="application/pdf"
            ),
        },
    )
    token = token_of(answered)
    browser.post(f"/commande/{token}/test/")
    with schema_context(shop.structure.schema_name):
        [stage] = Order.objects.get().lines.filter(product=shop.activity)
        assert stage.answers["Sait nager 25 m"] == "oui" and stage.answers["Taille"] == "M"
        assert stage.answers["Certificat médical"].startswith("orders/answers/")
        assert stage.answers["Certificat médical"].endswith("/certificat.pdf")


def test_mp2_a_logged_in_customer_names_a_family_member(shop, browser, client_for):
    """MP-1 / MP-3: a customer logged in chooses the participant among their family; no
    identity form, the order is theirs."""
    from ponton.accounts.models import User

    user = User.objects.create_user(email="claire@exemple.fr", password="Un-mot-de-passe-42")
    with schema_context(shop.structure.schema_name):
        Customer.objects.filter(pk=shop.payer.pk).update(account_id=user.pk)
        Customer.objects.filter(pk=shop.child_customer.pk).update(payer=shop.payer)
    browser.force_login(user)
    add(browser, shop, quantity=1)
    [line, _licence] = lines(shop)
    page = text(browser.get("/commande/"))
    assert "Vous commandez en tant que Claire Le Goff." in page and "Louis Le Goff" in page
    response = checkout_post(
        browser,
        lines(shop),
        identity=False,
        participants={line.pk: [(str(shop.child_customer.pk), "", "")]},
    )
    browser.post(f"/commande/{token_of(response)}/test/")
    with schema_context(shop.structure.schema_name):
        order = Order.objects.get()
        assert order.payer_id == shop.payer.pk
        assert {line.consumer_id for line in order.lines.all()} == {shop.child_customer.pk}


def test_mp1_minimum_quantity_per_basket(shop, browser, client_for):
    """MP-1 / CA-4: a product sold by 4 at least: fewer are refused with the Club Manager's
    message, nothing held; 4 are held, taken from its stock of 5, so another basket cannot
    have 4 more."""
    with schema_context(shop.structure.schema_name):
        shop.shirt.min_quantity = 4
        shop.shirt.save(update_fields=["min_quantity"])
    add(browser, shop, product=shop.shirt, quantity=2)
    assert "« T-shirt » se vend par 4 au moins." in text(browser.get("/panier/"))
    assert lines(shop) == []
    add(browser, shop, product=shop.shirt, quantity=4)
    [line] = lines(shop)
    assert (line.quantity, line.held) == (4, True)
    with schema_context(shop.structure.schema_name):
        from ponton.catalogue.models import StockPool

        assert StockPool.objects.get(pk=shop.shirt.stock_pool_id).sold == 4  # stock held
    add(client_for(shop.structure), shop, product=shop.shirt, quantity=4)  # 1 left of 5
    with schema_context(shop.structure.schema_name):
        assert StockPool.objects.get(pk=shop.shirt.stock_pool_id).sold == 4
        assert BasketLine.objects.count() == 1


def test_mp2_a_product_withdrawn_after_it_was_put_in_the_basket_is_not_sold(shop, browser):
    """MP-2: the activity archived by staff while it sits in a basket: the checkout refuses it
    in French and nothing is written; withdrawn between checkout and payment, the payment is
    refunded and no order written."""
    add(browser, shop, quantity=1)
    token = _checkout(shop, browser)
    with schema_context(shop.structure.schema_name):
        from ponton.catalogue.models import Product

        Product.objects.filter(pk=shop.activity.pk).update(status=Product.Status.ARCHIVED)
    browser.post(f"/commande/{token}/test/")
    with schema_context(shop.structure.schema_name):
        assert OnlineCheckout.objects.get(token=token).state == "refunded"
        assert not Order.objects.exists() and not Payment.objects.exists()
    page = text(browser.get(f"/commande/{token}/"))
    assert "« Stage catamaran » n'est pas publié : il ne peut pas être vendu." in page
    assert "a été remboursé sur votre carte" in page
    refused = checkout_post(browser, lines(shop))
    assert refused.status_code == 400
    assert "« Stage catamaran » n'est pas publié : il ne peut pas être vendu." in text(refused)
    with schema_context(shop.structure.schema_name):
        assert OnlineCheckout.objects.count() == 1


def test_mp2_checkout_is_rate_limited_per_email(shop, browser, client_for):
    """MP-2: past 10 checkouts in an hour for one email, even from another browser: refused
    (10 attempts from the address are still under its own limit of 20)."""
    add(browser, shop, quantity=1)
    for _ in range(10):
        checkout_post(browser, lines(shop), email="meme@exemple.fr", accept="")
    other = client_for(shop.structure)
    add(other, shop, quantity=1)
    theirs = [line for line in lines(shop) if line.basket_id != lines(shop)[0].basket_id]
    page = text(checkout_post(other, theirs, email="meme@exemple.fr"))
    assert "Trop de tentatives : réessayez dans quelques minutes." in page
    with schema_context(shop.structure.schema_name):
        assert not OnlineCheckout.objects.exists()
