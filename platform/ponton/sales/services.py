"""Writes of sales: baskets become orders or quotes, quotes become orders (OR-1, OR-2).

`order_create` is one transaction: every line is checked, mandatory associated products are
added, seats and stock are taken with conditional UPDATEs (never oversold), the order is
numbered and its history starts. If anything is refused, nothing is written and the seats
and stock taken so far are given back by the rollback."""

from __future__ import annotations

import datetime as dt
from collections import Counter as Tally
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import NoReturn, TypeGuard

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from ponton.billing.money import cents, money
from ponton.billing.numbering import next_number
from ponton.catalogue import vat
from ponton.catalogue.models import VAT_RATES, Product, Rate, StockPool
from ponton.catalogue.services import stock_take
from ponton.customers.models import Customer
from ponton.planning.models import Session
from ponton.planning.services_resources import ResourceError, resources_follow_seats
from ponton.sales.models import Order, OrderEvent, OrderLine
from ponton.web.batches import TransactionBatch
from ponton.web.bounds import QUANTITY_MAX, TOTAL_MAX
from realtime.services import availability_changed

LABEL_MAX: int = OrderLine._meta.get_field("label").max_length or 0
CODE_MAX: int = OrderLine._meta.get_field("accounting_code").max_length or 0


class SaleError(Exception):
    """A refused sale, with a French message; `line` is the basket line's index or None,
    `field` the basket field the message belongs to ("payer"), if any."""

    def __init__(self, message: str, *, line: int | None = None, field: str | None = None):
        super().__init__(message)
        self.line = line
        self.field = field


class SoldOutError(SaleError):
    """No seat or stock left ("complet")."""


@dataclass
class LineRequest:
    """One basket line: a product (with its session and rate for an activity), or a free
    line (OR-8: label, amount, VAT rate and accounting code, no product)."""

    product: Product | None = None
    session: Session | None = None
    rate: Rate | None = None
    consumer: Customer | None = None
    quantity: int = 1
    label: str = ""
    unit_price: Decimal | None = None
    vat_rate: Decimal | None = None
    vat_exemption: str = ""  # CO-4, a free line's exemption reason (`ponton.catalogue.vat`)
    accounting_code: str = ""
    discount: Decimal = Decimal("0.00")
    discount_label: str = ""
    answers: dict = field(default_factory=dict)
    added_as_mandatory: bool = False


@dataclass(frozen=True)
class Actor:
    """Who acts (history): an account id and a display name, or nobody for the shop."""

    account_id: int | None = None
    name: str = ""


SHOP = ONLINE = Order.Channel.ONLINE
MANAGER = Order.Channel.MANAGER
API = Order.Channel.API
TILL = Order.Channel.TILL


def history_add(
    *, order: Order, actor: Actor, action: str, message: str, note: str = "", data=None
):
    """A line of the order's history (OR-3); inside `history_batch()`, written at its end."""
    event = OrderEvent(
        order=order,
        actor_id=actor.account_id,
        actor_name=actor.name,
        action=action,
        message=message,
        note=note,
        data=data or {},
    )
    if not history_batch.queue(event):
        event.save(force_insert=True)


history_batch: TransactionBatch[OrderEvent] = TransactionBatch(
    "history_batch", OrderEvent.objects.bulk_create
)
"""`with history_batch():` — the history lines of the block are written at its end, in one
INSERT."""


