"""Forms of Compta > Écritures comptables and Paramètres comptables (CO-3)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ponton.compta.accounting.entries import Period
from ponton.compta.accounting.services import ACCOUNT_FIELDS, JOURNAL_FIELDS
from ponton.compta.models import AccountingSettings


def _date_field(label) -> forms.DateField:
    return forms.DateField(
        label=label,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("Indiquez cette date."), "invalid": _("Date invalide.")},
    )


class PeriodForm(forms.Form):
    start = _date_field(_("Du"))
    end = _date_field(_("Au"))

    def clean(self):
        data = super().clean()
        if "start" in data and "end" in data:
            try:
                data["period"] = Period.checked(data["start"], data["end"])
            except ValueError as exc:
                self.add_error("end", str(exc))
        return data

    @staticmethod
    def month_so_far() -> dict[str, dt.date]:
        today = timezone.localdate()
        return {"start": today.replace(day=1), "end": today}


class JournalFilterForm(PeriodForm):
    journal = forms.ChoiceField(label=_("Journal"), required=False)

    def __init__(self, *args, journals: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["journal"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 - for the type checker
        field.choices = [("", _("Tous les journaux")), *journals]


class AccountingSettingsForm(forms.ModelForm):
    class Meta:
        model = AccountingSettings
        fields = [*ACCOUNT_FIELDS, *JOURNAL_FIELDS]

    def __init__(self, *args, read_only: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sales_account"].required = False
        self.fields["sales_account"].help_text = _(
            "Pour les lignes sans code comptable. Laissé vide, chaque produit et chaque ligne "
            "libre doivent porter leur propre code."
        )
        for field in self.fields.values():
            if read_only:
                field.disabled = True
