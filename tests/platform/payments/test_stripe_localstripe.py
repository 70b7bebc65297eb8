"""Click & Pay against Stripe's API emulated by a real localstripe on loopback (OR-9, OR-6):
the PaymentIntent paid by card, the webhook localstripe signs and sends to our live server,
the same event delivered ten times at once, refunds back to the card."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
import stripe
from django_tenants.utils import schema_context

from ponton.billing import services as billing
from ponton.billing.models import Payment
from ponton.ledger.selectors import ledger_verify
from ponton.payments import services
from ponton.payments.gateway import sign_payload
from ponton.payments.models import OnlineRefund, PaymentRequest, StripeAccount
from ponton.payments.services import PaymentsError
from ponton.sales import services as sales
from ponton.sales.models import OrderEvent
from ponton.sales.services import LineRequest
from tenants.models import Domain
from tests.support.sales import STAFF, make_shop

pytestmark = pytest.mark.slow

SECRET_KEY = "sk_test_cpay_localstripe"
WEBHOOK_SECRET = "whsec_cpay_localstripe"


def stripe_client(localstripe) -> stripe.StripeClient:
    return stripe.StripeClient(SECRET_KEY, base_addresses={"api": localstripe.url})


@pytest.fixture
def live_shop(transactional_db, stripe_api, live_server, make_structure):
    """A structure reachable at 127.0.0.1:<live port> (localstripe cannot resolve
    *.localhost), with its Stripe account pointing at localstripe and the webhook registered."""
    structure, owner = make_structure(name="Club Stripe")
    Domain.objects.create(domain="127.0.0.1", tenant=structure, is_primary=False)
    port = urlsplit(live_server.url).port
    webhook_url = f"http://127.0.0.1:{port}/payments/stripe/webhook/"
    stripe_api.register_webhook(url=webhook_url, secret=WEBHOOK_SECRET)
    with schema_context(structure.schema_name):
        shop = make_shop()
        StripeAccount.objects.create(
            publishable_key="pk_test_cpay", secret_key=SECRET_KEY, webhook_secret=WEBHOOK_SECRET
        )
    shop.structure = structure
    shop.webhook_url = webhook_url
    shop.localstripe = stripe_api
    return shop


def invoice_for(shop):
    order = sales.order_create(
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
    return billing.invoice_issue(
        structure=shop.structure,
        order=order,
        line_ids=[line.pk for line in order.lines.all()],
        actor=STAFF,
    )


def pay_by_card(client: stripe.StripeClient, intent_id: str) -> None:
    """The customer's card (PaymentMethod 4242…) confirms the PaymentIntent at localstripe."""
    method = client.v1.payment_methods.create(
        params={
            "type": "card",
            "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2034, "cvc": "123"},
        }
    )
    client.v1.payment_intents.update(intent_id, params={"payment_method": method.id})
    assert client.v1.payment_intents.confirm(intent_id).status == "succeeded"


def wait_for_payment(intent_id: str, timeout: float = 15.0) -> Payment:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        payment = Payment.objects.filter(gateway_reference=intent_id).first()
        if payment is not None:
            return payment
        time.sleep(0.2)
    raise AssertionError(f"no payment recorded for {intent_id}")


