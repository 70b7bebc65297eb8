"""EM-1 forms: a campaign (content and recipients) and its schedule."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

from django import forms
from django.utils.translation import gettext_lazy as _

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
