"""CO-1, races against the real PostgreSQL: the same cheque deposited by many at the same
moment is deposited once; deposits saved together get consecutive numbers."""

from __future__ import annotations

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from ponton.compta.models.deposits import ChequeDeposit, ChequeDepositLine
from ponton.compta.selectors.deposits import cheques_pending
from ponton.compta.services.deposits import bank_account_ensure_default
from ponton.sales.models import OrderEvent
from tests.platform.compta.conftest import BANK, invoice_for, pay_by_cheque
from tests.support.races import cheque_deposits_in_parallel
from tests.support.sales import make_shop

pytestmark = pytest.mark.django_db(transaction=True)
THREADS = 8


@pytest.fixture
def club(make_structure):
    structure, _owner = make_structure(name="Club pressé", **BANK)
    with schema_context(structure.schema_name):
        shop = make_shop()
        shop.structure = structure
        bill = invoice_for(shop, price="800.00")
        cheques = [pay_by_cheque(bill, "100.00", number=f"00000{i}") for i in range(THREADS)]
        account = bank_account_ensure_default(structure=structure)
    return structure, bill, cheques, account


def test_co1_the_same_cheque_deposited_by_8_at_once_is_deposited_once(club):
    """CO-1, race: 8 threads save a deposit of the same two cheques at the same moment:
    exactly one wins; the 7 others are refused with the French message naming the winner's
    deposit, and write nothing (one deposit, two lines, two history lines)."""
    structure, bill, cheques, account = club
    pair = (cheques[0].pk, cheques[1].pk)
    outcomes = [
        o
        for o, _ in cheque_deposits_in_parallel(
            structure, [pair] * THREADS, bank_account_id=account.pk
        )
    ]
    year = timezone.localdate().year
    assert outcomes.count("ok") == 1
    refused = sorted(o for o in outcomes if o != "ok")
    assert len(refused) == THREADS - 1
    assert all(
        o.startswith("refusé: Le chèque n° 000000")
        and o.endswith(f"est déjà dans la remise RC{year}-0001.")
        for o in refused
    ), refused
    with schema_context(structure.schema_name):
        (deposit,) = ChequeDeposit.objects.all()
        assert deposit.number == f"RC{year}-0001"
        assert sorted(ChequeDepositLine.objects.values_list("payment_id", flat=True)) == list(pair)
        assert OrderEvent.objects.filter(action="cheque_deposited").count() == 2
        assert [c.pk for c in cheques_pending().cheques] == [c.pk for c in cheques[2:]]


def test_co1_deposits_saved_together_get_consecutive_numbers(club):
    """CO-1, race: 8 threads each deposit their own cheque at the same moment: 8 deposits,
    numbered RC<year>-0001 to -0008 without gap or duplicate."""
    structure, bill, cheques, account = club
    outcomes = cheque_deposits_in_parallel(
        structure, [(c.pk,) for c in cheques], bank_account_id=account.pk
    )
    assert [o for o, _ in outcomes] == ["ok"] * THREADS
    year = timezone.localdate().year
    with schema_context(structure.schema_name):
        numbers = sorted(ChequeDeposit.objects.values_list("number", flat=True))
        assert numbers == [f"RC{year}-{i:04d}" for i in range(1, THREADS + 1)]
        assert cheques_pending().cheques == []


def test_co1_without_the_locks_the_database_index_still_lets_one_win(club, monkeypatch):
    """CO-1, race, the last guard: with the service's locks taken away (cheques read without
    FOR UPDATE), the partial unique index on active lines still lets exactly one deposit of
    the same cheque through; the others are refused with a French message, not a crash."""
    from ponton.billing.models import Payment
    from ponton.compta.services import deposits as service

    def unlocked(ids):
        return list(
            Payment.objects.select_related("document", "document__order")
            .filter(pk__in=ids)
            .order_by("pk")
        )

    monkeypatch.setattr(service, "_locked_cheques", unlocked)
    structure, bill, cheques, account = club
    outcomes = [
        o
        for o, _ in cheque_deposits_in_parallel(
            structure, [(cheques[0].pk,)] * THREADS, bank_account_id=account.pk
        )
    ]
    assert outcomes.count("ok") == 1
    assert all(
        "vient d'être remis en banque" in o or "est déjà dans la remise" in o
        for o in outcomes
        if o != "ok"
    ), outcomes
    year = timezone.localdate().year
    with schema_context(structure.schema_name):
        assert list(ChequeDeposit.objects.values_list("number", flat=True)) == [f"RC{year}-0001"]
        assert ChequeDepositLine.objects.count() == 1
