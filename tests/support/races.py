"""The races of OR-11, run by their tests and by `make bench` (tests/bench/races.py): many
threads released together by a barrier against the real PostgreSQL, each with its own
connection; what each got, and when, relative to the release."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from django.db import connection
from django_tenants.utils import schema_context

from tests.support.sales import STAFF, Shop


def _race(
    structure, calls: list[Callable[[], str]], *, connections: int
) -> list[tuple[str, float]]:
    """Run `calls` in as many threads, released together, at most `connections` holding a
    database connection at a time (the others wait, as behind a pooler). Each call returns its
    outcome; an exception becomes its repr. Returns (outcome, seconds after the release)."""
    barrier = threading.Barrier(len(calls))
    slots = threading.BoundedSemaphore(connections)
    released: list[float] = []
    results: list[tuple[str, float]] = []
    lock = threading.Lock()

    def run(call: Callable[[], str]) -> None:
        try:
            if barrier.wait() == 0:
                released.append(time.perf_counter())
            with slots, schema_context(structure.schema_name):
                try:
                    outcome = call()
                except Exception as exc:  # noqa: BLE001 - the caller judges every outcome
                    outcome = repr(exc)
            with lock:
                results.append((outcome, time.perf_counter()))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return [(outcome, at - released[0]) for outcome, at in results]


def buyers_for_last_seats(structure, shop: Shop, *, buyers: int) -> list[tuple[str, float]]:
    """`buyers` threads each order one seat of `shop.session` at the same moment: "ok",
    "complet" (refused with the « Complet » message) or the repr of any other error. PostgreSQL
    accepts 100 connections: at most 40 buyers hold one at a time."""
    from ponton.sales.services import LineRequest, SoldOutError, order_create

    def buy() -> str:
        try:
            order_create(
                payer=shop.payer,
                lines=[
                    LineRequest(product=shop.activity, session=shop.session, consumer=shop.payer)
                ],
                actor=STAFF,
            )
        except SoldOutError as exc:
            return "complet" if "Complet" in str(exc) else repr(exc)
        return "ok"

    return _race(structure, [buy] * buyers, connections=40)


def invoices_in_parallel(structure, orders) -> list[tuple[str, float]]:
    """One thread per order invoices all its lines at the same moment: "ok" or the repr of
    the error."""
    from ponton.billing.services import invoice_issue

    def issuer(order) -> Callable[[], str]:
        def issue() -> str:
            invoice_issue(
                structure=structure,
                order=order,
                line_ids=list(order.lines.values_list("pk", flat=True)),
                actor=STAFF,
            )
            return "ok"

        return issue

    return _race(structure, [issuer(order) for order in orders], connections=len(orders))


def cheque_deposits_in_parallel(
    structure, deposits: list[tuple[int, ...]], *, bank_account_id: int
) -> list[tuple[str, float]]:
    """CO-1: one thread per deposit (a tuple of cheque payment ids) saves it at the same
    moment: "ok", "refusé: <message>" for a DepositError, or the repr of any other error."""
    from django.utils import timezone

    from ponton.compta.services.deposits import DepositData, DepositError, deposit_create

    def depositor(payment_ids: tuple[int, ...]) -> Callable[[], str]:
        def save() -> str:
            try:
                deposit_create(
                    data=DepositData(
                        payment_ids=payment_ids,
                        bank_account_id=bank_account_id,
                        deposited_on=timezone.localdate(),
                    ),
                    actor=STAFF,
                )
            except DepositError as exc:
                return f"refusé: {exc}"
            return "ok"

        return save

    return _race(structure, [depositor(ids) for ids in deposits], connections=len(deposits))
