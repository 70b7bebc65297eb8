"""Holds of the online basket (MP-1, architecture.md "Holds").

A line put in the online basket takes its seats (or stock) at once, with the same conditional
UPDATE as an order (`sales.services.seats_take`): held seats count as taken for everyone else
and can never be oversold. They are held until the basket's `expires_at` (the structure's
`basket_hold_minutes`, 20 by default, restarted at each addition). An expired basket is
released by `holds_release_expired` (a periodic task) and by whoever looks at it first
(`basket_release_if_expired`); each line is given back once, whoever gets there first, by a
conditional UPDATE of its `held` flag. Checkout consumes the holds in the transaction that
places the order (`ponton.selling.checkout`)."""

from __future__ import annotations

import datetime as dt
import secrets
from collections import Counter as Tally
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from ponton.catalogue.models import Product, Rate, StockPool
from ponton.planning.models import Session
from ponton.planning.services_resources import resources_follow_seats
from ponton.sales import services as sales
from ponton.sales.models import Basket, BasketLine, OrderLine
from ponton.sales.services import LineRequest, SaleError
from realtime.services import availability_changed

HOLD_MINUTES_DEFAULT = 20
BASKET_LINES_MAX = 30


@dataclass(frozen=True)
class Released:
    """What a release gave back: the sessions whose seats changed (for live availability)."""

    lines: int
    session_ids: frozenset[int]


def basket_create(*, account_id: int | None = None) -> Basket:
    return Basket.objects.create(key=secrets.token_urlsafe(32), account_id=account_id)


def _hold_until(minutes: int) -> dt.datetime:
    return timezone.now() + dt.timedelta(minutes=minutes or HOLD_MINUTES_DEFAULT)


def _take(lines: list[BasketLine]) -> None:
    """Seats and stock of `lines`, with the order's conditional UPDATEs (SoldOutError when
    there are not enough: the caller's transaction rolls back what was taken)."""
    sales.seats_take(
        [
            OrderLine(product=line.product, session_id=line.session_id, quantity=line.quantity)
            for line in lines
        ]
    )


def _give_back(lines: list[BasketLine]) -> Released:
    """Release the held `lines`: each one whose `held` flag this call turns off gives its seats
    or stock back (a line already released by someone else gives nothing)."""
    seats: Tally[int] = Tally()
    stock: Tally[int] = Tally()
    count = 0
    for line in lines:
        if not BasketLine.objects.filter(pk=line.pk, held=True).update(held=False):
            continue
        line.held = False
        count += 1
        if line.session_id is not None:
            seats[line.session_id] += line.quantity
        elif line.product.stock_pool_id is not None:
            stock[line.product.stock_pool_id] += line.quantity
    for session_id in sorted(seats):
        Session.objects.filter(pk=session_id).update(sold=F("sold") - seats[session_id])
    if seats:  # RE-1: equipment held per participant follows the seats given back
        resources_follow_seats(session_ids=sorted(seats), check=False)
    for pool_id in sorted(stock):
        StockPool.objects.filter(pk=pool_id).update(sold=F("sold") - stock[pool_id])
    return Released(lines=count, session_ids=frozenset(seats))


def _locked(basket: Basket) -> Basket:
    return Basket.objects.select_for_update().get(pk=basket.pk)


def _lines(basket: Basket) -> list[BasketLine]:
    return list(basket.lines.select_related("product", "session", "rate"))


@transaction.atomic
def basket_add(
    *,
    basket: Basket,
    product: Product,
    session: Session | None,
    rate: Rate | None,
    quantity: int,
    hold_minutes: int,
) -> list[BasketLine]:
    """Put a product (an activity on one of its sessions) in the online basket: every rule of
    an online sale (published, not counter-only, booking window, rate of this product…), its
    mandatory associated products added with it, seats and stock taken at once, the basket's
    countdown restarted. Raises SaleError (SoldOutError: "Complet") with nothing written."""
    basket = _locked(basket)
    basket_release_if_expired(basket=basket)
    existing = _lines(basket)
    if len(existing) >= BASKET_LINES_MAX:
        raise SaleError(
            _("Votre panier est plein (%(max)s lignes) : commandez d'abord ce qu'il contient.")
            % {"max": BASKET_LINES_MAX}
        )
    request = LineRequest(product=product, session=session, rate=rate, quantity=quantity)
    now = timezone.now()
    requests = sales.with_mandatory(
        [request], timezone.localdate(), present={line.product_id for line in existing}
    )
    for index, line in enumerate(requests):
        sales.line_check(index, line, channel=sales.ONLINE, now=now, consumer_named_later=True)
    sales.check_min_quantities(
        [LineRequest(product=line.product, quantity=line.quantity) for line in existing] + requests
    )
    main = BasketLine(
        basket=basket, product=product, session=session, rate=rate, quantity=quantity, held=True
    )
    main.save()
    added = [main]
    for extra in requests[1:]:
        assert extra.product is not None  # mandatory associated products are products
        added.append(
            BasketLine.objects.create(
                basket=basket,
                product=extra.product,
                quantity=extra.quantity,
                parent=main,
                held=True,
            )
        )
    _take(added)
    basket.expires_at = _hold_until(hold_minutes)
    basket.expired_notice = False
    basket.save(update_fields=["expires_at", "expired_notice"])
    _seats_changed({line.session_id for line in added if line.session_id})
    return added


