"""Payment gateways: the structure's Stripe account, or the embedded test gateway.

Interface (both implementations):

- `create_payment_intent(amount, currency, metadata) -> (id, client_secret)`
- `confirm_with_card_token(payment_intent_id, card_token, email) -> (status, client_secret)`:
  the payment page tokenises the card with Stripe.js Elements (`stripe.createToken`, the card
  number never reaches our server); the card is saved on a Stripe customer and the
  PaymentIntent confirmed with it. When the bank asks for 3-D Secure the status is
  `requires_action` and the page finishes with `stripe.confirmCardPayment(client_secret)`.
  This path is the same on Stripe and on localstripe (which the tests start on loopback).
- `refund(payment_intent_id, amount) -> refund id`
- `verify_webhook(payload, signature) -> event dict`, raising `WebhookError` when the
  signature does not match the structure's webhook secret.

Amounts are `Decimal` euros here and integer cents at Stripe. Which Stripe server is used
comes from `settings.STRIPE_API_BASE` (default https://api.stripe.com; tests point it at
localstripe), the Stripe.js URL from `settings.STRIPE_JS_URL`."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from decimal import Decimal

from django.conf import settings

from ponton.billing.money import cents

DEFAULT_API_BASE = "https://api.stripe.com"
DEFAULT_JS_URL = "https://js.stripe.com/v3/"
TEST_PREFIX = "test_"
# How far a webhook's signed timestamp may be from now, either way (seconds).
WEBHOOK_TOLERANCE = 300


def stripe_csp_sources() -> dict[str, list[str]]:
    """What the payment page adds to the Content-Security-Policy for Stripe.js: its script and
    frames, and the API it calls (Stripe's, or localstripe's stand-in on loopback in tests)."""
    from urllib.parse import urlsplit

    def origin(url: str) -> str:
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}"

    js = origin(stripe_js_url())
    api = origin(getattr(settings, "STRIPE_API_BASE", DEFAULT_API_BASE))
    frames = [js, "https://hooks.stripe.com"] if js == "https://js.stripe.com" else [js]
    return {"script-src": [js], "frame-src": frames, "connect-src": [js, api]}


def card_refusal(code: str) -> str:
    """A card refused by the bank, in French, by Stripe's error code."""
    from django.utils.translation import gettext as _

    messages = {
        "expired_card": _("Carte expirée : essayez une autre carte."),
        "incorrect_cvc": _("Cryptogramme incorrect : vérifiez les 3 chiffres au dos de la carte."),
        "incorrect_number": _("Numéro de carte incorrect : saisissez-le à nouveau."),
        "insufficient_funds": _("Paiement refusé par la banque (provision insuffisante)."),
        "processing_error": _("La banque n'a pas pu traiter le paiement : réessayez."),
    }
    return messages.get(code, _("Paiement refusé par la banque : essayez une autre carte."))


class GatewayError(Exception):
    """The gateway refused or could not be reached; the message is French."""


class WebhookError(Exception):
    """A webhook whose signature or content cannot be trusted."""


def to_cents(amount: Decimal) -> int:
    return int(cents(amount) * 100)


def from_cents(value: int) -> Decimal:
    return cents(Decimal(value) / 100)


def stripe_js_url() -> str:
    return getattr(settings, "STRIPE_JS_URL", DEFAULT_JS_URL)


