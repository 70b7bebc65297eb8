from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from modules.sms.models import SmsAccount

SENDER = re.compile(r"^[A-Za-z0-9]{1,11}$")


class ComposeForm(forms.Form):
    body = forms.CharField(
        label=_("Message"),
        widget=forms.Textarea(attrs={"rows": 5, "data-sms-counter": "sms-counter"}),
        required=False,
    )
    promotional = forms.BooleanField(
        label=_("SMS promotionnel (mention STOP, consentement et horaires autorisés)"),
        required=False,
    )


class CreditForm(forms.Form):
    amount = forms.IntegerField(label=_("Nombre de SMS"), min_value=1, max_value=1_000_000)


class SettingsForm(forms.ModelForm):
    """The provider and its keys; secret fields left empty keep the stored value."""

    ovh_application_secret = forms.CharField(
        label=_("OVHcloud : application secret"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
    )
    ovh_consumer_key = forms.CharField(
        label=_("OVHcloud : consumer key"), required=False, widget=forms.PasswordInput()
    )
    brevo_api_key = forms.CharField(
        label=_("Brevo : clé d'API"), required=False, widget=forms.PasswordInput()
    )

    class Meta:
        model = SmsAccount
        fields = [
            "provider",
            "sender",
            "stop_mention",
            "marketing_on_days_off",
            "ovh_endpoint",
            "ovh_service_name",
            "ovh_application_key",
        ]
        labels = {
            "provider": _("Fournisseur"),
            "ovh_endpoint": _("OVHcloud : région de l'API (ovh-eu)"),
            "ovh_service_name": _("OVHcloud : nom du service SMS (sms-xx00000-1)"),
            "ovh_application_key": _("OVHcloud : application key"),
        }

    SECRETS = ("ovh_application_secret", "ovh_consumer_key", "brevo_api_key")

    def clean_sender(self) -> str:
        sender = self.cleaned_data.get("sender", "").strip()
        if sender and not SENDER.match(sender):
            raise forms.ValidationError(
                _(
                    "L'expéditeur doit faire 11 caractères au plus, lettres sans accent et "
                    "chiffres uniquement, sans espace."
                )
            )
        return sender

    def save(self, commit: bool = True) -> SmsAccount:
        account = super().save(commit=False)
        for name in self.SECRETS:
            value = self.cleaned_data.get(name) or ""
            if value:
                setattr(account, name, value)
        if account.provider == SmsAccount.Provider.OVH and not (
            account.ovh_service_name and account.ovh_application_key
        ):
            raise forms.ValidationError(_("OVHcloud demande le nom du service et les clés."))
        if commit:
            account.save()
        return account