def line_check(
    index: int,
    line: LineRequest,
    *,
    channel: str,
    now: dt.datetime,
    consumer_named_later: bool = False,
) -> None:
    """Every rule of one basket line but availability; `consumer_named_later`: the online
    basket names participants at checkout, so a missing consumer is not refused yet."""

    def refuse(message: str) -> NoReturn:
        raise SaleError(message, line=index)

    if line.quantity is None or line.quantity < 1:
        refuse(_("La quantité doit être d'au moins 1."))
    if line.quantity > QUANTITY_MAX:
        refuse(
            _("La quantité ne peut pas dépasser %(max)s.")
            % {"max": f"{QUANTITY_MAX:,}".replace(",", " ")}
        )
    if line.discount < 0:
        refuse(_("La remise ne peut pas être négative."))
    product = line.product
    if product is None:
        if not line.label.strip():
            refuse(_("Donnez une désignation à la ligne libre."))
        if len(line.label) > LABEL_MAX:
            refuse(
                _("La désignation ne doit pas dépasser %(max)s caractères.") % {"max": LABEL_MAX}
            )
        if len(line.accounting_code) > CODE_MAX:
            refuse(
                _("Le code comptable ne doit pas dépasser %(max)s caractères.") % {"max": CODE_MAX}
            )
        if line.unit_price is None or line.unit_price < 0:
            refuse(_("Le montant de la ligne libre ne peut pas être négatif."))
        if line.vat_rate is None or Decimal(line.vat_rate) not in {Decimal(r) for r in VAT_RATES}:
            refuse(_("Taux de TVA non autorisé : choisissez 20, 10, 5,5, 2,1 ou 0 %."))
        if line.vat_exemption:
            if line.vat_exemption not in dict(vat.LINE_CHOICES):
                refuse(_("Motif d'exonération de TVA inconnu."))
            if Decimal(line.vat_rate) != 0:
                refuse(str(vat.RATE_REFUSED))
        return
    if product.status != Product.Status.PUBLISHED:
        refuse(
            _("« %(name)s » n'est pas publié : il ne peut pas être vendu.") % {"name": product.name}
        )
    if product.counter_only and channel == SHOP:
        refuse(_("« %(name)s » se vend uniquement au guichet.") % {"name": product.name})
    if product.associated_only and not line.added_as_mandatory:
        refuse(_("« %(name)s » se vend uniquement comme produit associé.") % {"name": product.name})
    if product.consumer_required and line.consumer is None and not consumer_named_later:
        refuse(_("Choisissez le consommateur de « %(name)s ».") % {"name": product.name})
    if line.rate is not None and line.rate.product_id != product.pk:
        refuse(_("Ce tarif n'est pas un tarif de « %(name)s ».") % {"name": product.name})
    if product.kind == Product.Kind.ACTIVITY:
        session = line.session
        if session is None:
            refuse(_("Choisissez une date pour « %(name)s ».") % {"name": product.name})
        if session.product_id != product.pk:
            refuse(_("Cette séance n'est pas une séance de « %(name)s ».") % {"name": product.name})
        if channel == TILL:
            # At the counter a late arrival still buys a seat until the session ends, and
            # the booking windows are the online shop's rules.
            if session.ends_at <= now:
                refuse(_("Cette séance est terminée : elle ne se vend plus."))
            return
        if session.starts_at <= now:
            refuse(_("Cette séance a déjà commencé : elle ne se vend plus."))
        closes = product.booking_closes_before_hours
        if closes is not None and now > session.starts_at - dt.timedelta(hours=closes):
            refuse(
                _("Les réservations de cette séance sont closes (%(hours)s h avant le début).")
                % {"hours": closes}
            )
        opens = product.booking_opens_before_hours
        if opens is not None and now < session.starts_at - dt.timedelta(hours=opens):
            refuse(
                _("Les réservations de cette séance ouvrent %(hours)s h avant le début.")
                % {"hours": opens}
            )
    elif line.session is not None:
        refuse(_("Seule une activité se vend sur une séance."))
    if product.online_from and channel == SHOP and now.date() < product.online_from:
        refuse(
            _("« %(name)s » est en vente en ligne à partir du %(day)s.")
            % {"name": product.name, "day": product.online_from.strftime("%d/%m/%Y")}
        )


def _may_have(product: Product | None, flag: str) -> TypeGuard[Product]:
    """Whether the basket's checks must look up `flag` (mandatory associations, required
    custom fields) for `product`: unless it was read knowing it has none
    (`catalogue.selectors.products_for_basket`)."""
    return product is not None and getattr(product, flag, True)


