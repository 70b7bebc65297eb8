"""MP-1: held seats are never oversold — many online baskets at once on the last seats of a
session, against the real PostgreSQL (each thread its own connection)."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from ponton.planning.models import Session
from ponton.sales.models import BasketLine
from tests.support.files import forget_media_root
from tests.support.races import _race
from tests.support.shop import open_shop

pytestmark = pytest.mark.slow


@pytest.mark.django_db(transaction=True)
def test_mp1_thirty_baskets_on_the_last_five_seats_hold_exactly_five(
    make_structure, settings, tmp_path
):
    from ponton.sales.services import SoldOutError
    from ponton.selling.holds import basket_add, basket_create

    settings.MEDIA_ROOT = tmp_path
    forget_media_root()
    structure, _owner = make_structure(name="Club des paniers")
    shop = open_shop(structure, capacity=5)
    with schema_context(structure.schema_name):
        baskets = [basket_create() for _ in range(30)]

    def hold(basket):
        def call() -> str:
            try:
                basket_add(
                    basket=basket,
                    product=shop.activity,
                    session=shop.session,
                    rate=shop.adult,
                    quantity=1,
                    hold_minutes=20,
                )
            except SoldOutError:
                return "complet"
            return "ok"

        return call

    outcomes = [
        outcome for outcome, _at in _race(structure, [hold(b) for b in baskets], connections=30)
    ]
    assert sorted(set(outcomes)) == ["complet", "ok"] and outcomes.count("ok") == 5
    assert outcomes.count("complet") == 25
    with schema_context(structure.schema_name):
        assert Session.objects.get(pk=shop.session.pk).sold == 5
        # Each held seat has its licence (the mandatory product), nothing for the refused.
        assert BasketLine.objects.filter(held=True, session=shop.session).count() == 5
        assert BasketLine.objects.filter(held=True, product=shop.licence).count() == 5
    forget_media_root()
