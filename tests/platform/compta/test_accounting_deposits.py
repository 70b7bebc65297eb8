"""CO-1 + CO-3: the cheque deposits journal (RC). A deposit moves its cheques from "chèques à
encaisser" (511200) to the bank (512000); a cancelled deposit adds the reversing entry on the
day it was cancelled; every entry balances and goes into the FEC with the RC code."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from ponton.compta.accounting.entries import Period
from ponton.compta.accounting.selectors import journal_entries
from ponton.compta.services.deposits import (
    DepositData,
    bank_account_ensure_default,
    deposit_cancel,
    deposit_create,
)
from tests.platform.compta.conftest import invoice_for, pay_by_cheque
from tests.support.sales import STAFF

D = Decimal


def _rows(entry) -> list[tuple]:
    return [(x.account, x.debit, x.credit) for x in entry.lines]


def test_co3_a_deposit_of_two_cheques_is_one_balanced_rc_entry_and_its_cancellation_reverses_it(
    shop,
):
    today = timezone.localdate()
    account = bank_account_ensure_default(structure=shop.structure)
    first = pay_by_cheque(invoice_for(shop, price="120.00"), "120.00", number="0001201")
    second = pay_by_cheque(invoice_for(shop, price="35.50"), "35.50", number="0001202")
    deposit = deposit_create(
        data=DepositData(
            payment_ids=(first.pk, second.pk), bank_account_id=account.pk, deposited_on=today
        ),
        actor=STAFF,
    )
    period = Period(start=today, end=today)

    (entry,) = journal_entries(period=period, journals=["deposits"])
    assert entry.journal_code == "RC"
    assert entry.piece_ref == deposit.number
    assert entry.label == f"Remise de chèques {deposit.number}"
    assert _rows(entry) == [("512000", D("155.50"), D("0")), ("511200", D("0"), D("155.50"))]

    deposit_cancel(deposit=deposit, reason="Bordereau perdu", actor=STAFF)
    entries = journal_entries(period=period, journals=["deposits"])
    assert [e.label for e in entries] == [
        f"Remise de chèques {deposit.number}",
        f"Annulation remise {deposit.number}",
    ]
    assert _rows(entries[1]) == [("511200", D("155.50"), D("0")), ("512000", D("0"), D("155.50"))]
    assert all(e.debit == e.credit for e in entries)