class StripeGateway:
    is_test = False
    is_available = True

    def __init__(self, *, publishable_key: str, secret_key: str, webhook_secret: str):
        self.publishable_key = publishable_key
        self._secret_key = secret_key
        self._webhook_secret = webhook_secret

    def _client(self):
        import stripe

        base = getattr(settings, "STRIPE_API_BASE", DEFAULT_API_BASE)
        return stripe.StripeClient(
            self._secret_key, base_addresses={"api": base}, max_network_retries=2
        )

    def _call(self, fn):
        import stripe

        try:
            return fn(self._client())
        except stripe.CardError as exc:
            raise GatewayError(card_refusal(getattr(exc, "code", "") or "")) from exc
        except stripe.StripeError as exc:
            message = getattr(exc, "user_message", None) or str(exc)
            raise GatewayError(f"Stripe : {message}") from exc

    def create_payment_intent(
        self, amount: Decimal, currency: str, metadata: dict
    ) -> tuple[str, str]:
        intent = self._call(
            lambda c: c.v1.payment_intents.create(
                params={
                    "amount": to_cents(amount),
                    "currency": currency,
                    "metadata": {k: str(v) for k, v in metadata.items()},
                }
            )
        )
        return intent.id, intent.client_secret

    def confirm_with_card_token(
        self, payment_intent_id: str, card_token: str, email: str = ""
    ) -> tuple[str, str]:
        def run(c):
            params = {"source": card_token}
            if email:
                params["email"] = email
            customer = c.v1.customers.create(params=params)
            c.v1.payment_intents.update(
                payment_intent_id,
                params={"customer": customer.id, "payment_method": customer.default_source},
            )
            return c.v1.payment_intents.confirm(payment_intent_id)

        intent = self._call(run)
        return intent.status, intent.client_secret

    def refund(self, payment_intent_id: str, amount: Decimal) -> str:
        refund = self._call(
            lambda c: c.v1.refunds.create(
                params={"payment_intent": payment_intent_id, "amount": to_cents(amount)}
            )
        )
        if refund.status not in ("succeeded", "pending"):
            raise GatewayError(f"Stripe : remboursement {refund.status}.")
        return refund.id

    def verify_webhook(self, payload: bytes, signature: str) -> dict:
        import stripe

        if not self._webhook_secret:
            raise WebhookError("no webhook secret")
        try:
            stripe.WebhookSignature.verify_header(
                payload.decode("utf-8"), signature, self._webhook_secret, WEBHOOK_TOLERANCE
            )
        except (stripe.SignatureVerificationError, ValueError, IndexError) as exc:
            raise WebhookError(str(exc)) from exc
        # Stripe's tolerance only refuses timestamps in the past: one signed ahead of time
        # (a replay prepared in advance, a skewed clock) is refused too.
        if signed_timestamp(signature) > time.time() + WEBHOOK_TOLERANCE:
            raise WebhookError("timestamp in the future")
        try:
            return json.loads(payload)
        except ValueError as exc:
            raise WebhookError("not JSON") from exc


def signed_timestamp(signature: str) -> int:
    """The `t=` of a Stripe-Signature header (verified beforehand)."""
    for item in signature.split(","):
        key, _sep, value = item.partition("=")
        if key.strip() == "t":
            try:
                return int(value)
            except ValueError:
                break
    raise WebhookError("no timestamp")


class TestGateway:
    """Embedded default when the structure has no Stripe keys: nothing leaves the machine and
    no real money moves. The payment page says so and offers a button that simulates the card
    payment; it goes through the same confirmation as a Stripe webhook."""

    __test__ = False  # not a pytest class
    is_test = True
    is_available = True
    publishable_key = ""

    def create_payment_intent(
        self, amount: Decimal, currency: str, metadata: dict
    ) -> tuple[str, str]:
        intent_id = f"{TEST_PREFIX}pi_{secrets.token_hex(12)}"
        return intent_id, f"{intent_id}_secret"

    def confirm_with_card_token(self, payment_intent_id, card_token, email=""):
        raise GatewayError("La passerelle de test ne prend pas de carte.")

    def refund(self, payment_intent_id: str, amount: Decimal) -> str:
        if not payment_intent_id.startswith(TEST_PREFIX):
            raise GatewayError(
                "Ce paiement a été fait par Stripe : configurez le compte Stripe pour le "
                "rembourser."
            )
        return f"{TEST_PREFIX}re_{secrets.token_hex(12)}"

    def verify_webhook(self, payload: bytes, signature: str) -> dict:
        raise WebhookError("the test gateway receives no webhook")


class UnavailableGateway:
    """Production, structure without Stripe keys: no online payment at all (the test gateway
    would let anyone holding a link mark an invoice paid without paying)."""

    is_test = False
    is_available = False
    publishable_key = ""

    def _refuse(self, *args, **kwargs):
        raise GatewayError(
            "Le paiement en ligne n'est pas configuré pour cette structure : aucun paiement "
            "par carte n'est possible."
        )

    create_payment_intent = confirm_with_card_token = refund = _refuse

    def verify_webhook(self, payload: bytes, signature: str) -> dict:
        raise WebhookError("online payment is not configured")


def gateway_for_account(account) -> StripeGateway | TestGateway | UnavailableGateway:
    """The structure's Stripe account; without keys, the test gateway where it is allowed
    (`PAYMENTS_TEST_GATEWAY`: the embedded default, development, tests), else none."""
    from django.conf import settings

    if account is not None and account.configured:
        return StripeGateway(
            publishable_key=account.publishable_key,
            secret_key=account.secret_key,
            webhook_secret=account.webhook_secret,
        )
    if settings.PAYMENTS_TEST_GATEWAY:
        return TestGateway()
    return UnavailableGateway()


def gateway_for_current_structure() -> StripeGateway | TestGateway | UnavailableGateway:
    """The gateway of the structure whose schema the connection is on."""
    from ponton.payments.models import StripeAccount

    return gateway_for_account(StripeAccount.objects.first())


def sign_payload(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """A `Stripe-Signature` header for `payload` (what Stripe and localstripe send)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"
