"""Reads of the MarketPlace (MP-1): whether the shop is open, the products a customer may see,
an activity's upcoming sessions by week with their booking state.

What a customer may see online: published products that are neither counter-only nor sold only
as an associated product. Everything else answers 404 (`access_shop_product`), so a draft's or
an archived product's URL reveals nothing. Each page reads a fixed number of queries whatever
the size of the catalogue or the number of sessions (tests/platform/shop/test_queries.py).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Max, Min, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from ponton.catalogue.models import (
    Category,
    Product,
    ProductAssociation,
    ProductPhoto,
    Promotion,
    Rate,
    Site,
)
from ponton.planning.models import Session
from ponton.planning.selectors_resources import equipment_seats_left
from tenants.models import Structure, StructureState

SHOP_WEEKS = 4

# Why a shop is closed (`shop_is_open`); the closed page words each of them.
CLOSED_SUSPENDED = "suspended"
CLOSED_DISABLED = "disabled"
CLOSED_NO_CGV = "no_cgv"


def shop_is_open(structure: Structure) -> tuple[bool, str]:
    """Whether `structure` sells online (MP-1), and if not why: "suspended" (the platform
    suspended it), "disabled" (its shop is switched off in Ma structure) or "no_cgv" (no CGV
    file: indispensable to sell online). The basket and the checkout refuse too when closed."""
    if structure.is_platform or structure.state == StructureState.SUSPENDED:
        return False, CLOSED_SUSPENDED
    if not structure.shop_enabled:
        return False, CLOSED_DISABLED
    if not structure.cgv:
        return False, CLOSED_NO_CGV
    return True, ""


# --- Products ---------------------------------------------------------------------------------


def shop_visible_products(*, day: dt.date | None = None) -> QuerySet[Product]:
    """Products a customer may see and buy online (MP-1, CA-4): published, neither
    counter-only nor associated-only, and not past their sale period (last year's
    membership)."""
    day = day or timezone.localdate()
    return Product.objects.filter(
        Q(sale_until__isnull=True) | Q(sale_until__gte=day),
        status=Product.Status.PUBLISHED,
        counter_only=False,
        associated_only=False,
    )


def _rates_today(day: dt.date) -> Q:
    return Q(rates__season__isnull=True) | Q(
        rates__season__starts_on__lte=day, rates__season__ends_on__gte=day
    )


def product_slug(product: Product) -> str:
    return slugify(product.name) or "produit"


def product_url(product: Product) -> str:
    """The product's shareable French URL: /activites/12-stage-catamaran/ for an activity,
    /produits/<id>-<slug>/ for the other kinds."""
    name = "shop:activity" if product.kind == Product.Kind.ACTIVITY else "shop:product"
    return reverse(name, kwargs={"product_id": product.pk, "slug": product_slug(product)})


@dataclass(frozen=True, slots=True)
class ShopCard:
    """A product as the shop's lists show it."""

    product: Product
    url: str
    thumbnail: str
    price: Decimal
    from_price: bool  # rates differ: "à partir de"


def shop_product_cards(
    *, category_id: int | None = None, site_id: int | None = None, day: dt.date | None = None
) -> list[ShopCard]:
    """The shop's products (one query), each with its first photo's thumbnail and its
    displayed price: the lowest of today's rates, "à partir de" when they differ."""
    day = day or timezone.localdate()
    first_thumbnail = (
        ProductPhoto.objects.filter(product=OuterRef("pk"))
        .order_by("position", "pk")
        .values("thumbnail")[:1]
    )
    products = (
        shop_visible_products()
        .select_related("category__parent", "site")
        .annotate(
            thumbnail_name=Subquery(first_thumbnail),
            low=Min("rates__amount", filter=_rates_today(day)),
            high=Max("rates__amount", filter=_rates_today(day)),
        )
    )
    if category_id:
        products = products.filter(Q(category_id=category_id) | Q(category__parent_id=category_id))
    if site_id:
        products = products.filter(site_id=site_id)
    products = products.order_by(
        "category__parent__position",
        "category__parent__name",
        "category__position",
        "category__name",
        "name",
        "pk",
    )
    storage = ProductPhoto._meta.get_field("thumbnail").storage
    cards = []
    for product in products:
        low, high = product.low, product.high
        thumbnail = product.thumbnail_name
        cards.append(
            ShopCard(
                product=product,
                url=product_url(product),
                thumbnail=storage.url(thumbnail) if thumbnail else "",
                price=product.price if low is None else low,
                from_price=low is not None and high != low,
            )
        )
    return cards


