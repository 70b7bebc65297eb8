"""Issue 12 in a real browser (Debian's Chromium, the Content-Security-Policy enforced):

- MP-1..MP-4: a customer books two participants on a session with a mandatory associated
  product, pays on our card page against localstripe (its Stripe.js stand-in), receives the
  email with the invoice, chooses a password from its link and finds the order and the invoice
  in the customer space;
- MP-1 live: a basket whose hold expires gives its seats back, and a second browser's page
  shows it without reload; another browser's page shows "Complet" the moment the last seat is
  sold from the Club Manager (a real daphne serving pages and websockets)."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from ponton.billing.models import Payment
from ponton.payments.models import StripeAccount
from ponton.planning.models import Session
from ponton.sales.models import Basket, Order
from ponton.shop.selectors import product_url
from tenants.models import Domain
from tests.conftest import TEST_PASSWORD
from tests.e2e.test_csp import LISTEN
from tests.e2e.test_shop_browse import (
    PHONE,
    fields_are_labelled,
    fits_the_phone,
    no_serious_violation,
)
from tests.platform.payments.conftest import localstripe, stripe_api  # noqa: F401 - fixtures
from tests.platform.payments.test_stripe_localstripe import SECRET_KEY, WEBHOOK_SECRET
from tests.support.files import forget_media_root
from tests.support.shop import open_shop

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Voile-et-vent-2026"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    forget_media_root()
    yield
    forget_media_root()


def activity_url(shop) -> str:
    with schema_context(shop.structure.schema_name):
        return product_url(shop.activity)


def test_customer_books_two_participants_pays_by_card_and_finds_the_order_in_the_space(
    make_structure,
    site,
    new_page,
    stripe_api,  # noqa: F811 - fixture
    live_server,
    smtp_server,
    media,
):
    """MP-1, MP-2, MP-3, MP-4: the whole purchase, with the seed's words, on a phone: every
    page of the basket and the checkout fits 375 px, its fields are labelled and axe-core finds
    no serious or critical violation."""
    structure, _owner = make_structure(name="Club de voile de Morgat")
    Domain.objects.create(domain="127.0.0.1", tenant=structure, is_primary=False)
    port = urlsplit(live_server.url).port
    stripe_api.register_webhook(
        url=f"http://127.0.0.1:{port}/payments/stripe/webhook/", secret=WEBHOOK_SECRET
    )
    shop = open_shop(structure)
    with schema_context(structure.schema_name):
        StripeAccount.objects.create(
            publishable_key="pk_test_e2e_shop", secret_key=SECRET_KEY, webhook_secret=WEBHOOK_SECRET
        )

    page = new_page()
    page.add_init_script(LISTEN)
    page.set_viewport_size(PHONE)
    page.goto(site.url(structure, activity_url(shop)))
    page.get_by_role("heading", name="Stage catamaran", level=1).wait_for()
    first = page.locator("li.shop-session").first
    first.get_by_label("Tarif").select_option(label="Enfant · 150,00 €")
    first.get_by_label("Places").fill("2")
    first.get_by_role("button", name="Réserver").click()

    page.get_by_role("heading", name="Mon panier").wait_for()
    page.get_by_text("Obligatoire avec « Stage catamaran »").wait_for()
    assert page.get_by_test_id("basket-total").inner_text() == "324,00 €"  # 2 × 150 + 2 × 12
    fits_the_phone(page, "basket")
    no_serious_violation(page, "basket")
    page.get_by_role("link", name="Commander").click()

    page.get_by_role("heading", name="Commander").wait_for()
    page.get_by_label("Prénom", exact=True).fill("Claire")
    page.get_by_label("Nom", exact=True).fill("Le Goff")
    page.get_by_label("Email").fill("claire.le-goff@exemple.fr")
    page.get_by_label("Mobile").fill("06 12 34 56 78")
    for index, first_name in enumerate(("Louis", "Jeanne")):
        block = page.locator("fieldset.participant").nth(index)
        block.get_by_label("Participant", exact=True).select_option(label="Une autre personne")
        block.get_by_label("Prénom du participant").fill(first_name)
        block.get_by_label("Nom du participant", exact=True).fill("Le Goff")
    page.get_by_label("J'ai lu et j'accepte les conditions générales de vente").check()
    fits_the_phone(page, "checkout")
    fields_are_labelled(page)
    no_serious_violation(page, "checkout")
    page.get_by_role("button", name="Payer 324,00 € par carte").click()

    page.get_by_role("heading", name="Paiement par carte").wait_for()
    assert page.get_by_test_id("amount-due").inner_text() == "324,00 €"
    page.get_by_placeholder("number").fill("4242424242424242")
    page.get_by_placeholder("exp_month").fill("12")
    page.get_by_placeholder("exp_year").fill("34")
    page.get_by_placeholder("cvc").fill("123")
    page.get_by_placeholder("postal_code").fill("29160")
    page.get_by_role("button", name="Payer 324,00 €").click()
    page.get_by_role("heading", name="Merci pour votre commande").wait_for(timeout=30_000)
    page.get_by_text("Paiement reçu").wait_for()
    assert page.evaluate("window.__csp") == []
    fits_the_phone(page, "confirmation")
    no_serious_violation(page, "confirmation")

    with schema_context(structure.schema_name):
        order = Order.objects.get()
        assert order.channel == "online"
        assert sorted(line.consumer.first_name for line in order.lines.all()) == [
            "Jeanne",
            "Jeanne",
            "Louis",
            "Louis",
        ]
        [payment] = Payment.objects.all()
        assert (payment.method, str(payment.amount)) == ("online_card", "324.00")
        invoice_number = payment.document.number

    [mail] = smtp_server.wait_for(1)
    body = smtp_server.text_of(mail)
    assert order.number in body and "324,00 €" in body
    assert any(p.get_content_type() == "application/pdf" for p in mail.walk())
    link = re.search(r"http://\S+/mot-de-passe/\S+/", body).group(0)
    page.goto(link)
    page.get_by_role("heading", name="Choisissez votre mot de passe").wait_for()
    page.get_by_label("Nouveau mot de passe", exact=True).fill(PASSWORD)
    page.get_by_label("Confirmation du nouveau mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Enregistrer le mot de passe").click()
    page.get_by_role("link", name="Se connecter").first.click()
    page.get_by_label("Adresse email").fill("claire.le-goff@exemple.fr")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()

    page.goto(site.url(structure, "/compte/commandes/"))
    page.get_by_role("link", name=order.number).first.wait_for()
    page.goto(site.url(structure, "/compte/factures/"))
    page.get_by_text(invoice_number).first.wait_for()


def seats_of(page, session) -> str:
    return page.locator(f'[data-session-seats="{session.pk}"]').first.inner_text()


def test_an_expired_hold_gives_its_seats_back_live_on_another_browser(
    make_structure, asgi_site, new_page, media
):
    """MP-1: a customer holds the last two seats; another browser's page shows "Complet"
    without reload; the hold expires and the customer's next look releases it: the other page
    shows the two free seats again, live."""
    structure, _owner = make_structure(name="Club des deux places")
    shop = open_shop(structure, capacity=2)
    url = asgi_site.url(structure, activity_url(shop))

    watcher = new_page()
    watcher.goto(url)
    assert seats_of(watcher, shop.session) == "2 places libres"

    buyer = new_page()
    buyer.goto(url)
    first = buyer.locator("li.shop-session").first
    first.get_by_label("Places").fill("2")
    first.get_by_role("button", name="Réserver").click()
    buyer.get_by_role("heading", name="Mon panier").wait_for()
    watcher.locator(f'[data-session-seats="{shop.session.pk}"]', has_text="Complet").wait_for()

    with schema_context(structure.schema_name):
        Basket.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    buyer.reload()
    buyer.get_by_text("Votre panier a expiré : les places réservées ont été libérées.").wait_for()
    watcher.locator(
        f'[data-session-seats="{shop.session.pk}"]', has_text="2 places libres"
    ).wait_for()
    with schema_context(structure.schema_name):
        assert Session.objects.get(pk=shop.session.pk).sold == 0


def test_complet_appears_live_when_the_club_manager_sells_the_last_seat(
    make_structure, asgi_site, new_page, media
):
    """MP-1: a customer's page is open on the activity; staff sell the last seat from the
    planning in the Club Manager; "Complet" appears on the customer's page, its "Réserver"
    disabled, without reload."""
    structure, owner = make_structure(name="Club du dernier siège")
    shop = open_shop(structure, capacity=1)
    customer = new_page()
    customer.goto(asgi_site.url(structure, activity_url(shop)))
    assert seats_of(customer, shop.session) == "1 place libre"

    staff = new_page()
    staff.goto(asgi_site.url(structure, "/manager/"))
    staff.get_by_label("Adresse email").fill(owner.email)
    staff.get_by_label("Mot de passe").fill(TEST_PASSWORD)
    staff.get_by_role("button", name="Se connecter").click()
    staff.get_by_role("heading", name="Tableau de bord").wait_for()
    staff.get_by_role("link", name="Panier").first.click()
    staff.get_by_role("searchbox", name="Payeur", exact=True).fill("le goff")
    staff.get_by_role("button", name="Claire Le Goff · claire@exemple.fr").click()
    staff.get_by_text("Payeur : Claire Le Goff.").wait_for()
    main = staff.get_by_role("main")
    main.get_by_role("link", name="Planning", exact=True).click()
    staff.get_by_role("link", name="Semaine suivante").click()
    staff.locator("tr", has_text="Stage catamaran").first.get_by_role(
        "link", name="Ajout panier"
    ).click()
    staff.get_by_label("Tarif").select_option(label="Enfant (150,00 €)")
    staff.get_by_role("button", name="Valider").click()
    staff.get_by_text("ajouté au panier").wait_for()
    main.get_by_role("link", name="Panier", exact=True).click()
    staff.get_by_role("searchbox", name="Consommateur de « Stage catamaran »").fill("louis")
    staff.get_by_role("button", name="Louis Le Goff").click()
    staff.get_by_text("Consommateur : Louis Le Goff.").wait_for()
    staff.get_by_role("button", name="Commander").click()
    staff.get_by_role("heading", name=re.compile(r"^Commande CO-")).wait_for()

    seats = customer.locator(f'[data-session-seats="{shop.session.pk}"]', has_text="Complet")
    seats.wait_for()
    assert customer.locator(f'[data-book-session="{shop.session.pk}"]').is_disabled()
