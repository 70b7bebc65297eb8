"""OR-9 in a real browser: the structure sets its Stripe keys in Paramètres, the payer opens the
Click & Pay link received by email and pays by card on our page against localstripe (its
Stripe.js stand-in and its signed webhook); the page thanks them once the webhook recorded
the payment. Also the embedded test gateway."""

from __future__ import annotations

import re
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django_tenants.utils import schema_context

from ponton.billing import services as billing
from ponton.billing.models import Payment
from ponton.payments import services
from ponton.payments.models import PaymentRequest
from ponton.sales import services as sales
from ponton.sales.services import LineRequest
from tenants.models import Domain
from tests.conftest import TEST_PASSWORD
from tests.platform.payments.conftest import localstripe, stripe_api  # noqa: F401 - fixtures
from tests.support.sales import STAFF, make_shop

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WEBHOOK_SECRET = "whsec_cpay_e2e"


def _invoice(structure):
    shop = make_shop()
    order = sales.order_create(
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
    return billing.invoice_issue(
        structure=structure,
        order=order,
        line_ids=[line.pk for line in order.lines.all()],
        actor=STAFF,
    )


def test_click_and_pay_link_paid_on_the_payment_page_against_localstripe(
    make_structure,
    site,
    new_page,
    stripe_api,  # noqa: F811 - fixture
    live_server,
    smtp_server,
):
    """OR-9: Paramètres > Paiement en ligne (Stripe); "Demande de C & P" emails the link; the
    customer pays 180,00 € with the card 4242 4242 4242 4242; "Paiement reçu, merci" appears
    once localstripe's signed webhook recorded ONE "CB en ligne" payment."""
    structure, owner = make_structure(name="Club de voile")
    Domain.objects.create(domain="127.0.0.1", tenant=structure, is_primary=False)
    port = urlsplit(live_server.url).port
    stripe_api.register_webhook(
        url=f"http://127.0.0.1:{port}/payments/stripe/webhook/", secret=WEBHOOK_SECRET
    )

    page = new_page()
    page.goto(site.url(structure, "/manager/paiements/stripe/"))
    page.get_by_label("Adresse email").fill(owner.email)
    page.get_by_label("Mot de passe").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("heading", name="Paiement en ligne (Stripe)").wait_for()
    page.get_by_label("Clé publiable").fill("pk_test_e2e")
    page.get_by_label("Clé secrète").fill("sk_test_e2e")
    page.get_by_label("Secret de signature des webhooks").fill(WEBHOOK_SECRET)
    page.get_by_role("button", name="Enregistrer").click()
    page.get_by_text("Votre compte Stripe est enregistré.").wait_for()

    with schema_context(structure.schema_name):
        bill = _invoice(structure)
        services.payment_request_create(document=bill, actor=STAFF)
    [message] = smtp_server.wait_for(1)
    link = re.search(r"http://\S+/payer/\S+/", smtp_server.text_of(message)).group(0)

    customer = new_page()
    customer.goto(link)
    customer.get_by_text(bill.number).wait_for()
    customer.get_by_text("180,00 €").first.wait_for()
    customer.get_by_placeholder("number").fill("4242424242424242")
    customer.get_by_placeholder("exp_month").fill("12")
    customer.get_by_placeholder("exp_year").fill("34")
    customer.get_by_placeholder("cvc").fill("123")
    customer.get_by_placeholder("postal_code").fill("29200")
    customer.get_by_role("button", name="Payer 180,00 €").click()
    customer.get_by_text("Paiement reçu, merci").wait_for(timeout=30_000)

    with schema_context(structure.schema_name):
        [payment] = Payment.objects.filter(document=bill)
        assert (payment.method, payment.amount) == ("online_card", Decimal("180.00"))
        assert payment.gateway_reference.startswith("pi_")
        assert PaymentRequest.objects.get(document=bill).state == "paid"


def test_test_gateway_in_the_browser(make_structure, site, new_page):
    """OR-9 embedded default: without Stripe keys the page is clearly marked as a test gateway
    and its button completes the payment."""
    structure, _owner = make_structure(name="Musée de la mer")
    with schema_context(structure.schema_name):
        bill = _invoice(structure)
        request = services.payment_request_create(document=bill, actor=STAFF)
    page = new_page()
    page.goto(site.url(structure, f"/payer/{request.token}/"))
    page.get_by_role("heading", name="Passerelle de test — aucun paiement réel").wait_for()
    page.get_by_role("button", name="Simuler le paiement de 180,00 €").click()
    page.get_by_text("Paiement reçu, merci").wait_for()
    with schema_context(structure.schema_name):
        assert Payment.objects.filter(document=bill, method="online_card").count() == 1


def test_three_d_secure_card_on_the_payment_page(
    make_structure,
    site,
    new_page,
    stripe_api,  # noqa: F811 - fixture
    live_server,
):
    """OR-9: a card that asks for 3-D Secure (4000 0025 0000 3155): the page finishes the
    authentication with Stripe.js, then waits for the webhook before thanking."""
    from ponton.payments.models import StripeAccount

    structure, _owner = make_structure(name="Club de kayak")
    Domain.objects.create(domain="127.0.0.1", tenant=structure, is_primary=False)
    port = urlsplit(live_server.url).port
    stripe_api.register_webhook(
        url=f"http://127.0.0.1:{port}/payments/stripe/webhook/", secret=WEBHOOK_SECRET
    )
    with schema_context(structure.schema_name):
        StripeAccount.objects.create(
            publishable_key="pk_test_3ds", secret_key="sk_test_3ds", webhook_secret=WEBHOOK_SECRET
        )
        bill = _invoice(structure)
        request = services.payment_request_create(document=bill, actor=STAFF)
    page = new_page()
    page.goto(site.url(structure, f"/payer/{request.token}/"))
    page.get_by_placeholder("number").fill("4000002500003155")
    page.get_by_placeholder("exp_month").fill("12")
    page.get_by_placeholder("exp_year").fill("34")
    page.get_by_placeholder("cvc").fill("123")
    page.get_by_role("button", name="Payer 180,00 €").click()
    page.get_by_role("button", name="Complete authentication").click()
    page.get_by_text("Paiement reçu, merci").wait_for(timeout=30_000)
    with schema_context(structure.schema_name):
        assert Payment.objects.filter(document=bill, method="online_card").count() == 1
