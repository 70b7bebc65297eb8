"""CO-1 cheque deposits, the services and selectors: pending cheques, deposits numbered without
gaps, refusals that write nothing, cancellation, refunded cheques, the database's own guards."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from ponton.billing import services as billing
from ponton.billing.models import Payment
from ponton.compta.models.deposits import BankAccount, ChequeDeposit, ChequeDepositLine
from ponton.compta.selectors import deposits as selectors
from ponton.compta.services.deposits import (
    BankAccountData,
    DepositData,
    DepositError,
    bank_account_create,
    bank_account_ensure_default,
    deposit_cancel,
    deposit_create,
)
from ponton.sales.models import OrderEvent
from tests.platform.compta.conftest import invoice_for, pay_by_cheque, refund
from tests.support.sales import STAFF

TODAY = dt.date(2026, 6, 12)


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def pending_ids(**period) -> list[int]:
    return [cheque.pk for cheque in selectors.cheques_pending(**period).cheques]


def counts() -> tuple[int, int, int]:
    return (
        ChequeDeposit.objects.count(),
        ChequeDepositLine.objects.count(),
        OrderEvent.objects.filter(action__startswith="cheque_").count(),
    )


@pytest.fixture
def account(shop):
    return bank_account_ensure_default(structure=shop.structure)


def deposit(account, *cheques, on=None) -> ChequeDeposit:
    return deposit_create(
        data=DepositData(
            payment_ids=tuple(cheque.pk for cheque in cheques),
            bank_account_id=account.pk,
            deposited_on=on or timezone.localdate(),
        ),
        actor=STAFF,
    )


def test_co1_pending_cheques_are_the_cheque_payments_of_the_period(shop):
    """CO-1: "Compta > Chèques" lists cheque payments received in the period (both days
    included), oldest first; cash payments and refunds are not cheques to deposit."""
    first = invoice_for(shop, price="180.00")
    second = invoice_for(shop, price="95.50")
    old = pay_by_cheque(first, "100.00", number="0000001", received_on=days_ago(20))
    recent = pay_by_cheque(second, "95.50", number="0000002", received_on=days_ago(2))
    billing.payment_record(
        document=first,
        data=billing.PaymentData(kind="payment", method="cash", amount=Decimal("80.00")),
        actor=STAFF,
    )
    assert pending_ids() == [old.pk, recent.pk]
    assert pending_ids(start=days_ago(20), end=days_ago(20)) == [old.pk]
    assert pending_ids(start=days_ago(5)) == [recent.pk]
    assert pending_ids(end=days_ago(3)) == [old.pk]
    assert pending_ids(start=days_ago(1)) == []
    assert selectors.cheques_pending().total == Decimal("195.50")


def test_co1_the_pending_list_is_bounded_and_says_so(shop):
    """CO-1: past the limit, the oldest cheques are shown and the list says it is cut."""
    bill = invoice_for(shop, price="30.00")
    cheques = [
        pay_by_cheque(bill, "10.00", number=f"00{i}", received_on=days_ago(3 - i)) for i in range(3)
    ]
    found = selectors.cheques_pending(limit=2)
    assert [c.pk for c in found.cheques] == [cheques[0].pk, cheques[1].pk]
    assert found.truncated is True
    assert selectors.cheques_pending(limit=3).truncated is False


def test_co1_default_bank_account_is_built_from_the_structure(shop):
    """CO-1: with no bank account yet, the structure's IBAN, BIC and holder make the default
    one (accounting code 512000); asked again, the same one comes back."""
    account = bank_account_ensure_default(structure=shop.structure)
    assert (account.label, account.holder, account.iban, account.bic) == (
        "Compte principal",
        "Club Nautique de Kerlouan",
        "FR7630006000011234567890189",
        "AGRIFRPP",
    )
    assert (account.accounting_code, account.is_default) == ("512000", True)
    assert bank_account_ensure_default(structure=shop.structure).pk == account.pk
    assert BankAccount.objects.count() == 1


def test_co1_a_structure_without_iban_gets_no_account_until_one_is_added(shop):
    shop.structure.iban = ""
    assert bank_account_ensure_default(structure=shop.structure) is None
    added = bank_account_create(
        data=BankAccountData(
            label="Banque Postale", holder="Club", iban="FR1420041010050500013M02606", bic=""
        )
    )
    assert added.is_default is True  # the first account is the default
    second = bank_account_create(
        data=BankAccountData(
            label="Autre",
            holder="Club",
            iban="FR7630006000011234567890189",
            bic="AGRIFRPP",
            accounting_code="512100",
            is_default=True,
        )
    )
    assert list(BankAccount.objects.filter(is_default=True)) == [second]
    with pytest.raises(DepositError, match="Un compte avec cet IBAN existe déjà"):
        bank_account_create(
            data=BankAccountData(label="Doublon", holder="", iban=second.iban, bic="")
        )
    with pytest.raises(DepositError, match="en chiffres"):
        bank_account_create(
            data=BankAccountData(
                label="X",
                holder="",
                iban="FR7612345000010000000000155",
                bic="",
                accounting_code="5x",
            )
        )
    assert BankAccount.objects.count() == 2


def test_co1_deposit_numbers_totals_lines_history_and_leaves_the_list(shop, account):
    """CO-1 "Enregistrer": a deposit RC<year>-0001 of the chosen cheques, its total and count,
    one line per cheque (amount copied); the deposited cheques leave the pending list; each
    cheque's order history says it was deposited. The next deposit is RC<year>-0002."""
    bill = invoice_for(shop, price="300.00")
    a = pay_by_cheque(bill, "100.00", number="0001234", received_on=days_ago(3))
    b = pay_by_cheque(bill, "150.50", number="0001235", received_on=days_ago(2))
    c = pay_by_cheque(bill, "49.50", number="0001236", received_on=days_ago(1))
    year = timezone.localdate().year
    first = deposit(account, a, b)
    assert (first.number, first.total, first.cheque_count) == (
        f"RC{year}-0001",
        Decimal("150.50") + Decimal("100.00"),
        2,
    )
    assert (first.bank_account_id, first.created_by_name, first.cancelled_at) == (
        account.pk,
        "Camille Marin",
        None,
    )
    lines = list(first.lines.order_by("payment_id").values_list("payment_id", "amount", "active"))
    assert lines == [(a.pk, Decimal("100.00"), True), (b.pk, Decimal("150.50"), True)]
    assert pending_ids() == [c.pk]
    assert selectors.deposit_of_cheque(payment_id=a.pk) == first
    assert selectors.deposit_of_cheque(payment_id=c.pk) is None
    day = timezone.localdate().strftime("%d/%m/%Y")
    history = list(
        OrderEvent.objects.filter(order=bill.order, action="cheque_deposited")
        .order_by("pk")
        .values_list("message", flat=True)
    )
    assert history == [
        f"Chèque n° 0001234 (Crédit Maritime, 100,00 €) remis en banque : remise "
        f"RC{year}-0001 du {day}.",
        f"Chèque n° 0001235 (Crédit Maritime, 150,50 €) remis en banque : remise "
        f"RC{year}-0001 du {day}.",
    ]
    assert deposit(account, c).number == f"RC{year}-0002"
    assert pending_ids() == []


