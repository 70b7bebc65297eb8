"""The cheque deposits journal (RC), CO-1 + CO-3: a deposit moves its cheques from "chèques à
encaisser" (the cheque method's account, 511200 by default) to the bank account it was
deposited into (its accounting code, 512…). A cancelled deposit keeps its entry on its day and
adds the reversing entry on the day it was cancelled (entries are never rewritten)."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ponton.billing.models import Payment
from ponton.compta.accounting.chart import AccountPlan, account_valid
from ponton.compta.accounting.entries import Entry, Period, line
from ponton.compta.accounting.journals import JOURNALS, Journal, journal_register
from ponton.compta.models.deposits import ChequeDeposit

KEY = "deposits"


def deposits_build(period: Period, plan: AccountPlan, problems: list[str]) -> Iterator[Entry]:
    """One entry per deposit made in the period, one reversing entry per deposit cancelled
    in the period, in order of day."""
    cheques = plan.method_accounts.get(Payment.Method.CHEQUE, "")
    code = plan.deposit_journal
    journal_label = str(JOURNALS[KEY].label)
    tz = timezone.get_current_timezone()
    deposits = (
        ChequeDeposit.objects.filter(
            Q(deposited_on__range=(period.start, period.end))
            | Q(cancelled_at__date__range=(period.start, period.end))
        )
        .select_related("bank_account")
        .order_by("deposited_on", "pk")
    )
    entries: list[Entry] = []
    for deposit in deposits:
        bank = deposit.bank_account.accounting_code or plan.bank_account
        if not account_valid(bank) or not account_valid(cheques) or not code:
            problems.append(
                _(
                    "La remise %(number)s a le compte bancaire « %(account)s » ou un compte "
                    "des chèques non valable : corrigez le compte comptable du compte bancaire "
                    "ou les paramètres comptables."
                )
                % {"number": deposit.number, "account": bank}
            )
            continue
        created = timezone.localtime(deposit.created_at, tz).date()
        label = _("Remise de chèques %(number)s") % {"number": deposit.number}
        pair = (
            line(bank, plan.label(bank), label, deposit.total),
            line(cheques, plan.label(cheques), label, -deposit.total),
        )
        if period.start <= deposit.deposited_on <= period.end:
            entries.append(
                Entry(
                    journal_key=KEY,
                    journal_code=code,
                    journal_label=journal_label,
                    date=deposit.deposited_on,
                    piece_ref=deposit.number,
                    piece_date=deposit.deposited_on,
                    valid_date=max(created, deposit.deposited_on),
                    label=label,
                    lines=pair,
                )
            )
        if deposit.cancelled_at is not None:
            day = timezone.localtime(deposit.cancelled_at, tz).date()
            if period.start <= day <= period.end:
                undo = _("Annulation remise %(number)s") % {"number": deposit.number}
                entries.append(
                    Entry(
                        journal_key=KEY,
                        journal_code=code,
                        journal_label=journal_label,
                        date=day,
                        piece_ref=deposit.number,
                        piece_date=day,
                        valid_date=day,
                        label=undo,
                        lines=(
                            line(cheques, plan.label(cheques), undo, deposit.total),
                            line(bank, plan.label(bank), undo, -deposit.total),
                        ),
                    )
                )
    yield from sorted(entries, key=lambda e: (e.date, e.piece_ref))


journal_register(
    Journal(
        KEY, gettext_lazy("Remises de chèques"), lambda plan: plan.deposit_journal, deposits_build
    )
)
