"""Forms of the customer space (MP-4): "Mon profil", "Ma famille", the password change."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import PasswordChangeForm
from django.utils.translation import gettext_lazy as _

from ponton.customers.services import AddressData, ProfileData
from tenants import validators
from tenants.forms_manager import clean_phone

DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]


class ProfileForm(forms.Form):
    """MP-4 "Mon profil": name, phones and the main postal address (all three of address,
    postal code and city, or none)."""

    first_name = forms.CharField(
        label=_("Prénom"),
        max_length=100,
        error_messages={"required": _("Indiquez votre prénom.")},
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("Nom"),
        max_length=100,
        error_messages={"required": _("Indiquez votre nom.")},
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    mobile = forms.CharField(
        label=_("Mobile"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )
    phone = forms.CharField(
        label=_("Téléphone fixe"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel"}),
    )
    line1 = forms.CharField(
        label=_("Adresse"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-line1"}),
    )
    line2 = forms.CharField(
        label=_("Complément d'adresse"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-line2"}),
    )
    postal_code = forms.CharField(
        label=_("Code postal"),
        max_length=5,
        required=False,
        validators=[validators.validate_postal_code],
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
    )
    city = forms.CharField(
        label=_("Ville"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    country = forms.CharField(label=_("Pays"), max_length=100, required=False, initial="France")

    REQUIRED_TOGETHER = {
        "line1": _("Indiquez l'adresse."),
        "postal_code": _("Indiquez le code postal."),
        "city": _("Indiquez la ville."),
    }

    def clean_mobile(self) -> str:
        return clean_phone(self.cleaned_data["mobile"].strip())

    def clean_phone(self) -> str:
        return clean_phone(self.cleaned_data["phone"].strip())

    def clean(self):
        cleaned = super().clean()
        given = [
            name
            for name in ("line1", "line2", "postal_code", "city")
            if (cleaned.get(name) or "").strip()
        ]
        if given or self.errors.get("postal_code"):
            for name, message in self.REQUIRED_TOGETHER.items():
                if not (cleaned.get(name) or "").strip() and name not in self.errors:
                    self.add_error(name, message)
        return cleaned

    @classmethod
    def initial_for(cls, customer) -> dict:
        initial = {
            "first_name": customer.first_name,
            "last_name": customer.last_name,
            "mobile": customer.mobile,
            "phone": customer.phone,
            "country": "France",
        }
        main = customer.addresses.order_by("id").first()
        if main is not None:
            initial.update(
                line1=main.line1,
                line2=main.line2,
                postal_code=main.postal_code,
                city=main.city,
                country=main.country,
            )
        return initial

    def profile(self) -> ProfileData:
        data = self.cleaned_data
        address = None
        if data["line1"].strip():
            address = AddressData(
                line1=data["line1"],
                line2=data["line2"],
                postal_code=data["postal_code"].strip(),
                city=data["city"],
                country=data["country"].strip() or "France",
            )
        return ProfileData(
            first_name=data["first_name"],
            last_name=data["last_name"],
            mobile=data["mobile"],
            phone=data["phone"],
            address=address,
        )


class FamilyMemberForm(forms.Form):
    """MP-4 "Ma famille": a member's first name, last name and birth date."""

    first_name = forms.CharField(
        label=_("Prénom"),
        max_length=100,
        error_messages={"required": _("Indiquez le prénom de la personne.")},
    )
    last_name = forms.CharField(
        label=_("Nom"),
        max_length=100,
        error_messages={"required": _("Indiquez le nom de la personne.")},
    )
    birth_date = forms.DateField(
        label=_("Date de naissance"),
        input_formats=DATE_FORMATS,
        help_text=_("JJ/MM/AAAA"),
        error_messages={
            "required": _("Indiquez la date de naissance."),
            "invalid": _("Indiquez une date valide, au format JJ/MM/AAAA."),
        },
        widget=forms.DateInput(format="%d/%m/%Y"),
    )


class SpacePasswordChangeForm(PasswordChangeForm):
    """Django's password change (old password, new one twice, the password validators), with
    our French labels and messages."""

    error_messages = {
        **PasswordChangeForm.error_messages,
        "password_incorrect": _("Votre mot de passe actuel est incorrect."),
        "password_mismatch": _("Les deux nouveaux mots de passe ne sont pas identiques."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = _("Mot de passe actuel")
        self.fields["new_password1"].label = _("Nouveau mot de passe")
        self.fields["new_password2"].label = _("Confirmez le nouveau mot de passe")
        self.fields["new_password1"].help_text = _(
            "Au moins 10 caractères, pas uniquement des chiffres, ni trop courant."
        )