def event_for(localstripe, intent_id: str) -> bytes:
    request = urllib.request.Request(
        f"{localstripe.url}/v1/events?type=payment_intent.succeeded",
        headers={"Authorization": f"Bearer {SECRET_KEY}"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
        events = json.loads(response.read())["data"]
    [event] = [e for e in events if e["data"]["object"]["id"] == intent_id]
    return json.dumps(event, indent=2, sort_keys=True).encode()


def post_webhook(url: str, payload: bytes, signature: str) -> int:
    request = urllib.request.Request(
        url,
        data=payload,
        method="POST",
        headers={"Content-Type": "application/json", "Stripe-Signature": signature},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_card_payment_recorded_once_by_the_signed_webhook(live_shop, client_for):
    """OR-9: the card (Stripe.js token of 4242 4242 4242 4242) confirms the PaymentIntent at
    localstripe; the payment is recorded only when localstripe's signed webhook reaches us;
    the same event delivered ten times at once still records ONE payment; a bad signature is
    refused with 400."""
    shop = live_shop
    with schema_context(shop.structure.schema_name):
        bill = invoice_for(shop)
        request = services.payment_request_create(document=bill, actor=STAFF)
    page = client_for(shop.structure).get(f"/payer/{request.token}/").content.decode()
    assert f'src="{shop.localstripe.url}/js.stripe.com/v3/"' in page
    assert 'data-key="pk_test_cpay"' in page and "Passerelle de test" not in page

    token = stripe_client(shop.localstripe).v1.tokens.create(
        params={
            "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2034, "cvc": "123"}
        }
    )
    with schema_context(shop.structure.schema_name):
        status, _secret = services.pay_with_card_token(token=request.token, card_token=token.id)
        assert status == "succeeded"
        request.refresh_from_db()
        intent_id = request.intent_id
        assert intent_id.startswith("pi_") and request.intent_amount == Decimal("200.00")
        # Nothing is recorded before the webhook arrives: the payment comes from it.
        payment = wait_for_payment(intent_id)
        assert (payment.method, payment.amount, payment.document_id) == (
            "online_card",
            Decimal("200.00"),
            bill.pk,
        )
        request.refresh_from_db()
        assert request.state == PaymentRequest.State.PAID

    payload = event_for(shop.localstripe, intent_id)
    statuses: list[int] = []

    def deliver():
        statuses.append(
            post_webhook(shop.webhook_url, payload, sign_payload(payload, WEBHOOK_SECRET))
        )

    threads = [threading.Thread(target=deliver) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 10
    bad = post_webhook(shop.webhook_url, payload, sign_payload(payload, "whsec_not_ours"))
    assert bad == 400
    with schema_context(shop.structure.schema_name):
        assert Payment.objects.filter(gateway_reference=intent_id).count() == 1
        assert Payment.objects.count() == 1
        received = OrderEvent.objects.filter(
            order_id=bill.order_id, message__startswith="Paiement Click & Pay reçu"
        )
        assert received.count() == 1
        assert ledger_verify().ok
    response = client_for(shop.structure).get(f"/payer/{request.token}/")
    assert "Paiement reçu, merci" in response.content.decode()


def test_refund_goes_back_to_the_card_through_stripe(live_shop):
    """OR-6: an online card payment (PaymentMethod 4242…, PaymentIntent confirmed at
    localstripe) is refunded to the card: the Stripe refund is made, then the billing refund
    "CB en ligne" with the refund's id; refunding more than the card brought is refused and
    nothing is recorded; a credit note's refund goes back to the card too."""
    shop = live_shop
    client = stripe_client(shop.localstripe)
    with schema_context(shop.structure.schema_name):
        bill = invoice_for(shop)
        request = services.payment_request_create(document=bill, actor=STAFF)
        intent_id, due = services.payment_intent_prepare(token=request.token)
        assert due == Decimal("200.00")
    pay_by_card(client, intent_id)
    with schema_context(shop.structure.schema_name):
        payment = wait_for_payment(intent_id)
        refund = services.online_refund(
            document=bill, payment=payment, amount=Decimal("50.00"), actor=STAFF
        )
        assert (refund.kind, refund.method, refund.amount) == (
            "refund",
            "online_card",
            Decimal("50.00"),
        )
        assert refund.gateway_reference.startswith("re_")
        refunds = client.v1.refunds.list(params={"payment_intent": intent_id}).data
        assert [(r.id, r.amount) for r in refunds] == [(refund.gateway_reference, 5000)]

        with pytest.raises(PaymentsError, match="dépasse") as refused:
            services.online_refund(
                document=bill, payment=payment, amount=Decimal("150.01"), actor=STAFF
            )
        assert refused.value.field == "amount"
        assert Payment.objects.filter(kind="refund").count() == 1
        assert len(client.v1.refunds.list(params={"payment_intent": intent_id}).data) == 1

        # Cancel the T-shirt: its credit note (20 €) is refunded to the card.
        shirt_line = bill.order.lines.get(product=shop.shirt)
        credit_note = billing.line_cancel(structure=shop.structure, line=shirt_line, actor=STAFF)
        on_credit_note = services.online_refund(
            document=credit_note, payment=payment, amount=Decimal("20.00"), actor=STAFF
        )
        assert on_credit_note.document_id == credit_note.pk
        assert OnlineRefund.objects.filter(payment=payment).count() == 2
        assert len(client.v1.refunds.list(params={"payment_intent": intent_id}).data) == 2
        assert ledger_verify().ok

        # A cash payment cannot go "back to the card".
        with pytest.raises(PaymentsError, match="CB en ligne"):
            cash = Payment(method="cash", kind="payment", amount=Decimal("1.00"))
            services.online_refund(document=bill, payment=cash, amount=Decimal("1.00"), actor=STAFF)


def test_card_payment_on_an_invoice_paid_meanwhile_goes_back_to_the_card(live_shop):
    """OR-9, OR-6: the customer opened the payment page, staff meanwhile took the whole
    amount in cash; the card payment Stripe then confirms is not recorded (nothing is due)
    and is refunded to the card at once, once however often the webhook arrives; the order's
    history says so."""
    shop = live_shop
    client = stripe_client(shop.localstripe)
    with schema_context(shop.structure.schema_name):
        bill = invoice_for(shop)
        request = services.payment_request_create(document=bill, actor=STAFF)
        intent_id, due = services.payment_intent_prepare(token=request.token)
        billing.payment_record(
            document=bill,
            data=billing.PaymentData(kind="payment", method="cash", amount=due),
            actor=STAFF,
        )
    pay_by_card(client, intent_id)
    with schema_context(shop.structure.schema_name):
        refunded = OrderEvent.objects.filter(
            order_id=bill.order_id, action="payment_request_refunded"
        )
        deadline = time.monotonic() + 15
        while not refunded.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        [event] = refunded
        assert "remboursé sur la carte" in event.message and "200,00 €" in event.message
    refunds = client.v1.refunds.list(params={"payment_intent": intent_id}).data
    assert [(r.id, r.amount) for r in refunds] == [(event.data["refund_reference"], 20000)]

    payload = event_for(shop.localstripe, intent_id)
    assert post_webhook(shop.webhook_url, payload, sign_payload(payload, WEBHOOK_SECRET)) == 200
    assert len(client.v1.refunds.list(params={"payment_intent": intent_id}).data) == 1
    with schema_context(shop.structure.schema_name):
        assert refunded.count() == 1
        assert not Payment.objects.filter(method="online_card").exists()
        request.refresh_from_db()
        assert request.state != PaymentRequest.State.PAID
        assert ledger_verify().ok