def test_co1_numbers_restart_each_year_of_the_deposit_date(shop, account):
    bill = invoice_for(shop, price="20.00")
    a = pay_by_cheque(bill, "10.00", number="1", received_on=dt.date(2025, 12, 30))
    b = pay_by_cheque(bill, "10.00", number="2", received_on=dt.date(2025, 12, 30))
    assert deposit(account, a, on=dt.date(2025, 12, 31)).number == "RC2025-0001"
    assert deposit(account, b, on=dt.date(2026, 1, 2)).number == "RC2026-0001"


def test_co1_a_failed_deposit_gives_its_number_back(shop, account):
    bill = invoice_for(shop, price="20.00")
    a = pay_by_cheque(bill, "10.00", number="1")
    b = pay_by_cheque(bill, "10.00", number="2")
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        deposit(account, a)
        1 / 0  # noqa: B018
    year = timezone.localdate().year
    assert deposit(account, b).number == f"RC{year}-0001"


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("nothing", "Sélectionnez au moins un chèque à remettre en banque."),
        ("no_account", "Choisissez le compte bancaire de la remise."),
        ("no_date", "Indiquez la date de la remise."),
        ("far_future", "La date de remise ne peut pas dépasser le "),
        ("before_receipt", "La date de remise précède la réception du chèque n° 0001234"),
        ("unknown", "Un des chèques choisis n'existe pas dans cette structure"),
        ("cash", "n'est pas un chèque"),
    ],
)
def test_co1_bad_deposits_are_refused_and_write_nothing(shop, account, case, message):
    """CO-1, bad input: every refusal has its French message; nothing is written (no deposit,
    no line, no history, no number taken)."""
    bill = invoice_for(shop, price="200.00")
    cheque = pay_by_cheque(bill, "100.00", number="0001234", received_on=days_ago(1))
    cash = billing.payment_record(
        document=bill,
        data=billing.PaymentData(kind="payment", method="cash", amount=Decimal("50.00")),
        actor=STAFF,
    )
    data = {
        "payment_ids": (cheque.pk,),
        "bank_account_id": account.pk,
        "deposited_on": timezone.localdate(),
    }
    data.update(
        {
            "nothing": {"payment_ids": ()},
            "no_account": {"bank_account_id": account.pk + 1000},
            "no_date": {"deposited_on": None},
            "far_future": {"deposited_on": timezone.localdate() + dt.timedelta(days=32)},
            "before_receipt": {"deposited_on": days_ago(2)},
            "unknown": {"payment_ids": (cheque.pk, cash.pk + 1000)},
            "cash": {"payment_ids": (cheque.pk, cash.pk)},
        }[case]
    )
    with pytest.raises(DepositError) as refused:
        deposit_create(data=DepositData(**data), actor=STAFF)
    assert message in str(refused.value)
    assert counts() == (0, 0, 0)
    assert pending_ids() == [cheque.pk]
    year = timezone.localdate().year
    assert deposit(account, cheque).number == f"RC{year}-0001"


