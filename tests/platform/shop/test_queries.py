"""MP-1 performance: the shop's pages read a fixed number of queries, whatever the number of
sessions shown or of products listed (the benchmark `shop_page_p95_ms` times them)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from ponton.catalogue.models import Product
from ponton.catalogue.services import (
    PromotionData,
    association_add,
    promotion_add,
    rate_add,
    season_add,
)
from ponton.planning.services import sessions_add
from tests.platform.shop.conftest import next_monday_at, published

pytestmark = pytest.mark.django_db


def queries(client, url: str) -> int:
    """Queries of a second request (the first one after the test wrote in the structure's
    schema also sets the connection's search_path back)."""
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def add_week_of_sessions(product: Product, weeks_ahead: int) -> None:
    """Four sessions a day, seven days, the week `weeks_ahead` weeks from this one."""
    sessions = []
    for day in range(7):
        for hour in (9, 11, 14, 16):
            start = next_monday_at(hour, weeks=weeks_ahead, day=day)
            sessions.append((start, start + dt.timedelta(hours=1, minutes=30), 12))
    sessions_add(product=product, sessions=sessions)


def test_activity_page_reads_as_many_queries_for_one_week_as_for_four(shop, client_for):
    """MP-1: 28 sessions or 112, the same number of queries."""
    today = timezone.localdate()
    with schema_context(shop.structure.schema_name):
        season = season_add(
            product=shop.activity,
            name="Haute saison",
            starts_on=today,
            ends_on=today + dt.timedelta(days=60),
        )
        rate_add(product=shop.activity, name="Été", amount=Decimal("200"), season=season)
        promotion_add(
            product=shop.activity,
            data=PromotionData(name="Résidents", kind="percent", value=Decimal("10")),
        )
        association_add(product=shop.activity, associated=shop.shirt, starts_on=today)
        add_week_of_sessions(shop.activity, 1)
    client = client_for(shop.structure)
    url = f"/activites/{shop.activity.pk}-stage-catamaran/"
    one_week = queries(client, url)
    with schema_context(shop.structure.schema_name):
        for weeks_ahead in (2, 3, 0):
            add_week_of_sessions(shop.activity, weeks_ahead)
        add_week_of_sessions(shop.activity, 6)  # beyond the 4 weeks: the "next" link
    four_weeks = queries(client, url)
    assert four_weeks == one_week
    assert one_week <= 12


def test_home_reads_as_many_queries_for_3_products_as_for_30(shop, client_for):
    """MP-1: the shop's home, 3 products or 30 (with rates and photos left out)."""
    client = client_for(shop.structure)
    three = queries(client, "/")
    with schema_context(shop.structure.schema_name):
        for i in range(27):
            product = published(Product.Kind.SHOP_ITEM, name=f"Article {i}")
            rate_add(product=product, name="Normal", amount=Decimal("10"))
    assert queries(client, "/") == three
    assert three <= 8