def with_mandatory(
    lines: list[LineRequest], today: dt.date, *, present: set[int] | None = None
) -> list[LineRequest]:
    """Add the mandatory associated products of each line that does not already hold them
    (nor `present`: the products already in the basket)."""
    from ponton.catalogue.selectors import mandatory_associations

    present = {line.product.pk for line in lines if line.product is not None} | (present or set())
    result = list(lines)
    product_ids = [
        line.product.pk for line in lines if _may_have(line.product, "has_mandatory_associations")
    ]
    if not product_ids:
        return result
    associations = mandatory_associations(today=today).filter(product_id__in=product_ids)
    associations = associations.select_related("associated")
    by_product: dict[int, list] = {}
    for association in associations:
        by_product.setdefault(association.product_id, []).append(association.associated)
    for line in lines:
        if line.product is None:
            continue
        for associated in by_product.get(line.product.pk, []):
            if associated.pk in present:
                continue
            present.add(associated.pk)
            result.append(
                LineRequest(
                    product=associated,
                    consumer=line.consumer if associated.consumer_required else None,
                    quantity=line.quantity,
                    added_as_mandatory=True,
                )
            )
    return result


def check_min_quantities(lines: list[LineRequest]) -> None:
    totals: Tally[int] = Tally()
    products = {}
    for line in lines:
        if line.product is not None:
            totals[line.product.pk] += line.quantity
            products[line.product.pk] = line.product
    for pk, quantity in totals.items():
        product = products[pk]
        if quantity < (product.min_quantity or 1):
            raise SaleError(
                _("« %(name)s » se vend par %(min)s au moins.")
                % {"name": product.name, "min": product.min_quantity}
            )


def _price(line: LineRequest) -> tuple[str, str, Decimal, Decimal, str, str]:
    """label, rate name, unit price, VAT rate, accounting code and VAT exemption of a checked
    line."""
    product = line.product
    if product is None:
        # A free line: `line_check` refused it without an amount or a VAT rate.
        assert line.unit_price is not None and line.vat_rate is not None
        return (
            line.label.strip(),
            "",
            cents(line.unit_price),
            Decimal(line.vat_rate),
            line.accounting_code,
            line.vat_exemption,
        )
    label = product.name
    if line.session is not None:
        starts = timezone.localtime(line.session.starts_at)
        label = f"{product.name} – {starts:%d/%m/%Y %H:%M}"
    unit_price = line.rate.amount if line.rate is not None else product.price
    rate_name = line.rate.name if line.rate is not None else ""
    return (
        label,
        rate_name,
        unit_price,
        product.vat_rate,
        product.accounting_code,
        product.vat_exemption,
    )


def seats_release(*, session_id: int, quantity: int) -> None:
    Session.objects.filter(pk=session_id).update(sold=F("sold") - quantity)
    resources_follow_seats(session_ids=[session_id], check=False)  # RE-1: per participant
    availability_changed(session_ids=[session_id])  # live availability (MP-1), after commit


def stock_release(*, pool_id: int, quantity: int) -> None:
    StockPool.objects.filter(pk=pool_id).update(sold=F("sold") - quantity)


