"""Cheque deposits ("remises de chèques", CO-1): the bank accounts cheques are paid into, the
deposits and their lines (one per cheque payment), and their gapless numbering.

A deposit is never edited in place: it is created whole (`services.deposits.deposit_create`)
and can only be cancelled once (`deposit_cancel`), which frees its cheques. The database
keeps these rules too (migration 0001): a cheque payment is in at most one *active* line
(partial unique index on `payment` where `active`: the line carries its deposit's state), and
triggers refuse any other UPDATE, and every DELETE, of deposits and their lines.

The accounting journals (CO-3) read `ChequeDeposit` (number, deposited_on, bank_account,
total, created_at, cancelled_at) and `ChequeDepositLine` (deposit, payment, amount)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ponton.billing.models import Payment

DEFAULT_BANK_ACCOUNTING_CODE = "512000"


class BankAccount(models.Model):
    """A bank account of the structure, where cheques are deposited; its accounting code is
    the bank account of the chart of accounts (512…)."""

    label = models.CharField(_("libellé"), max_length=100)
    holder = models.CharField(_("titulaire"), max_length=200, blank=True)
    iban = models.CharField(_("IBAN"), max_length=34)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    accounting_code = models.CharField(
        _("compte comptable"), max_length=20, default=DEFAULT_BANK_ACCOUNTING_CODE
    )
    is_default = models.BooleanField(_("compte par défaut"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_default", "label", "pk"]
        verbose_name = _("compte bancaire")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=Q(is_default=True),
                name="compta_bankaccount_one_default",
            ),
            models.UniqueConstraint(fields=["iban"], name="compta_bankaccount_iban_once"),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.iban[-4:]})" if self.iban else self.label


class DepositCounter(models.Model):
    """The last deposit number of a year; its row stays locked by the transaction that takes
    a number until it ends (`services.deposits`), like billing's counters."""

    year = models.PositiveIntegerField(unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"RC{self.year}: {self.last}"


class ChequeDeposit(models.Model):
    number = models.CharField(_("numéro"), max_length=20, unique=True)
    deposited_on = models.DateField(_("date de remise"))
    bank_account = models.ForeignKey(
        BankAccount,
        on_delete=models.PROTECT,
        related_name="deposits",
        verbose_name=_("compte bancaire"),
    )
    total = models.DecimalField(_("total"), max_digits=12, decimal_places=2)
    cheque_count = models.PositiveIntegerField(_("nombre de chèques"))
    created_at = models.DateTimeField(_("enregistrée le"), auto_now_add=True)
    created_by_id = models.PositiveBigIntegerField(null=True, blank=True)
    created_by_name = models.CharField(_("enregistrée par"), max_length=200, blank=True)
    cancelled_at = models.DateTimeField(_("annulée le"), null=True, blank=True)
    cancelled_by_id = models.PositiveBigIntegerField(null=True, blank=True)
    cancelled_by_name = models.CharField(_("annulée par"), max_length=200, blank=True)
    cancel_reason = models.CharField(_("motif de l'annulation"), max_length=300, blank=True)

    class Meta:
        ordering = ["-deposited_on", "-pk"]
        verbose_name = _("remise de chèques")
        constraints = [
            models.CheckConstraint(condition=Q(total__gt=0), name="compta_deposit_total"),
            models.CheckConstraint(condition=Q(cheque_count__gt=0), name="compta_deposit_count"),
            models.CheckConstraint(
                condition=Q(cancelled_at__isnull=True, cancel_reason="")
                | (Q(cancelled_at__isnull=False) & ~Q(cancel_reason="")),
                name="compta_deposit_cancel_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None


class ChequeDepositLine(models.Model):
    """One cheque of a deposit. `active` is the deposit's state copied on the line (true until
    the deposit is cancelled) so that the database itself allows one active line per cheque."""

    deposit = models.ForeignKey(ChequeDeposit, on_delete=models.PROTECT, related_name="lines")
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, related_name="cheque_deposit_lines"
    )
    amount = models.DecimalField(_("montant"), max_digits=12, decimal_places=2)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["deposit", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["payment"],
                condition=Q(active=True),
                name="compta_deposit_cheque_once",
            ),
            models.UniqueConstraint(
                fields=["deposit", "payment"], name="compta_deposit_line_once_per_deposit"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="compta_deposit_line_amount"),
        ]

    def __str__(self) -> str:
        return f"{self.deposit} · {self.payment_id}"