@transaction.atomic
def basket_remove(*, basket: Basket, line_id: int) -> Released:
    """Take a line out of the basket, with the mandatory products added for it; a mandatory
    product cannot be removed alone."""
    basket = _locked(basket)
    line = basket.lines.select_related("product", "parent__product").filter(pk=line_id).first()
    if line is None:
        raise SaleError(_("Cette ligne n'est plus dans votre panier."))
    if line.parent is not None:
        raise SaleError(
            _(
                "« %(name)s » est obligatoire avec « %(main)s » : "
                "retirez « %(main)s » pour le retirer."
            )
            % {"name": line.product.name, "main": line.parent.product.name}
        )
    lines = [line, *line.mandatory_lines.select_related("product")]
    released = _give_back(lines)
    BasketLine.objects.filter(pk__in=[item.pk for item in lines]).delete()
    _seats_changed(released.session_ids)
    return released


@transaction.atomic
def basket_hold_again(*, basket: Basket, hold_minutes: int) -> None:
    """ "Réserver à nouveau": take again the seats of the lines an expired basket gave back
    (SoldOutError if someone else took them meanwhile; nothing taken then)."""
    basket = _locked(basket)
    lines = [line for line in _lines(basket) if not line.held]
    if lines:
        _take(lines)
        BasketLine.objects.filter(pk__in=[line.pk for line in lines]).update(held=True)
    basket.expires_at = _hold_until(hold_minutes)
    basket.expired_notice = False
    basket.save(update_fields=["expires_at", "expired_notice"])
    _seats_changed({line.session_id for line in lines if line.session_id})


def basket_extend(*, basket: Basket, minutes: int) -> None:
    """The customer is paying: the seats stay held `minutes` from now (never shortened)."""
    until = _hold_until(minutes)
    if basket.expires_at is None or basket.expires_at < until:
        Basket.objects.filter(pk=basket.pk).update(expires_at=until)
        basket.expires_at = until


def basket_release(*, basket: Basket) -> Released:
    """Give back every seat the basket holds (in the caller's transaction)."""
    released = _give_back([line for line in _lines(basket) if line.held])
    _seats_changed(released.session_ids)
    return released


def basket_release_if_expired(*, basket: Basket) -> bool:
    """The lazy check: an expired basket gives its seats back now (the customer is told once,
    `expired_notice`). True when it had expired."""
    if basket.expires_at is None or basket.expires_at > timezone.now():
        return False
    with transaction.atomic():
        released = basket_release(basket=basket)
        Basket.objects.filter(pk=basket.pk).update(
            expires_at=None, expired_notice=bool(released.lines) or basket.expired_notice
        )
    basket.expires_at = None
    basket.expired_notice = bool(released.lines) or basket.expired_notice
    return True


def holds_release_expired(*, now: dt.datetime | None = None, batch: int = 200) -> int:
    """The periodic task's work: release every expired basket, a batch at a time, skipping
    those another process is busy with. Returns the number of lines given back."""
    now = now or timezone.now()
    total = 0
    while True:
        with transaction.atomic():
            baskets = list(
                Basket.objects.select_for_update(skip_locked=True)
                .filter(expires_at__lte=now)
                .order_by("expires_at")[:batch]
            )
            if not baskets:
                return total
            for basket in baskets:
                released = basket_release(basket=basket)
                total += released.lines
            Basket.objects.filter(pk__in=[b.pk for b in baskets]).update(
                expires_at=None, expired_notice=True
            )


def _seats_changed(session_ids: set[int] | frozenset[int]) -> None:
    """Live availability of these sessions, pushed after commit."""
    if session_ids:
        availability_changed(session_ids=session_ids)