def cards_by_category(cards: list[ShopCard]) -> list[tuple[Category | None, list[ShopCard]]]:
    """Cards grouped by category, in the taxonomy's order (they come sorted)."""
    groups: list[tuple[Category | None, list[ShopCard]]] = []
    for card in cards:
        category = card.product.category
        current = groups[-1][0] if groups else None
        if not groups or (current.pk if current else None) != card.product.category_id:
            groups.append((category, []))
        groups[-1][1].append(card)
    return groups


def shop_categories() -> QuerySet[Category]:
    """Categories that hold at least one product the shop shows (for the navigation)."""
    return (
        Category.objects.filter(
            products__in=shop_visible_products().values("pk"),
        )
        .select_related("parent")
        .distinct()
        .order_by("parent__position", "parent__name", "position", "name")
    )


def shop_sites() -> QuerySet[Site]:
    return Site.objects.filter(products__in=shop_visible_products().values("pk")).distinct()


def access_shop_product(*, product_id: int) -> Product:
    """A product a customer may open in the shop, else 404 (drafts, archived, counter-only,
    associated-only products, unknown ids: the structure's own schema holds only its own)."""
    product = (
        shop_visible_products()
        .select_related("category__parent", "site", "stock_pool")
        .prefetch_related("photos")
        .filter(pk=product_id)
        .first()
    )
    if product is None:
        raise Http404
    return product


@dataclass(frozen=True, slots=True)
class ProductDetails:
    rates: list[Rate]
    promotions: list[Promotion]
    associations: list[ProductAssociation]


def product_details(*, product: Product, day: dt.date | None = None) -> ProductDetails:
    """Rates (with their season) that still apply, promotions a customer may still use, and
    the associated products offered now (mandatory ones first): three queries."""
    day = day or timezone.localdate()
    rates = list(
        product.rates.filter(Q(season__isnull=True) | Q(season__ends_on__gte=day))
        .select_related("season")
        .order_by("season__starts_on", "position", "pk")
    )
    promotions = list(product.promotions.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day)))
    associations = list(
        product.associations.filter(
            Q(ends_on__isnull=True) | Q(ends_on__gte=day),
            starts_on__lte=day,
            associated__status=Product.Status.PUBLISHED,
        )
        .exclude(associated__counter_only=True)
        .select_related("associated")
        .order_by("-mandatory", "associated__name", "pk")
    )
    return ProductDetails(rates=rates, promotions=promotions, associations=associations)


# --- Sessions ---------------------------------------------------------------------------------


@dataclass(slots=True)
class ShopSession:
    """A session as the shop shows it, with its booking state (MP-1, CA-4 booking windows)."""

    session: Session
    free: int
    bookable: bool
    opens_at: dt.datetime | None = None  # "Réservable à partir du …"
    closed: bool = False  # the booking window closed before the start
    html: str = ""  # the page's markup of the session (shop.presenters)

    @property
    def pk(self) -> int:
        return self.session.pk

    @property
    def full(self) -> bool:
        return self.free <= 0


@dataclass(slots=True)
class ShopWeek:
    monday: dt.date
    sessions: list[ShopSession] = field(default_factory=list)


@dataclass(slots=True)
class SessionWeeks:
    weeks: list[ShopWeek]
    first_monday: dt.date
    previous_monday: dt.date | None
    next_monday: dt.date | None