def test_co1_a_cheque_already_deposited_is_refused_whole(shop, account):
    """CO-1: a deposit naming a cheque already in an active deposit is refused whole, the
    other cheque it named stays pending."""
    bill = invoice_for(shop, price="200.00")
    a = pay_by_cheque(bill, "100.00", number="0001234")
    b = pay_by_cheque(bill, "100.00", number="0001235")
    first = deposit(account, a)
    before = counts()
    with pytest.raises(DepositError, match=f"déjà dans la remise {first.number}"):
        deposit(account, a, b)
    assert counts() == before
    assert pending_ids() == [b.pk]


@pytest.fixture
def other_club(make_structure):
    return make_structure(name="Autre club")[0]


def test_co1_a_cheque_of_another_structure_cannot_be_deposited(other_club, shop, account):
    """CO-1, bad input: a cheque id of another structure names nothing here: refused, and the
    other structure's cheque is still pending there."""
    other = other_club
    with schema_context(other.schema_name):
        from tests.support.sales import make_shop

        other_shop = make_shop()
        other_shop.structure = other
        bill = invoice_for(other_shop, price="50.00")
        for number in range(3):
            theirs = pay_by_cheque(bill, "10.00", number=f"B{number}")
    with schema_context(shop.structure.schema_name):
        assert not Payment.objects.filter(pk=theirs.pk).exists()
        with pytest.raises(DepositError, match="n'existe pas dans cette structure"):
            deposit(account, theirs)
        assert counts() == (0, 0, 0)
    with schema_context(other.schema_name):
        assert pending_ids() == list(
            Payment.objects.filter(method="cheque").order_by("pk").values_list("pk", flat=True)
        )
        assert ChequeDeposit.objects.count() == 0


def test_co1_cancel_brings_the_cheques_back_and_keeps_the_history(shop, account):
    """CO-1 "Annuler la remise": the deposit is marked cancelled (who, when, why), its lines
    inactive, its cheques pending again and depositable in a new deposit; the orders'
    history says so; a second cancellation and a cancellation without reason are refused."""
    bill = invoice_for(shop, price="100.00")
    cheque = pay_by_cheque(bill, "100.00", number="0001234")
    first = deposit(account, cheque)
    with pytest.raises(DepositError, match="Indiquez le motif de l'annulation."):
        deposit_cancel(deposit=first, reason="  ", actor=STAFF)
    assert ChequeDeposit.objects.get(pk=first.pk).cancelled_at is None
    cancelled = deposit_cancel(deposit=first, reason="Bordereau égaré", actor=STAFF)
    assert cancelled.cancelled_at is not None
    assert (cancelled.cancelled_by_name, cancelled.cancel_reason) == (
        "Camille Marin",
        "Bordereau égaré",
    )
    assert list(first.lines.values_list("active", flat=True)) == [False]
    assert pending_ids() == [cheque.pk]
    assert selectors.deposit_of_cheque(payment_id=cheque.pk) is None
    event = OrderEvent.objects.get(order=bill.order, action="cheque_deposit_cancelled")
    assert event.message == (
        f"Remise {first.number} annulée : chèque n° 0001234 (Crédit Maritime, 100,00 €) "
        "de nouveau à remettre."
    )
    assert event.note == "Bordereau égaré"
    with pytest.raises(DepositError, match=f"La remise {first.number} est déjà annulée."):
        deposit_cancel(deposit=first, reason="encore", actor=STAFF)
    again = deposit(account, cheque)
    assert again.number.endswith("-0002")
    assert selectors.deposit_of_cheque(payment_id=cheque.pk) == again
    assert ChequeDeposit.objects.get(pk=first.pk).total == Decimal("100.00")


