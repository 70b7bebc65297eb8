"""Forms of the platform console (EG-3)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tenants.models import StructureState
from tenants.services_console import MAX_VALID_DAYS

SIGNUP_IN_PROGRESS = "signup"


class StructureSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Rechercher"),
        required=False,
        max_length=200,
        help_text=_("Nom, identifiant, email ou ville."),
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    state = forms.ChoiceField(
        label=_("État"),
        required=False,
        choices=[
            ("", _("Toutes les structures")),
            (SIGNUP_IN_PROGRESS, _("Inscription en cours")),
            (StructureState.CONTRACT_PENDING, _("Contrat en attente")),
            (StructureState.ACTIVE, _("Active")),
            (StructureState.SUSPENDED, _("Suspendue")),
        ],
    )


class ActivationKeyForm(forms.Form):
    intended_for = forms.CharField(
        label=_("Structure prévue"),
        max_length=200,
        help_text=_("Le nom de la structure qui va s'inscrire avec cette clé."),
    )
    email = forms.EmailField(
        label=_("Email du destinataire"),
        help_text=_("La clé et l'adresse de l'inscription sont envoyées à cette adresse."),
    )
    valid_days = forms.IntegerField(
        label=_("Validité (en jours)"),
        initial=30,
        min_value=1,
        max_value=MAX_VALID_DAYS,
        error_messages={
            "min_value": _("La clé doit être valable au moins 1 jour."),
            "max_value": _("La clé ne peut pas être valable plus de %(limit_value)s jours."),
            "invalid": _("Indiquez un nombre entier de jours."),
        },
    )


class StructureSuspendForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif de la suspension"),
        max_length=300,
        help_text=_("Gardé dans la fiche de la structure."),
        error_messages={"required": _("Indiquez le motif de la suspension.")},
    )
