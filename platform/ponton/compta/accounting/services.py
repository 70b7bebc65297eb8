"""Writes of the accounting settings (CO-3)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from ponton.compta.accounting.chart import JOURNAL_RE, METHOD_FIELDS, account_valid
from ponton.compta.accounting.selectors import accounting_settings_get
from ponton.compta.models import AccountingSettings
from ponton.sales.services import Actor

ACCOUNT_FIELDS = (
    "customers_account",
    "sales_account",
    "credit_account",
    "bank_account",
    "vat_20_account",
    "vat_10_account",
    "vat_5_5_account",
    "vat_2_1_account",
    *(accounts for accounts, _journal in METHOD_FIELDS.values()),
)
JOURNAL_FIELDS = (
    "sales_journal",
    *(journal for _account, journal in METHOD_FIELDS.values()),
    "credit_journal",
    "deposit_journal",
)
# Which class of the plan comptable each account belongs to (the first digits).
ACCOUNT_PREFIXES = {
    "customers_account": ("411",),
    "credit_account": ("419", "411"),
    "sales_account": ("7",),
    "bank_account": ("512", "514", "515", "517"),
    **{f"vat_{r}_account": ("4457",) for r in ("20", "10", "5_5", "2_1")},
    **{accounts: ("5", "46") for accounts, _journal in METHOD_FIELDS.values()},
}


class SettingsError(Exception):
    """Refused settings: {field: French message}."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def _check(values: dict[str, str]) -> dict[str, str]:
    errors: dict[str, str] = {}
    for field in ACCOUNT_FIELDS:
        account = values[field]
        if not account and field == "sales_account":
            continue  # no default: every line must then carry its own accounting code
        if not account_valid(account):
            errors[field] = _(
                "« %(account)s » n'est pas un compte du plan comptable : trois chiffres "
                "d'abord, puis des chiffres ou des lettres (par exemple 706100)."
            ) % {"account": account}
        elif not account.startswith(ACCOUNT_PREFIXES[field]):
            errors[field] = _("Ce compte commence par %(prefixes)s.") % {
                "prefixes": _(" ou ").join(ACCOUNT_PREFIXES[field])
            }
    for field in JOURNAL_FIELDS:
        if not JOURNAL_RE.match(values[field]):
            errors[field] = _("Un code journal a 1 à 6 lettres majuscules ou chiffres.")
    payment_journals = {values[journal] for _account, journal in METHOD_FIELDS.values()}
    for field in ("sales_journal", "credit_journal", "deposit_journal"):
        if field not in errors and values[field] in payment_journals:
            errors[field] = _(
                "Ce code est déjà celui d'un journal de paiements : choisissez-en un autre."
            )
    return errors


@transaction.atomic
def accounting_settings_update(*, values: dict[str, str], actor: Actor) -> AccountingSettings:
    """Save the accounting settings; every account and journal code is checked, nothing is
    saved when one is refused (SettingsError names each field)."""
    fields = ACCOUNT_FIELDS + JOURNAL_FIELDS
    cleaned = {field: (values.get(field) or "").strip().upper() for field in fields}
    errors = _check(cleaned)
    if errors:
        raise SettingsError(errors)
    accounting_settings_get()
    settings = AccountingSettings.objects.select_for_update().get(singleton=True)
    for field, value in cleaned.items():
        setattr(settings, field, value)
    settings.actor_id = actor.account_id
    settings.save(update_fields=[*fields, "actor_id", "updated_at"])
    return settings
