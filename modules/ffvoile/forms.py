from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from modules.ffvoile.models import Call, FederationAccount, LicenceKind, Sex


class SettingsForm(forms.ModelForm):
    password = forms.CharField(
        label=_("mot de passe FF Voile"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Chiffré, jamais réaffiché : laissez vide pour garder celui enregistré."),
    )

    class Meta:
        model = FederationAccount
        fields = ["club_number", "login"]

    def clean_club_number(self) -> str:
        value = self.cleaned_data["club_number"].strip()
        if value and not value.isdigit():
            raise forms.ValidationError(_("Le numéro d'affiliation ne contient que des chiffres."))
        return value


class LicenceOptionForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Ce produit est une licence FF Voile"),
        choices=[("", _("Non, ce n'est pas une licence"))] + list(LicenceKind.choices),
        required=False,
    )


class IdentityForm(forms.Form):
    sex = forms.ChoiceField(label=_("Sexe (pour la FF Voile)"), choices=Sex.choices)


class CallFilterForm(forms.Form):
    ordered_from = forms.DateField(
        label=_("Commandes du"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    ordered_to = forms.DateField(
        label=_("au"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    customer = forms.CharField(label=_("Client"), required=False, max_length=100)
    result = forms.ChoiceField(
        label=_("Résultat"), required=False, choices=[("", _("Tous"))] + list(Call.Result.choices)
    )
