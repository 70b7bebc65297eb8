"""Forms of the customer base (Club Manager > Clients)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tenants.forms_manager import clean_phone


class CustomerForm(forms.Form):
    first_name = forms.CharField(
        label=_("Prénom"),
        max_length=100,
        error_messages={"required": _("Indiquez le prénom du client.")},
    )
    last_name = forms.CharField(
        label=_("Nom"),
        max_length=100,
        error_messages={"required": _("Indiquez le nom du client.")},
    )
    email = forms.EmailField(
        label=_("Email"),
        required=False,
        help_text=_("Nécessaire pour inviter le client dans son espace client."),
    )
    mobile = forms.CharField(label=_("Mobile"), max_length=20, required=False)
    phone = forms.CharField(label=_("Téléphone fixe"), max_length=20, required=False)

    def clean_mobile(self) -> str:
        return clean_phone(self.cleaned_data["mobile"].strip())

    def clean_phone(self) -> str:
        return clean_phone(self.cleaned_data["phone"].strip())


class CustomerSearchForm(forms.Form):
    q = forms.CharField(label=_("Rechercher un client"), max_length=100, required=False)