def seats_take(lines: list[OrderLine], *, overbook: bool = False) -> list[int]:
    """Take the seats and stock of `lines`, sessions and pools in id order (no deadlock).
    `overbook`: a sale that already happened (a till ticket made offline) takes what it sold
    even beyond capacity or stock; the sessions overbooked that way are returned, so that the
    caller flags them to staff. Otherwise a sold-out session or pool refuses the sale."""
    seats: Tally[int] = Tally()
    stock: Tally[int] = Tally()
    names = {}
    overbooked: list[int] = []
    for line in lines:
        if line.session_id is not None:
            seats[line.session_id] += line.quantity
        elif line.product is not None and line.product.stock_pool_id is not None:
            stock[line.product.stock_pool_id] += line.quantity
            names[line.product.stock_pool_id] = line.product.name
    for session_id in sorted(seats):
        taken = Session.objects.filter(
            pk=session_id, sold__lte=F("capacity") - seats[session_id]
        ).update(sold=F("sold") + seats[session_id])
        if not taken:
            if not overbook:
                raise SoldOutError(
                    _("Complet : il ne reste pas assez de places pour cette séance.")
                )
            # The seats were sold at the counter already: the session's capacity grows to
            # what is sold (capacity and sold stay consistent), and the caller flags it.
            Session.objects.filter(pk=session_id).update(
                sold=F("sold") + seats[session_id],
                capacity=Greatest(F("capacity"), F("sold") + seats[session_id]),
            )
            overbooked.append(session_id)
    try:
        # RE-1: equipment needed per participant follows the seats, within its count on
        # overlapping sessions (every channel takes seats here).
        resources_follow_seats(session_ids=sorted(seats), check=not overbook)
    except ResourceError as exc:
        raise SoldOutError(str(exc)) from exc
    availability_changed(session_ids=seats)  # live availability (MP-1), after commit
    for pool_id in sorted(stock):
        if not stock_take(pool=StockPool(pk=pool_id), quantity=stock[pool_id]):
            if not overbook:
                raise SoldOutError(_("Stock épuisé pour « %(name)s ».") % {"name": names[pool_id]})
            StockPool.objects.filter(pk=pool_id).update(
                sold=F("sold") + stock[pool_id],
                quantity=Greatest(F("quantity"), F("sold") + stock[pool_id]),
            )
    return overbooked


def release(*, line: OrderLine) -> None:
    """Give back the seats or stock a line holds (a cancelled seat is for sale again)."""
    if not line.holds:
        return
    if line.session_id is not None:
        seats_release(session_id=line.session_id, quantity=line.quantity)
    elif line.product is not None and line.product.stock_pool_id is not None:
        stock_release(pool_id=line.product.stock_pool_id, quantity=line.quantity)


def lines_build(*, order: Order | None, requests: list[LineRequest], state: str) -> list[OrderLine]:
    built = []
    for position, request in enumerate(requests, start=1):
        label, rate_name, unit_price, vat_rate, code, exemption = _price(request)
        discount = cents(request.discount)
        if discount > unit_price * request.quantity:
            raise SaleError(_("La remise dépasse le montant de la ligne."), line=position - 1)
        built.append(
            OrderLine(
                order=order,
                position=position,
                state=state,
                product=request.product,
                session=request.session,
                consumer=request.consumer,
                label=label,
                rate_name=rate_name,
                quantity=request.quantity,
                unit_price=unit_price,
                discount=discount,
                discount_label=request.discount_label,
                vat_rate=vat_rate,
                vat_exemption=exemption,
                accounting_code=code,
                answers=request.answers,
            )
        )
    return built


def check_basket(
    *,
    payer: Customer | None,
    lines: list[LineRequest],
    channel: str = MANAGER,
    sold_at: dt.datetime | None = None,
) -> list[LineRequest]:
    """Every check of a basket except availability; returns the lines with the mandatory
    associated products added. `sold_at`: when a sale that already happened took place (a
    till ticket made offline, synced later); the rules are those of that moment."""
    if payer is None:
        raise SaleError(_("Choisissez le payeur de la commande."), field="payer")
    if payer.erased_at is not None:
        raise SaleError(
            _("Ce client a été effacé (RGPD) : il ne peut plus commander."), field="payer"
        )
    if not lines:
        raise SaleError(_("Le panier est vide."))
    now = sold_at or timezone.now()
    lines = with_mandatory(lines, timezone.localdate(now))
    for index, line in enumerate(lines):
        line_check(index, line, channel=channel, now=now)
    check_min_quantities(lines)
    _check_required_answers(lines)
    _check_modules(payer=payer, lines=lines, channel=channel)
    return lines


def _check_modules(*, payer: Customer, lines: list[LineRequest], channel: str) -> None:
    """The checks the modules that are on add (`ponton_basket_check`, e.g. the identity a
    licence needs), before anything is written; the first refusal stops the sale."""
    from ponton.plugins.manager import hooks_for_connection

    hooks = hooks_for_connection()
    if not hooks.implemented("ponton_basket_check"):
        return
    structure = hooks.structure
    for refusals in hooks.ponton_basket_check(
        structure=structure, payer=payer, lines=lines, channel=channel
    ):
        for refusal in refusals or []:
            raise SaleError(refusal.message, line=refusal.line)


