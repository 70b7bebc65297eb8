"""Stock pools never oversell (CA-3), also under concurrent sales on a real PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django_tenants.utils import schema_context

from ponton.catalogue import services
from ponton.catalogue.models import StockPool


def test_stock_take_refuses_beyond_quantity(make_structure):
    """CA-3: taking more than what is left is refused and takes nothing."""
    structure, _ = make_structure()
    with schema_context(structure.schema_name):
        pool = services.stock_pool_create(name="Kayaks", quantity=5)
        assert services.stock_take(pool=pool, quantity=3) is True
        assert services.stock_take(pool=pool, quantity=3) is False
        pool.refresh_from_db()
        assert (pool.sold, pool.available) == (3, 2)
        assert services.stock_take(pool=pool, quantity=2) is True
        pool.refresh_from_db()
        assert (pool.sold, pool.available) == (5, 0)
        with pytest.raises(ValueError):
            services.stock_take(pool=pool, quantity=0)


def test_database_refuses_sold_beyond_quantity(make_structure):
    """CA-3: the check constraint sold <= quantity holds even for a direct write."""
    structure, _ = make_structure()
    with schema_context(structure.schema_name):
        pool = services.stock_pool_create(name="Kayaks", quantity=2)
        with pytest.raises(IntegrityError), transaction.atomic():
            StockPool.objects.filter(pk=pool.pk).update(sold=3)
        pool.refresh_from_db()
        assert pool.sold == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_sales_never_oversell(make_structure):
    """CA-3, race: 20 threads each try to take 1 unit from a pool of 7 at the same moment;
    exactly 7 succeed and the pool ends with sold == quantity."""
    structure, _ = make_structure(name="Club stock")
    with schema_context(structure.schema_name):
        pool = services.stock_pool_create(name="Places", quantity=7, shared=True)
    threads_count = 20
    barrier = threading.Barrier(threads_count)
    outcomes: list[bool] = []
    lock = threading.Lock()

    def buy() -> None:
        try:
            with schema_context(structure.schema_name):
                barrier.wait()
                taken = services.stock_take(pool=pool, quantity=1)
            with lock:
                outcomes.append(taken)
        finally:
            connection.close()

    threads = [threading.Thread(target=buy) for _ in range(threads_count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == [False] * 13 + [True] * 7
    with schema_context(structure.schema_name):
        pool.refresh_from_db()
        assert (pool.quantity, pool.sold) == (7, 7)
