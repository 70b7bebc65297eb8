"""EM-1 forms: a campaign (content and recipients) and its schedule."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

from django import forms
from django.utils.translation import gettext_lazy as _

from modules.emarketing.models import SmtpSettings

PARIS = ZoneInfo("Europe/Paris")


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("Nom de la campagne"), max_length=200, required=False)
    sender_name = forms.CharField(label=_("Nom de l'expéditeur"), max_length=100, required=False)
    subject = forms.CharField(label=_("Objet"), max_length=200, required=False)
    body = forms.CharField(
        label=_("Message (HTML)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 10, "data-em-source": ""}),
    )
    audience = forms.ChoiceField(
        label=_("Destinataires"),
        choices=[
            ("rules", _("Recherche avancée (règles)")),
            ("search", _("Recherche simple")),
            ("emails", _("Adresses saisies")),
        ],
        initial="rules",
        widget=forms.RadioSelect(attrs={"data-em-audience": ""}),
    )
    audience_emails = forms.CharField(
        label=_("Adresses email (une par ligne)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    audience_search = forms.CharField(
        label=_("Rechercher (nom, email, téléphone)"), max_length=200, required=False
    )
    audience_rules = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_audience_rules(self) -> dict:
        raw = self.cleaned_data.get("audience_rules") or ""
        if not raw.strip():
            return {"combine": "and", "rules": []}
        try:
            value = json.loads(raw)
        except ValueError:
            raise forms.ValidationError(_("Les règles ne sont pas lisibles.")) from None
        if not isinstance(value, dict):
            raise forms.ValidationError(_("Les règles ne sont pas lisibles."))
        return value


class ScheduleForm(forms.Form):
    date = forms.DateField(
        label=_("Date d'envoi"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    time = forms.TimeField(
        label=_("Heure d'envoi"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )

    def when(self) -> dt.datetime:
        """The date and time entered, in Europe/Paris."""
        return dt.datetime.combine(
            self.cleaned_data["date"], self.cleaned_data["time"], tzinfo=PARIS
        )


class SmtpSettingsForm(forms.ModelForm):
    """The structure's own mail server. The password is never shown back: left empty, the
    saved one is kept."""

    password = forms.CharField(
        label=_("Mot de passe"),
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Laissez vide pour garder le mot de passe enregistré."),
    )

    class Meta:
        model = SmtpSettings
        fields = ["host", "port", "security", "username", "password", "from_email"]
        help_texts = {
            "host": _("Laissé vide, les campagnes partent par le serveur de Ponton."),
            "from_email": _("Une adresse de votre domaine, autorisée par ce serveur."),
        }

    def clean_port(self):
        port = self.cleaned_data["port"]
        if not 1 <= port <= 65535:
            raise forms.ValidationError(_("Le port va de 1 à 65535."))
        return port

    def clean(self):
        data = super().clean()
        if data.get("host") and not data.get("from_email"):
            self.add_error(
                "from_email", _("Indiquez l'adresse d'expédition autorisée par ce serveur.")
            )
        return data

    def save(self, commit: bool = True) -> SmtpSettings:
        settings = super().save(commit=False)
        if not self.cleaned_data.get("password"):
            settings.password = self.initial.get("password", "") or ""
        if commit:
            settings.save()
        return settings
