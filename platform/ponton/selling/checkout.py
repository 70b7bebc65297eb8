"""The online checkout (MP-2, MP-3): from a basket with held seats to a paid, invoiced order.

1. `checkout_start`: the customer is identified (an account is created for a new email, never
   telling whether one existed), the participants are named, the custom fields answered, the
   CGV accepted; the server prices the basket again (`selling.basket_price`) and keeps what it
   priced in an `OnlineCheckout`. Nothing else is written: no order, no customer for a new
   participant, until the money is there.
2. `checkout_payment_intent` / `checkout_pay_card` / `checkout_pay_test`: the card payment, on
   the structure's Stripe account or the embedded test gateway.
3. `checkout_confirmed` (the signed webhook, or the test gateway): in one transaction the
   basket's holds are given back and taken again by the order (`selling.sale_complete`, channel
   "online"), invoiced and paid ("CB en ligne"). Ten deliveries record one payment. If the
   seats are gone (the hold expired and someone else bought them), or the price changed, the
   payment is refunded to the card at once and the customer told; never oversold."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ponton.billing.models import Payment
from ponton.catalogue.models import Product, Rate
from ponton.customers.models import Customer
from ponton.payments.gateway import TEST_PREFIX, GatewayError, TestGateway
from ponton.payments.models import OnlineCheckout
from ponton.planning.models import Session
from ponton.sales import services as sales
from ponton.sales.models import Basket, BasketLine, Order
from ponton.selling import holds
from ponton.selling.services import (
    Actor,
    BillingError,
    LineRequest,
    PaymentData,
    SaleError,
    basket_price,
    sale_complete,
)

logger = logging.getLogger("ponton.shop")

ONLINE_ACTOR = Actor(account_id=None, name="MarketPlace")
CURRENCY = "eur"


class CheckoutError(SaleError):
    """A refused checkout, with a French message (and the form field it is about)."""


@dataclass(frozen=True)
class Participant:
    """Who consumes one seat: one of the payer's family (`customer_id`), the payer, or a new
    person."""

    customer_id: int | None = None
    first_name: str = ""
    last_name: str = ""
    birth_date: dt.date | None = None

    def as_json(self) -> dict:
        return {
            "customer": self.customer_id,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "birth_date": self.birth_date.isoformat() if self.birth_date else None,
        }


@dataclass
class CheckoutLines:
    """The basket's lines as sale requests (participants named, answers given), and the same
    as JSON for the checkout to keep."""

    requests: list[LineRequest] = field(default_factory=list)
    stored: list[dict] = field(default_factory=list)


def cgv_digest(structure) -> str:
    """SHA-256 of the structure's CGV file as it is now ("" without CGV)."""
    if not structure.cgv:
        return ""
    digest = hashlib.sha256()
    with structure.cgv.open("rb") as handle:
        for chunk in iter(lambda: handle.read(65536), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _consumer(participant: Participant, *, payer: Customer, family: dict[int, Customer]):
    if participant.customer_id is not None:
        consumer = family.get(participant.customer_id)
        if consumer is None:
            raise CheckoutError(
                _("Choisissez un participant de votre famille."), field="participants"
            )
        return consumer
    # A new person, written only with the order (a placeholder carries the name until then).
    return Customer(first_name=participant.first_name, last_name=participant.last_name, payer=payer)


def checkout_lines(
    *,
    basket_lines: list[BasketLine],
    payer: Customer,
    participants: dict[int, list[Participant]],
    answers: dict[int, dict[str, str]],
) -> CheckoutLines:
    """The sale's lines: a product whose consumer is required gives one line per participant
    (its mandatory products follow the same participants); answers are keyed by label."""
    family = {c.pk: c for c in Customer.objects.filter(payer=payer, erased_at__isnull=True)}
    family[payer.pk] = payer
    result = CheckoutLines()
    by_parent: dict[int, list[BasketLine]] = {}
    for line in basket_lines:
        if line.parent_id is not None:
            by_parent.setdefault(line.parent_id, []).append(line)
    for line in basket_lines:
        if line.parent_id is not None:
            continue
        people = participants.get(line.pk, [])
        line_answers = answers.get(line.pk, {})
        groups = [(line, False), *((child, True) for child in by_parent.get(line.pk, []))]
        for item, mandatory in groups:
            if item.product.consumer_required:
                if len(people) != line.quantity:
                    raise CheckoutError(
                        _("Indiquez le nom de chacun des %(count)s participants de « %(name)s ».")
                        % {"count": line.quantity, "name": line.product.name},
                        field="participants",
                    )
                for person in people:
                    _add(result, item, 1, person, payer, family, line_answers, mandatory)
            else:
                _add(result, item, item.quantity, None, payer, family, line_answers, mandatory)
    return result


def _add(result, item, quantity, person, payer, family, line_answers, mandatory) -> None:
    consumer = _consumer(person, payer=payer, family=family) if person is not None else None
    result.requests.append(
        LineRequest(
            product=item.product,
            session=item.session,
            rate=item.rate,
            quantity=quantity,
            consumer=consumer,
            answers={} if mandatory else dict(line_answers),
            added_as_mandatory=mandatory,
        )
    )
    result.stored.append(
        {
            "product": item.product_id,
            "session": item.session_id,
            "rate": item.rate_id,
            "quantity": quantity,
            "participant": person.as_json() if person is not None else None,
            "answers": {} if mandatory else dict(line_answers),
            "mandatory": mandatory,
        }
    )


@transaction.atomic
def checkout_start(
    *,
    structure,
    basket: Basket,
    payer: Customer,
    participants: dict[int, list[Participant]],
    answers: dict[int, dict[str, str]],
    cgv_accepted: bool,
    new_account: bool,
    client_ip: str | None = None,
) -> OnlineCheckout:
    """Check and price the basket for `payer`, keep it to be paid. Raises CheckoutError or
    SaleError (French) with nothing written."""
    basket = Basket.objects.select_for_update().get(pk=basket.pk)
    if holds.basket_release_if_expired(basket=basket):
        raise CheckoutError(
            _("Votre panier a expiré : ses places ont été libérées. Réservez-les à nouveau.")
        )
    lines = list(basket.lines.select_related("product", "session", "rate"))
    if not lines:
        raise CheckoutError(_("Votre panier est vide."))
    digest = cgv_digest(structure)
    if not digest:
        raise CheckoutError(_("Cette structure ne vend pas en ligne : elle n'a pas publié de CGV."))
    if not cgv_accepted:
        raise CheckoutError(
            _("Acceptez les conditions générales de vente pour commander."), field="cgv"
        )
    built = checkout_lines(
        basket_lines=lines, payer=payer, participants=participants, answers=answers
    )
    priced = basket_price(payer=payer, lines=built.requests, channel=sales.ONLINE)
    checkout = OnlineCheckout.objects.create(
        basket_key=basket.key,
        payer=payer,
        lines=built.stored,
        amount=priced.total,
        cgv_sha256=digest,
        cgv_accepted_at=timezone.now(),
        new_account=new_account,
        client_ip=client_ip or None,
    )
    # The customer is paying: the seats stay held while they do.
    holds.basket_extend(basket=basket, minutes=structure.basket_hold_minutes)
    return checkout


# Payment ------------------------------------------------------------------------------------


def checkout_payment_intent(*, checkout: OnlineCheckout, gateway) -> str:
    """The PaymentIntent of the checkout (created once per gateway, for the priced amount)."""
    same_gateway = checkout.intent_id.startswith(TEST_PREFIX) == gateway.is_test
    if checkout.intent_id and same_gateway:
        return checkout.intent_id
    try:
        intent_id, _secret = gateway.create_payment_intent(
            checkout.amount,
            CURRENCY,
            {
                "checkout": checkout.pk,
                "order_token": checkout.token[:12],
                "schema": connection.schema_name,  # type: ignore[attr-defined]  # django-tenants
            },
        )
    except GatewayError as exc:
        raise CheckoutError(str(exc)) from exc
    OnlineCheckout.objects.filter(pk=checkout.pk).update(intent_id=intent_id)
    checkout.intent_id = intent_id
    return intent_id


def checkout_pay_card(*, checkout: OnlineCheckout, card_token: str, gateway) -> tuple[str, str]:
    """Confirm the PaymentIntent with the card tokenised by Stripe.js on our page. Returns
    (status, client_secret); "requires_action" is 3-D Secure, finished on the page. The order
    is written when the webhook confirms."""
    if gateway.is_test:
        raise CheckoutError(_("Paiement par carte indisponible : passerelle de test."))
    if not card_token or not card_token.startswith("tok_") or len(card_token) > 255:
        raise CheckoutError(_("Carte non reconnue : saisissez-la à nouveau."), field="card")
    intent_id = checkout_payment_intent(checkout=checkout, gateway=gateway)
    try:
        return gateway.confirm_with_card_token(intent_id, card_token, checkout.payer.email)
    except GatewayError as exc:
        raise CheckoutError(str(exc), field="card") from exc


def checkout_pay_test(*, structure, checkout: OnlineCheckout, gateway) -> OnlineCheckout:
    """Embedded default: "Simuler le paiement" goes through the same confirmation as the
    webhook (no money moves)."""
    if not gateway.is_test:
        raise CheckoutError(_("La passerelle de test n'est pas utilisée par cette structure."))
    intent_id = checkout_payment_intent(checkout=checkout, gateway=gateway)
    return checkout_confirmed(
        structure=structure, checkout_id=checkout.pk, intent_id=intent_id, amount=checkout.amount
    )


# Confirmation ---------------------------------------------------------------------------------


def _requests_from(checkout: OnlineCheckout) -> list[LineRequest]:
    """The sale's lines from what the checkout kept (products, sessions and rates read again;
    prices are the catalogue's, never the browser's). New participants become customers of
    the payer's family here, in the order's transaction."""
    stored = checkout.lines
    products = Product.objects.in_bulk({item["product"] for item in stored})
    sessions = Session.objects.in_bulk({item["session"] for item in stored if item["session"]})
    rates = Rate.objects.in_bulk({item["rate"] for item in stored if item["rate"]})
    family = {c.pk: c for c in Customer.objects.filter(payer=checkout.payer)}
    family[checkout.payer_id] = checkout.payer
    created: dict[tuple, Customer] = {}
    requests = []
    for item in stored:
        product = products.get(item["product"])
        if product is None:
            raise SaleError(_("Un produit de votre panier n'est plus en vente."))
        consumer = None
        person = item.get("participant")
        if person:
            if person.get("customer"):
                consumer = family.get(person["customer"])
            else:
                key = (person["first_name"], person["last_name"], person.get("birth_date"))
                consumer = created.get(key)
                if consumer is None:
                    consumer = Customer.objects.create(
                        first_name=person["first_name"],
                        last_name=person["last_name"],
                        birth_date=person.get("birth_date"),
                        payer=checkout.payer,
                    )
                    created[key] = consumer
        requests.append(
            LineRequest(
                product=product,
                session=sessions.get(item["session"]) if item["session"] else None,
                rate=rates.get(item["rate"]) if item["rate"] else None,
                quantity=item["quantity"],
                consumer=consumer,
                answers=item.get("answers") or {},
                added_as_mandatory=item.get("mandatory", False),
            )
        )
    return requests


def checkout_confirmed(
    *, structure, checkout_id: int, intent_id: str, amount: Decimal, gateway=None
) -> OnlineCheckout:
    """The gateway confirmed `amount` on `intent_id`: write the order, its invoice and the
    payment once; or refund the card when the sale cannot be made any more."""
    with transaction.atomic():
        checkout = (
            OnlineCheckout.objects.select_for_update().select_related("payer").get(pk=checkout_id)
        )
        if checkout.state != OnlineCheckout.State.PENDING:
            return checkout  # a delivery already recorded (or refunded) it
        if Payment.objects.filter(gateway_reference=intent_id).exists():
            return checkout
        basket = Basket.objects.select_for_update().filter(key=checkout.basket_key).first()
        try:
            with transaction.atomic():
                if amount != checkout.amount:
                    raise CheckoutError(_("Le montant payé ne correspond pas à la commande."))
                if basket is not None:
                    # The held seats are given back, then taken again by the order just below,
                    # in this same transaction: nobody can take them in between.
                    holds.basket_release(basket=basket)
                sale = sale_complete(
                    structure=structure,
                    payer=checkout.payer,
                    lines=_requests_from(checkout),
                    payments=[
                        PaymentData(
                            kind=Payment.Kind.PAYMENT,
                            method=Payment.Method.ONLINE_CARD,
                            amount=amount,
                            reference=_("Paiement en ligne"),
                            gateway_reference=intent_id,
                        )
                    ],
                    actor=ONLINE_ACTOR,
                    channel=sales.ONLINE,
                )
                if sale.balance.due != 0:
                    raise CheckoutError(_("Le montant payé ne correspond pas à la commande."))
        except (SaleError, BillingError) as exc:
            return _refund(checkout=checkout, intent_id=intent_id, amount=amount, reason=exc)
        order = sale.order
        Order.objects.filter(pk=order.pk).update(
            cgv_accepted_at=checkout.cgv_accepted_at, cgv_sha256=checkout.cgv_sha256
        )
        sales.history_add(
            order=order,
            actor=ONLINE_ACTOR,
            action="online_order",
            message=_(
                "Commande passée en ligne et payée par carte (%(amount)s €) ; CGV acceptées "
                "(empreinte SHA-256 %(digest)s…)."
            )
            % {"amount": _money(amount), "digest": checkout.cgv_sha256[:12]},
            data={"checkout": checkout.pk, "gateway_reference": intent_id},
        )
        if basket is not None:
            BasketLine.objects.filter(basket=basket).delete()
            Basket.objects.filter(pk=basket.pk).update(expires_at=None, expired_notice=False)
        checkout.state = OnlineCheckout.State.PAID
        checkout.order = order
        checkout.paid_at = timezone.now()
        checkout.save(update_fields=["state", "order", "paid_at"])
        _after_commit(structure=structure, checkout=checkout, order=order, invoice=sale.invoice)
        return checkout


def checkout_webhook(*, structure, intent: dict) -> str:
    """A verified `payment_intent.succeeded` of an online basket (`metadata.checkout`)."""
    from ponton.payments.gateway import from_cents

    checkout_id = str((intent.get("metadata") or {}).get("checkout", ""))
    if not checkout_id.isdigit():
        return "ignored"
    found = OnlineCheckout.objects.filter(pk=int(checkout_id)).first()
    if found is None:
        return "unknown checkout"
    received = int(intent.get("amount_received") or intent.get("amount") or 0)
    done = checkout_confirmed(
        structure=structure,
        checkout_id=found.pk,
        intent_id=intent["id"],
        amount=from_cents(received),
    )
    return "recorded" if done.state == OnlineCheckout.State.PAID else "refunded"


def _money(amount: Decimal) -> str:
    from ponton.billing.money import money

    return money(amount)


def _refund(*, checkout: OnlineCheckout, intent_id: str, amount: Decimal, reason) -> OnlineCheckout:
    """Nothing could be sold: the whole amount goes back to the card, once (the checkout's row
    lock serialises deliveries; its state marks it done)."""
    from ponton.payments.gateway import gateway_for_current_structure

    gateway = (
        TestGateway() if intent_id.startswith(TEST_PREFIX) else gateway_for_current_structure()
    )
    try:
        refund_id = gateway.refund(intent_id, amount)
    except GatewayError as refused:
        logger.error("checkout %s: %s; refund refused: %s", checkout.pk, reason, refused)
        checkout.message = _(
            "Votre paiement n'a pas pu être enregistré (%(reason)s) et son remboursement "
            "automatique a échoué : la structure vous remboursera."
        ) % {"reason": str(reason).rstrip(".")}
    else:
        logger.warning("checkout %s refunded (%s): %s", checkout.pk, refund_id, reason)
        checkout.message = _(
            "Votre commande n'a pas pu être passée : %(reason)s Votre paiement de %(amount)s € "
            "a été remboursé sur votre carte."
        ) % {"reason": str(reason), "amount": _money(amount)}
    checkout.state = OnlineCheckout.State.REFUNDED
    checkout.save(update_fields=["state", "message"])
    return checkout


def _after_commit(*, structure, checkout: OnlineCheckout, order: Order, invoice) -> None:
    """The confirmation email (with the invoice PDF) and the staff's notification, after
    commit."""
    from ponton.selling.notify import online_order_notify

    online_order_notify(structure=structure, checkout=checkout, order=order, invoice=invoice)


def checkouts_pending_for(*, basket_key: str) -> list[OnlineCheckout]:
    return list(
        OnlineCheckout.objects.filter(basket_key=basket_key, state=OnlineCheckout.State.PENDING)
    )