def _check_required_answers(lines: list[LineRequest]) -> None:
    """CA-7: every required custom field of a product is answered on its line (answers are
    keyed by the field's label). Lines added as mandatory associated products are not asked."""
    from ponton.catalogue.models import CustomField

    asked = [
        line.product.pk
        for line in lines
        if not line.added_as_mandatory and _may_have(line.product, "has_required_fields")
    ]
    if not asked:
        return
    required: dict[int, list[str]] = {}
    for product_id, label in CustomField.objects.filter(
        required=True, products__in=asked
    ).values_list("products", "label"):
        required.setdefault(product_id, []).append(label)
    for index, line in enumerate(lines):
        if line.product is None or line.added_as_mandatory:
            continue
        for label in required.get(line.product.pk, []):
            if not str(line.answers.get(label, "")).strip():
                raise SaleError(_("Répondez à « %(label)s ».") % {"label": label}, line=index)


@dataclass(frozen=True)
class Placed:
    """What `order_write` wrote: the order and its lines (as written)."""

    order: Order
    lines: list[OrderLine]


@transaction.atomic
def order_create(
    *,
    payer: Customer | None,
    lines: list[LineRequest],
    actor: Actor,
    quote: bool = False,
    channel: str = MANAGER,
    note: str = "",
) -> Order:
    """OR-1: "Commander" (an order, seats and stock taken) or "Devis" (a quote, nothing
    taken). Whole or not at all. The sales step only: callers sell through
    `ponton.selling.order_place`, which adds the minimum participants threshold (OR-10)."""
    return order_write(
        payer=payer, lines=lines, actor=actor, quote=quote, channel=channel, note=note
    ).order


def order_write(
    *,
    payer: Customer | None,
    lines: list[LineRequest],
    actor: Actor,
    quote: bool = False,
    channel: str = MANAGER,
    note: str = "",
) -> Placed:
    """The body of `order_create`, inside the caller's transaction. Seats and stock are taken
    before the order's number: the counter row stays locked until commit, so it is taken as
    late as possible."""
    prepared = order_prepare(payer=payer, lines=lines, actor=actor, quote=quote, channel=channel)
    series = prepared.order.status
    number = next_number(series=series, year=timezone.localdate().year)
    order = order_save(prepared=prepared, number=number, actor=actor, note=note)
    return Placed(order=order, lines=prepared.lines)


@dataclass(frozen=True)
class Prepared:
    """An order checked, its lines built and its seats and stock taken, not yet numbered nor
    written (`order_save` does)."""

    order: Order
    lines: list[OrderLine]
    overbooked: list[int] = field(default_factory=list)  # sessions sold beyond capacity


