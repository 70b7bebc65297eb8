"""The chart the journals post to (CO-3): a frozen copy of the structure's accounting settings
(`AccountPlan`), the accounts' labels (CompteLib) and the rules an account number follows.

French defaults (docs/adr/0016-accounting-journals-and-fec.md):
- customers 411000, customer credit to use ("avoirs à utiliser") 419100, sales 706000 when a
  line has no accounting code of its own, bank 512000;
- collected VAT: 445711 (20 %), 445712 (10 %), 445713 (5,5 %), 445714 (2,1 %);
- per payment method: cash 530000 (CA), cheques to deposit 511200 (CH), card terminal slips
  to collect 511500 (CB), online card payments to collect 511510 (CL), transfers 512000
  (BQ), holiday vouchers to collect 511300 (CV); payments "by avoir" move the customer's
  credit between 419100 and 411000 (OD); sales VE; cheque deposits RC.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ponton.billing.models import Payment

ACCOUNT_RE = re.compile(r"^[1-9][0-9]{2}[0-9A-Z]{0,17}$")
JOURNAL_RE = re.compile(r"^[A-Z0-9]{1,6}$")

# The rates the settings name an account for; a 0 % rate has no VAT line.
VAT_RATES: dict[Decimal, str] = {
    Decimal("20.00"): "vat_20_account",
    Decimal("10.00"): "vat_10_account",
    Decimal("5.50"): "vat_5_5_account",
    Decimal("2.10"): "vat_2_1_account",
}

# Payment methods with their own journal (the "avoir" method is an internal transfer
# between customer accounts, in the credit journal).
METHOD_FIELDS: dict[str, tuple[str, str]] = {
    Payment.Method.CASH: ("cash_account", "cash_journal"),
    Payment.Method.CHEQUE: ("cheque_account", "cheque_journal"),
    Payment.Method.CARD: ("card_account", "card_journal"),
    Payment.Method.ONLINE_CARD: ("online_card_account", "online_card_journal"),
    Payment.Method.TRANSFER: ("transfer_account", "transfer_journal"),
    Payment.Method.HOLIDAY_VOUCHER: ("holiday_voucher_account", "holiday_voucher_journal"),
}

# Labels of the accounts the settings name (CompteLib), by setting.
SETTING_LABELS = {
    "customers_account": gettext_lazy("Clients"),
    "sales_account": gettext_lazy("Prestations de services"),
    "credit_account": gettext_lazy("Clients - avoirs à utiliser"),
    "bank_account": gettext_lazy("Banque"),
    "vat_20_account": gettext_lazy("TVA collectée 20 %"),
    "vat_10_account": gettext_lazy("TVA collectée 10 %"),
    "vat_5_5_account": gettext_lazy("TVA collectée 5,5 %"),
    "vat_2_1_account": gettext_lazy("TVA collectée 2,1 %"),
    "cash_account": gettext_lazy("Caisse"),
    "cheque_account": gettext_lazy("Chèques à encaisser"),
    "card_account": gettext_lazy("Cartes bancaires à encaisser"),
    "online_card_account": gettext_lazy("Paiements en ligne à encaisser"),
    "transfer_account": gettext_lazy("Banque"),
    "holiday_voucher_account": gettext_lazy("Chèques-vacances à encaisser"),
}

# Labels of the plan comptable général by prefix, for the accounts products carry (the
# longest matching prefix wins).
PCG_LABELS = {
    "70": gettext_lazy("Ventes de produits, prestations de services"),
    "701": gettext_lazy("Ventes de produits finis"),
    "704": gettext_lazy("Travaux"),
    "706": gettext_lazy("Prestations de services"),
    "707": gettext_lazy("Ventes de marchandises"),
    "708": gettext_lazy("Produits des activités annexes"),
    "7083": gettext_lazy("Locations diverses"),
    "75": gettext_lazy("Autres produits de gestion courante"),
    "756": gettext_lazy("Cotisations"),
    "758": gettext_lazy("Produits divers de gestion courante"),
    "41": gettext_lazy("Clients et comptes rattachés"),
    "419": gettext_lazy("Clients créditeurs"),
    "44": gettext_lazy("État et autres collectivités publiques"),
    "4457": gettext_lazy("Taxes sur le chiffre d'affaires collectées"),
    "46": gettext_lazy("Débiteurs et créditeurs divers"),
    "467": gettext_lazy("Autres comptes débiteurs ou créditeurs"),
    "51": gettext_lazy("Banques, établissements financiers"),
    "511": gettext_lazy("Valeurs à l'encaissement"),
    "512": gettext_lazy("Banques"),
    "53": gettext_lazy("Caisse"),
    "58": gettext_lazy("Virements internes"),
}


def pcg_label(account: str) -> str:
    for length in range(len(account), 1, -1):
        label = PCG_LABELS.get(account[:length])
        if label is not None:
            return str(label)
    return _("Compte %(account)s") % {"account": account}


def account_valid(account: str) -> bool:
    """A PCG account number: three digits of the plan comptable first (FEC: CompteNum)."""
    return bool(ACCOUNT_RE.match(account))


@dataclass(frozen=True)
class AccountPlan:
    """The settings the journals read, frozen for one build (no query per entry)."""

    customers_account: str
    sales_account: str
    credit_account: str
    bank_account: str
    vat_accounts: dict[Decimal, str]
    method_accounts: dict[str, str]
    method_journals: dict[str, str]
    sales_journal: str
    credit_journal: str
    deposit_journal: str
    labels: dict[str, str]

    @classmethod
    def of(cls, settings) -> AccountPlan:
        labels: dict[str, str] = {}
        for field, label in SETTING_LABELS.items():
            labels.setdefault(getattr(settings, field), str(label))
        return cls(
            customers_account=settings.customers_account,
            sales_account=settings.sales_account,
            credit_account=settings.credit_account,
            bank_account=settings.bank_account,
            vat_accounts={rate: getattr(settings, f) for rate, f in VAT_RATES.items()},
            method_accounts={m: getattr(settings, f[0]) for m, f in METHOD_FIELDS.items()},
            method_journals={m: getattr(settings, f[1]) for m, f in METHOD_FIELDS.items()},
            sales_journal=settings.sales_journal,
            credit_journal=settings.credit_journal,
            deposit_journal=settings.deposit_journal,
            labels=labels,
        )

    def label(self, account: str) -> str:
        """CompteLib: the settings' name of the account, else the PCG's."""
        known = self.labels.get(account)
        if known is None:  # a product's account: the PCG's name, looked up once per build
            known = self.labels[account] = pcg_label(account)
        return known


def customer_aux(payer_id: int, name: str) -> tuple[str, str]:
    """The customer's auxiliary account (CompAuxNum, CompAuxLib): C + the customer's number."""
    return f"C{payer_id:06d}", name