def session_state(
    *, product: Product, session: Session, now: dt.datetime, equipment_left: int | None = None
) -> ShopSession:
    """Whether a customer may book `session` online now, and if not yet, from when.
    `equipment_left`: the seats its equipment per participant still allows (RE-1), if any."""
    free = max(session.capacity - session.sold, 0)
    if equipment_left is not None:
        free = min(free, equipment_left)
    state = ShopSession(session=session, free=free, bookable=False)
    if session.starts_at <= now:
        state.closed = True
        return state
    closes = product.booking_closes_before_hours
    if closes is not None and now > session.starts_at - dt.timedelta(hours=closes):
        state.closed = True
        return state
    opens_at: dt.datetime | None = None
    if product.booking_opens_before_hours is not None:
        opens_at = session.starts_at - dt.timedelta(hours=product.booking_opens_before_hours)
    if product.online_from is not None:
        online = dt.datetime.combine(
            product.online_from, dt.time.min, tzinfo=timezone.get_current_timezone()
        )
        opens_at = online if opens_at is None else max(opens_at, online)
    if opens_at is not None and now < opens_at:
        state.opens_at = opens_at
        return state
    state.bookable = free > 0
    return state


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _local_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def activity_weeks(
    *,
    product: Product,
    from_monday: dt.date | None = None,
    weeks: int = SHOP_WEEKS,
    now: dt.datetime | None = None,
) -> SessionWeeks:
    """An activity's upcoming sessions over `weeks` weeks from `from_monday` (this week by
    default; never before it), by week, Monday first: three queries (the sessions, the
    equipment their seats take (RE-1; a fourth when some take any), and whether
    any comes later for the "Semaines suivantes" link), whatever their number."""
    now = now or timezone.now()
    this_monday = _monday(timezone.localtime(now).date())
    first = max(_monday(from_monday), this_monday) if from_monday else this_monday
    end = first + dt.timedelta(weeks=weeks)
    sessions = list(
        Session.objects.filter(
            product=product,
            starts_at__gte=max(now, _local_midnight(first)),
            starts_at__lt=_local_midnight(end),
        )
        .select_related("site")
        .order_by("starts_at", "pk")
    )
    equipment = equipment_seats_left(sold={s.pk: s.sold for s in sessions}) if sessions else {}
    by_week = [ShopWeek(monday=first + dt.timedelta(weeks=i)) for i in range(weeks)]
    for session in sessions:
        index = (timezone.localtime(session.starts_at).date() - first).days // 7
        by_week[index].sessions.append(
            session_state(
                product=product, session=session, now=now, equipment_left=equipment.get(session.pk)
            )
        )
    later = Session.objects.filter(product=product, starts_at__gte=_local_midnight(end)).exists()
    previous = max(first - dt.timedelta(weeks=weeks), this_monday) if first > this_monday else None
    return SessionWeeks(
        weeks=[week for week in by_week if week.sessions],
        first_monday=first,
        previous_monday=previous,
        next_monday=end if later else None,
    )


def access_shop_session(*, product: Product, session_id: int) -> Session:
    """A session of a product the shop shows, else 404."""
    session = Session.objects.filter(product=product, pk=session_id).first()
    if session is None:
        raise Http404
    return session


# --- schema.org -------------------------------------------------------------------------------


def script_json(data: dict) -> str:
    """JSON that can sit in a <script> element: <, > and & escaped as json_script does."""
    text = json.dumps(data, ensure_ascii=False)
    return text.replace("<", "\\u003C").replace(">", "\\u003E").replace("&", "\\u0026")


def event_json_ld(
    *,
    structure: Structure,
    product: Product,
    state: ShopSession,
    price: Decimal,
    url: str,
    starts: dt.datetime | None = None,
    ends: dt.datetime | None = None,
) -> str:
    """The session as a schema.org `Event` (JSON-LD), escaped for a <script> element
    (`starts` and `ends` in local time when the caller has them already)."""
    session = state.session
    place = session.site or product.site
    if place is not None:
        name, street, postal_code, city = (
            place.name,
            place.address_line1,
            place.postal_code,
            place.city,
        )
    else:
        name, street, postal_code, city = (
            structure.display_title,
            structure.address_line1,
            structure.postal_code,
            structure.city,
        )
    data = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": product.name,
        "startDate": (starts or timezone.localtime(session.starts_at)).isoformat(),
        "endDate": (ends or timezone.localtime(session.ends_at)).isoformat(),
        "eventStatus": "https://schema.org/EventScheduled",
        "eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode",
        "location": {
            "@type": "Place",
            "name": name,
            "address": {
                "@type": "PostalAddress",
                "streetAddress": street,
                "postalCode": postal_code,
                "addressLocality": city,
                "addressCountry": structure.country or "FR",
            },
        },
        "organizer": {"@type": "Organization", "name": structure.display_title},
        "offers": {
            "@type": "Offer",
            "price": f"{price:.2f}",
            "priceCurrency": "EUR",
            "availability": "https://schema.org/SoldOut"
            if state.full
            else "https://schema.org/InStock",
            "url": url,
        },
    }
    if product.description:
        data["description"] = product.description[:500]
    return script_json(data)


CLOSED_TITLES = {
    CLOSED_SUSPENDED: _("La boutique en ligne est fermée"),
    CLOSED_DISABLED: _("La boutique en ligne est fermée pour le moment"),
    CLOSED_NO_CGV: _("La boutique en ligne n'est pas encore ouverte"),
}
