"""Paramètres comptables (CO-3): the accounts and journal codes the journals are built with,
one row per structure (its schema), created with the French defaults on first read
(`ponton.compta.accounting.selectors.accounting_settings_get`). Defaults and their
reasons: docs/adr/0016-accounting-journals-and-fec.md."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class AccountingSettings(models.Model):
    singleton = models.BooleanField(primary_key=True, default=True)

    customers_account = models.CharField(_("compte clients"), max_length=20, default="411000")
    sales_account = models.CharField(
        _("compte de ventes par défaut"), max_length=20, default="706000"
    )
    credit_account = models.CharField(
        _("compte des avoirs à utiliser"), max_length=20, default="419100"
    )
    bank_account = models.CharField(_("compte bancaire"), max_length=20, default="512000")

    # Collected VAT per rate (a rate without VAT, 0 %, has no VAT line).
    vat_20_account = models.CharField(_("TVA collectée à 20 %"), max_length=20, default="445711")
    vat_10_account = models.CharField(_("TVA collectée à 10 %"), max_length=20, default="445712")
    vat_5_5_account = models.CharField(_("TVA collectée à 5,5 %"), max_length=20, default="445713")
    vat_2_1_account = models.CharField(_("TVA collectée à 2,1 %"), max_length=20, default="445714")

    # One account and one journal per payment method.
    cash_account = models.CharField(_("compte espèces"), max_length=20, default="530000")
    cheque_account = models.CharField(_("compte chèques"), max_length=20, default="511200")
    card_account = models.CharField(_("compte carte bancaire"), max_length=20, default="511500")
    online_card_account = models.CharField(_("compte CB en ligne"), max_length=20, default="511510")
    transfer_account = models.CharField(_("compte virements"), max_length=20, default="512000")
    holiday_voucher_account = models.CharField(
        _("compte chèques-vacances"), max_length=20, default="511300"
    )

    sales_journal = models.CharField(_("journal des ventes"), max_length=6, default="VE")
    cash_journal = models.CharField(_("journal espèces"), max_length=6, default="CA")
    cheque_journal = models.CharField(_("journal chèques"), max_length=6, default="CH")
    card_journal = models.CharField(_("journal carte bancaire"), max_length=6, default="CB")
    online_card_journal = models.CharField(_("journal CB en ligne"), max_length=6, default="CL")
    transfer_journal = models.CharField(_("journal virements"), max_length=6, default="BQ")
    holiday_voucher_journal = models.CharField(
        _("journal chèques-vacances"), max_length=6, default="CV"
    )
    credit_journal = models.CharField(_("journal des avoirs"), max_length=6, default="OD")
    deposit_journal = models.CharField(_("journal des remises"), max_length=6, default="RC")

    updated_at = models.DateTimeField(auto_now=True)
    actor_id = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("paramètres comptables")
        constraints = [
            models.CheckConstraint(condition=Q(singleton=True), name="compta_accounting_single")
        ]

    def __str__(self) -> str:
        return str(_("Paramètres comptables"))
