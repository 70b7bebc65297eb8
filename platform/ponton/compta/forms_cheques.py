"""Forms of Compta > Chèques (CO-1): the period ("période d'encaissement"), the deposit
(chosen cheques, bank account, date), its cancellation, and a bank account."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ponton.compta.models.deposits import DEFAULT_BANK_ACCOUNTING_CODE, BankAccount
from ponton.compta.selectors.deposits import bank_accounts
from tenants import validators

EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2099, 12, 31)


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ChequePeriodForm(forms.Form):
    """ "Période d'encaissement": the days the cheques were received, both included."""

    start = forms.DateField(label=gettext_lazy("Du"), required=False, widget=_date_input())
    end = forms.DateField(label=gettext_lazy("Au"), required=False, widget=_date_input())

    def clean(self):
        data = super().clean()
        for name in ("start", "end"):
            day = data.get(name)
            if day is not None and not EARLIEST <= day <= LATEST:
                self.add_error(name, _("Indiquez une date entre 2000 et 2099."))
        start, end = data.get("start"), data.get("end")
        if start and end and start > end and not self.errors:
            self.add_error(
                "end", _("La date de fin de la période précède sa date de début : inversez-les.")
            )
        return data


class ChequeIdsField(forms.Field):
    """The checked cheques of the table (inputs named "cheque"), as payment ids."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "required": gettext_lazy("Sélectionnez au moins un chèque à remettre en banque."),
        "invalid": gettext_lazy("La sélection de chèques n'est pas valide : rechargez la page."),
    }

    def to_python(self, value) -> tuple[int, ...]:
        if not value:
            return ()
        values = value if isinstance(value, list | tuple) else [value]
        if not all(str(v).isdigit() for v in values):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return tuple(dict.fromkeys(int(v) for v in values))


class DepositForm(forms.Form):
    cheque = ChequeIdsField()
    bank_account = forms.ModelChoiceField(
        label=gettext_lazy("Compte bancaire"),
        queryset=BankAccount.objects.none(),
        empty_label=None,
        error_messages={
            "required": gettext_lazy("Choisissez le compte bancaire de la remise."),
            "invalid_choice": gettext_lazy("Choisissez le compte bancaire de la remise."),
        },
    )
    deposited_on = forms.DateField(
        label=gettext_lazy("Date de remise"),
        widget=_date_input(),
        error_messages={"required": gettext_lazy("Indiquez la date de la remise.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["bank_account"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 - narrows the type
        field.queryset = bank_accounts()
        self.fields["deposited_on"].initial = timezone.localdate()

    def clean_deposited_on(self):
        day = self.cleaned_data["deposited_on"]
        if not EARLIEST <= day <= LATEST:
            raise ValidationError(_("Indiquez une date entre 2000 et 2099."))
        return day


class DepositCancelForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Motif de l'annulation"),
        max_length=300,
        widget=forms.TextInput(),
        error_messages={"required": gettext_lazy("Indiquez le motif de l'annulation.")},
    )


class BankAccountForm(forms.Form):
    label = forms.CharField(label=gettext_lazy("Libellé"), max_length=100)
    holder = forms.CharField(label=gettext_lazy("Titulaire"), max_length=200, required=False)
    iban = forms.CharField(label=gettext_lazy("IBAN"), max_length=50)
    bic = forms.CharField(label=gettext_lazy("BIC"), max_length=20, required=False)
    accounting_code = forms.CharField(
        label=gettext_lazy("Compte comptable"),
        max_length=20,
        initial=DEFAULT_BANK_ACCOUNTING_CODE,
        help_text=gettext_lazy("Le compte de banque du plan comptable, ex. 512000."),
    )
    is_default = forms.BooleanField(
        label=gettext_lazy("Compte par défaut des remises"), required=False
    )

    def clean_iban(self) -> str:
        return validators.normalize_iban(self.cleaned_data["iban"])

    def clean_bic(self) -> str:
        bic = self.cleaned_data["bic"].strip()
        return validators.normalize_bic(bic) if bic else ""