def order_prepare(
    *,
    payer: Customer | None,
    lines: list[LineRequest],
    actor: Actor,
    quote: bool = False,
    channel: str = MANAGER,
    invoiced_at_once: bool = False,
    sold_at: dt.datetime | None = None,
    overbook: bool = False,
) -> Prepared:
    """Every check of the basket, the lines with their prices, the seats and stock taken (in
    the caller's transaction). `invoiced_at_once`: the caller invoices every line in this same
    transaction (a complete sale), so they are written "facturé" at once (not on sessions with
    a minimum participants threshold). `sold_at` and `overbook`: a sale that already happened
    (an offline till ticket), checked by the rules of its moment and honoured beyond capacity
    (`seats_take`)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("an order is written inside the caller's transaction")
    lines = check_basket(payer=payer, lines=lines, channel=channel, sold_at=sold_at)
    if invoiced_at_once and (quote or on_threshold_sessions(lines)):
        raise ValueError("only the lines of an order without a threshold are invoiced at once")
    if quote:
        state = OrderLine.State.QUOTED
    else:
        state = OrderLine.State.INVOICED if invoiced_at_once else OrderLine.State.ORDERED
    built = lines_build(order=None, requests=lines, state=state)
    if sum((line.total for line in built), Decimal(0)) > TOTAL_MAX:
        raise SaleError(
            _("Le total de la commande ne peut pas dépasser %(max)s €.") % {"max": money(TOTAL_MAX)}
        )
    overbooked = [] if quote else seats_take(built, overbook=overbook)
    series = Order.Status.QUOTE if quote else Order.Status.ORDER
    order = Order(
        status=series,
        payer=payer,
        created_by_id=actor.account_id,
        ordered_at=None if quote else timezone.now(),
        channel=channel,
    )
    for line in built:
        line.order = order
    return Prepared(order=order, lines=built, overbooked=overbooked)


def order_save(*, prepared: Prepared, number: str, actor: Actor, note: str = "") -> Order:
    """Write a prepared order with its number, its lines and the first line of its history."""
    order = prepared.order
    order.number = number
    order.save(force_insert=True)
    OrderLine.objects.bulk_create(prepared.lines)
    if order.status == Order.Status.QUOTE:
        message = _("Devis %(number)s créé.") % {"number": order.number}
    else:
        message = _("Commande %(number)s créée.") % {"number": order.number}
    history_add(order=order, actor=actor, action="created", message=message, note=note)
    return order


def on_threshold_sessions(lines: list[OrderLine] | list[LineRequest]) -> bool:
    """Whether a line books a session of a product with a minimum participants threshold
    (OR-10), for order lines or basket lines (added associated products have no session)."""
    return any(
        line.product is not None
        and (line.product.min_participants or 0) > 0
        and line.session is not None
        for line in lines
    )


@transaction.atomic
def quote_order(*, order: Order, actor: Actor, note: str = "") -> Order:
    """OR-2: "Commander" on a quote: availability checked again, seats and stock taken, the
    quote becomes an order with its own number (callers: `ponton.selling.quote_to_order`,
    which adds OR-10)."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.status != Order.Status.QUOTE:
        raise SaleError(_("Ce devis a déjà été commandé."))
    lines = list(order.lines.select_related("product", "session", "consumer"))
    requests = [
        LineRequest(
            product=line.product,
            session=line.session,
            consumer=line.consumer,
            quantity=line.quantity,
            label=line.label,
            unit_price=line.unit_price,
            vat_rate=line.vat_rate,
            vat_exemption=line.vat_exemption,
            discount=line.discount,
            added_as_mandatory=True,  # the quote already holds its associated products
        )
        for line in lines
    ]
    now = timezone.now()
    for index, request in enumerate(requests):
        line_check(index, request, channel=MANAGER, now=now)
    seats_take(lines)
    for line in lines:
        line.state = OrderLine.State.ORDERED
    OrderLine.objects.bulk_update(lines, ["state"])
    order.quote_number = order.number
    order.number = next_number(series=Order.Status.ORDER, year=timezone.localdate().year)
    order.status = Order.Status.ORDER
    order.ordered_at = now
    order.save(update_fields=["quote_number", "number", "status", "ordered_at"])
    history_add(
        order=order,
        actor=actor,
        action="ordered",
        message=_("Devis %(quote)s commandé : commande %(number)s.")
        % {"quote": order.quote_number, "number": order.number},
        note=note,
    )
    return order


def replace_request(line: OrderLine, **changes) -> LineRequest:
    """A basket line like `line`, with `changes` (another session, product, rate…)."""
    base = LineRequest(
        product=line.product,
        session=line.session,
        consumer=line.consumer,
        quantity=line.quantity,
        answers=line.answers,
    )
    return replace(base, **changes)


def answer_file_store(*, upload) -> str:
    """CA-7: keep a file given as a custom field's answer in the structure's storage; the
    answer is the stored file's name."""
    from uuid import uuid4

    from django.core.files.storage import default_storage
    from django.utils.text import get_valid_filename

    name = get_valid_filename(upload.name or "fichier")[:80] or "fichier"
    return default_storage.save(f"orders/answers/{uuid4().hex}/{name}", upload)