def test_co1_refunded_cheques_are_not_pending_and_cannot_be_deposited(shop, account):
    """CO-1: a cheque refund of exactly a pending cheque's amount, on its invoice or on a
    credit note of that invoice, cancels that cheque (the oldest of that amount first); a
    refund of another amount, or in another method, cancels nothing."""
    bill = invoice_for(shop, price="320.00")
    a = pay_by_cheque(bill, "100.00", number="A")
    b = pay_by_cheque(bill, "100.00", number="B")
    c = pay_by_cheque(bill, "60.00", number="C")
    billing.payment_record(
        document=bill,
        data=billing.PaymentData(kind="payment", method="cash", amount=Decimal("60.00")),
        actor=STAFF,
    )
    refund(bill, "100.00")  # the wrong-method correction billing prescribes: cancels A
    assert pending_ids() == [b.pk, c.pk]
    refund(bill, "30.00")  # part of a cheque: money paid back, no cheque cancelled
    refund(bill, "60.00", method=Payment.Method.CASH)  # cash paid back: C is still cashed
    assert pending_ids() == [b.pk, c.pk]
    before = counts()
    with pytest.raises(DepositError, match="chèque n° A .* a été remboursé"):
        deposit(account, a, b)
    assert counts() == before

    other = invoice_for(shop, price="180.00")
    d = pay_by_cheque(other, "180.00", number="D")
    order_line = other.order.lines.get()
    credit_note = billing.line_cancel(structure=shop.structure, line=order_line, actor=STAFF)
    refund(credit_note, "180.00")  # cancelled sale, the cheque handed back
    assert d.pk not in pending_ids()
    assert selectors.refunded_cheque_ids(document_ids=[bill.pk, other.pk]) == {a.pk, d.pk}


def test_co1_a_refund_while_the_cheque_is_in_the_bank_cancels_nothing(shop, account):
    """CO-1: a cheque refund recorded while the cheque sits in an active deposit is money paid
    back: if that deposit is later cancelled, the cheque is pending again, not refunded."""
    bill = invoice_for(shop, price="100.00")
    cheque = pay_by_cheque(bill, "100.00", number="A")
    first = deposit(account, cheque)
    refund(bill, "100.00")
    deposit_cancel(deposit=first, reason="Erreur de bordereau", actor=STAFF)
    assert pending_ids() == [cheque.pk]


def test_co1_the_database_refuses_a_second_active_line_and_edits(shop, account):
    """CO-1, enforced by PostgreSQL: one active line per cheque (partial unique index); a
    deposit's amounts, date, number never change; nothing is deleted."""
    bill = invoice_for(shop, price="100.00")
    cheque = pay_by_cheque(bill, "100.00", number="A")
    first = deposit(account, cheque)
    second = ChequeDeposit.objects.create(
        number="RCTEST", deposited_on=TODAY, bank_account=account, total=1, cheque_count=1
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        ChequeDepositLine.objects.create(deposit=second, payment=cheque, amount=cheque.amount)
    for change in (
        {"total": Decimal("1.00")},
        {"deposited_on": TODAY},
        {"number": "RC1999-0001"},
    ):
        with pytest.raises(DatabaseError, match="only ever cancelled"), transaction.atomic():
            ChequeDeposit.objects.filter(pk=first.pk).update(**change)
    with pytest.raises(DatabaseError, match="only ever deactivated"), transaction.atomic():
        ChequeDepositLine.objects.filter(deposit=first).update(amount=Decimal("1.00"))
    with pytest.raises(DatabaseError, match="refused"), transaction.atomic():
        ChequeDepositLine.objects.filter(deposit=first).delete()
    with pytest.raises(DatabaseError, match="refused"), transaction.atomic():
        ChequeDeposit.objects.filter(pk=second.pk).delete()
    cancelled = deposit_cancel(deposit=first, reason="Erreur", actor=STAFF)
    with pytest.raises(DatabaseError, match="only ever cancelled"), transaction.atomic():
        ChequeDeposit.objects.filter(pk=cancelled.pk).update(cancel_reason="Autre")
    with pytest.raises(DatabaseError, match="only ever deactivated"), transaction.atomic():
        ChequeDepositLine.objects.filter(deposit=first).update(active=True)
    assert ChequeDeposit.objects.get(pk=first.pk).total == Decimal("100.00")
