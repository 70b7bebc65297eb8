"""MP-2 against Stripe's API emulated by a real localstripe on loopback: an online basket paid
by card on the structure's Stripe account — the PaymentIntent confirmed with the Stripe.js
card token, the order written only when localstripe's signed webhook reaches our live server,
a declined card leaving a clear message and the basket intact."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import pytest
import stripe
from django_tenants.utils import schema_context

from ponton.billing.models import Payment
from ponton.ledger.selectors import ledger_verify
from ponton.payments.models import OnlineCheckout, StripeAccount
from ponton.planning.models import Session
from ponton.sales.models import BasketLine, Order
from tenants.models import Domain
from tests.platform.payments.test_stripe_localstripe import SECRET_KEY, WEBHOOK_SECRET
from tests.support.files import forget_media_root
from tests.support.shop import add, checkout_post, open_shop, token_of

pytestmark = pytest.mark.slow


@pytest.fixture
def live_online_shop(transactional_db, stripe_api, live_server, make_structure, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    forget_media_root()
    structure, _owner = make_structure(name="Club Stripe en ligne")
    Domain.objects.create(domain="127.0.0.1", tenant=structure, is_primary=False)
    port = urlsplit(live_server.url).port
    stripe_api.register_webhook(
        url=f"http://127.0.0.1:{port}/payments/stripe/webhook/", secret=WEBHOOK_SECRET
    )
    shop = open_shop(structure)
    with schema_context(structure.schema_name):
        StripeAccount.objects.create(
            publishable_key="pk_test_shop", secret_key=SECRET_KEY, webhook_secret=WEBHOOK_SECRET
        )
    shop.localstripe = stripe_api
    yield shop
    forget_media_root()


def card_token(localstripe, number: str) -> str:
    client = stripe.StripeClient(SECRET_KEY, base_addresses={"api": localstripe.url})
    return client.v1.tokens.create(
        params={"card": {"number": number, "exp_month": 12, "exp_year": 2034, "cvc": "123"}}
    ).id


def _basket_lines(shop):
    with schema_context(shop.structure.schema_name):
        return list(BasketLine.objects.select_related("product").order_by("id"))


def test_mp2_card_paid_on_stripe_order_written_by_the_signed_webhook(live_online_shop, client_for):
    shop = live_online_shop
    browser = client_for(shop.structure)
    add(browser, shop, quantity=2)
    token = token_of(checkout_post(browser, _basket_lines(shop)))
    page = browser.get(f"/commande/{token}/paiement/").content.decode()
    assert f'src="{shop.localstripe.url}/js.stripe.com/v3/"' in page
    assert 'data-key="pk_test_shop"' in page and "Passerelle de test" not in page

    response = browser.post(
        f"/commande/{token}/carte/",
        {"card_token": card_token(shop.localstripe, "4242424242424242")},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["status"] == "succeeded"
    deadline = time.monotonic() + 20
    with schema_context(shop.structure.schema_name):
        while time.monotonic() < deadline:
            found = OnlineCheckout.objects.get(token=token)
            if found.state != "pending":
                break
            time.sleep(0.2)
        assert found.state == "paid"
        order = Order.objects.get()
        [payment] = Payment.objects.all()
        assert (order.channel, payment.method, payment.amount) == (
            "online",
            "online_card",
            found.amount,
        )
        assert payment.gateway_reference == found.intent_id and found.intent_id.startswith("pi_")
        assert Session.objects.get(pk=shop.session.pk).sold == 2
        assert ledger_verify().ok


def test_mp2_a_declined_card_says_so_and_keeps_the_basket(live_online_shop, client_for):
    shop = live_online_shop
    browser = client_for(shop.structure)
    add(browser, shop, quantity=1)
    token = token_of(checkout_post(browser, _basket_lines(shop)))
    response = browser.post(
        f"/commande/{token}/carte/",
        {"card_token": card_token(shop.localstripe, "4000000000000002")},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["error"] == "Paiement refusé par la banque : essayez une autre carte."
    with schema_context(shop.structure.schema_name):
        assert OnlineCheckout.objects.get(token=token).state == "pending"
        assert not Order.objects.exists() and not Payment.objects.exists()
        assert Session.objects.get(pk=shop.session.pk).sold == 1
        assert all(line.held for line in BasketLine.objects.all())


def test_mp2_a_card_asking_for_3d_secure_waits_for_it_and_writes_nothing_yet(
    live_online_shop, client_for
):
    """MP-2: a card whose bank asks for 3-D Secure: the answer is "requires_action" with the
    client secret the page finishes with (`stripe.confirmCardPayment`); until the bank says
    yes nothing is written and the seats stay held."""
    shop = live_online_shop
    browser = client_for(shop.structure)
    add(browser, shop, quantity=1)
    token = token_of(checkout_post(browser, _basket_lines(shop)))
    response = browser.post(
        f"/commande/{token}/carte/",
        {"card_token": card_token(shop.localstripe, "4000002760003184")},
        content_type="application/json",
    )
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "requires_action" and data["client_secret"].startswith("pi_")
    time.sleep(1)  # a webhook, if any were (wrongly) sent, would have arrived
    with schema_context(shop.structure.schema_name):
        assert OnlineCheckout.objects.get(token=token).state == "pending"
        assert not Order.objects.exists() and not Payment.objects.exists()
        assert Session.objects.get(pk=shop.session.pk).sold == 1
