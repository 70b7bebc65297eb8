"""The MarketPlace's pages (MP-1): the shop home at /, a product's page, the closed page,
sitemap.xml and robots.txt. Thin: reads come from `shop.selectors`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps

from django.http import HttpResponse, HttpResponsePermanentRedirect
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from ponton.accounts.access import public_view
from ponton.accounts.selectors import membership_for
from ponton.catalogue.models import Product
from ponton.shop import selectors
from ponton.shop.presenters import SessionPresenter, rates_on


def _is_staff(request) -> bool:
    if not request.user.is_authenticated:
        return False
    return membership_for(user=request.user, structure=request.tenant) is not None


def shop_open_required(view: Callable) -> Callable:
    """Shop pages show the closed page while the shop cannot sell (no CGV, switched off,
    suspended): HTTP 200, since the page is the structure's legitimate home (its contacts, the
    staff's way in), not a server failure; `noindex` keeps it out of search results."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        is_open, reason = selectors.shop_is_open(request.tenant)
        if not is_open:
            return closed_page(request, reason=reason)
        return view(request, *args, **kwargs)

    return wrapped


def closed_page(request, *, reason: str) -> HttpResponse:
    return render(
        request,
        "shop/closed.html",
        {
            "structure": request.tenant,
            "reason": reason,
            "closed_title": selectors.CLOSED_TITLES[reason],
            "is_staff": _is_staff(request),
            "noindex": True,
        },
    )


def _int_param(request, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() and len(value) < 10 else None


@public_view
@shop_open_required
def home(request):
    """MP-1: the structure's shop: its identity and contacts, its products by category,
    filtered by category and site."""
    category_id = _int_param(request, "categorie")
    site_id = _int_param(request, "site")
    categories = list(selectors.shop_categories())
    sites = list(selectors.shop_sites())
    cards = selectors.shop_product_cards(category_id=category_id, site_id=site_id)
    return render(
        request,
        "shop/home.html",
        {
            "structure": request.tenant,
            "groups": selectors.cards_by_category(cards),
            "shop_categories": categories,
            "sites": sites,
            "category_id": category_id,
            "site_id": site_id,
            "filtered": bool(category_id or site_id),
            "is_staff": _is_staff(request),
            "canonical": request.build_absolute_uri("/"),
        },
    )


MAX_WEEKS_AHEAD = 156  # ?semaine= further than 3 years is ignored (and never overflows)


def _week_param(request) -> dt.date | None:
    try:
        week = dt.date.fromisoformat(request.GET.get("semaine", ""))
    except ValueError:
        return None
    if week > timezone.localdate() + dt.timedelta(weeks=MAX_WEEKS_AHEAD):
        return None
    return week


def _canonical_or_redirect(request, product: Product, slug: str, *, activity: bool):
    url = selectors.product_url(product)
    expected_activity = product.kind == Product.Kind.ACTIVITY
    if slug != selectors.product_slug(product) or activity != expected_activity:
        query = request.META.get("QUERY_STRING", "")
        return HttpResponsePermanentRedirect(f"{url}?{query}" if query else url)
    return None


def _product_page(request, product_id: int, slug: str, *, activity: bool):
    product = selectors.access_shop_product(product_id=product_id)
    redirect = _canonical_or_redirect(request, product, slug, activity=activity)
    if redirect is not None:
        return redirect
    structure = request.tenant
    now = timezone.now()
    today = timezone.localdate()
    details = selectors.product_details(product=product, day=today)
    url = request.build_absolute_uri(selectors.product_url(product))
    context = {
        "structure": structure,
        "shop_categories": list(selectors.shop_categories()),
        "product": product,
        "photos": list(product.photos.all()),
        "details": details,
        "canonical": url,
        "online_closed_until": product.online_from
        if product.online_from and product.online_from > today
        else None,
    }
    if activity:
        weeks = selectors.activity_weeks(product=product, from_monday=_week_param(request), now=now)
        SessionPresenter(
            structure=structure,
            product=product,
            rates=details.rates,
            url=url,
            nonce=request.csp_nonce,
            csrf_token=get_token(request),
            action=reverse("shop:basket_add"),
        ).render(weeks)
        context["weeks"] = weeks
    else:
        context["rates"] = rates_on(details.rates, today)
    return render(request, "shop/product.html", context)


@public_view
@shop_open_required
def activity(request, product_id: int, slug: str = ""):
    """MP-1: an activity's page, its sessions by week (4 at a time) with free seats."""
    return _product_page(request, product_id, slug, activity=True)


@public_view
@shop_open_required
def product(request, product_id: int, slug: str = ""):
    """MP-1: a shop item's, undated ticket's or membership's page."""
    return _product_page(request, product_id, slug, activity=False)


@public_view
def robots_txt(request):
    """Per structure: the shop is open to crawlers, the back office and private spaces not."""
    lines = [
        "User-agent: *",
        "Disallow: /manager/",
        "Disallow: /compte/",
        "Disallow: /panier/",
        "Disallow: /api/",
        "Disallow: /caisse/",
        f"Sitemap: {request.build_absolute_uri(reverse('shop:sitemap'))}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


@public_view
def sitemap_xml(request):
    """Per structure: the shop's home and every product a customer may open (none while the
    shop is closed)."""
    is_open, _reason = selectors.shop_is_open(request.tenant)
    entries: list[tuple[str, dt.datetime | None]] = [(request.build_absolute_uri("/"), None)]
    if is_open:
        for product in selectors.shop_visible_products().only("pk", "name", "kind", "updated_at"):
            url = request.build_absolute_uri(selectors.product_url(product))
            entries.append((url, product.updated_at))
    return render(
        request,
        "shop/sitemap.xml",
        {"entries": entries},
        content_type="application/xml; charset=utf-8",
    )
