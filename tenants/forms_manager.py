"""Forms of Club Manager > Paramètres > Ma structure (EG-4).

Plain forms (not ModelForms): a refused form must not touch the structure, not even the
instance in memory; valid data is saved by `tenants.services`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ponton.catalogue import vat
from tenants import validators
from tenants.fields import WebsiteField
from tenants.models import ContactRole, Structure
from tenants.services import ContactData

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

VAT_FR_RE = re.compile(r"^FR([0-9A-Z]{2})(\d{9})$")
VAT_EU_RE = re.compile(r"^[A-Z]{2}[0-9A-Z+*]{2,13}$")


def validate_vat_number(value: str) -> str:
    """Normalise an intra-community VAT number; French ones have their key checked."""
    vat = re.sub(r"[\s.\-]", "", value or "").upper()
    match = VAT_FR_RE.match(vat)
    if vat.startswith("FR"):
        if match is None:
            raise ValidationError(
                _(
                    "Un numéro de TVA français s'écrit FR, 2 caractères "
                    "puis les 9 chiffres du SIREN."
                ),
                code="vat",
            )
        key, siren = match.groups()
        if key.isdigit() and int(key) != (12 + 3 * (int(siren) % 97)) % 97:
            raise ValidationError(
                _("Ce numéro de TVA intracommunautaire n'est pas valide (clé de contrôle)."),
                code="vat",
            )
        return vat
    if not VAT_EU_RE.match(vat):
        raise ValidationError(
            _("Ce numéro de TVA intracommunautaire n'est pas valide."), code="vat"
        )
    return vat


def clean_phone(value: str) -> str:
    return validators.normalize_french_phone(value) if value else ""


def latitude_field(**kwargs) -> forms.DecimalField:
    """Latitude in decimal degrees; "48,3904" and "48.3904" are both accepted."""
    return forms.DecimalField(
        label=kwargs.pop("label", _("Latitude")),
        required=False,
        max_digits=9,
        decimal_places=6,
        localize=True,
        validators=[validators.validate_latitude],
        help_text=_("En degrés décimaux, entre -90 et 90 (ex. 48,3904)."),
        **kwargs,
    )


def longitude_field(**kwargs) -> forms.DecimalField:
    return forms.DecimalField(
        label=kwargs.pop("label", _("Longitude")),
        required=False,
        max_digits=9,
        decimal_places=6,
        localize=True,
        validators=[validators.validate_longitude],
        help_text=_("En degrés décimaux, entre -180 et 180 (ex. -4,4861)."),
        **kwargs,
    )


def check_coordinates_pair(form: forms.Form) -> None:
    """Latitude and longitude go together: both or neither."""
    lat, lng = form.cleaned_data.get("latitude"), form.cleaned_data.get("longitude")
    if form.has_error("latitude") or form.has_error("longitude"):
        return
    if lat is None and lng is not None:
        form.add_error("latitude", _("Indiquez aussi la latitude (ou aucune coordonnée)."))
    if lng is None and lat is not None:
        form.add_error("longitude", _("Indiquez aussi la longitude (ou aucune coordonnée)."))


def clean_postal_code(value: str) -> str:
    value = (value or "").strip()
    if value:
        validators.validate_postal_code(value)
    return value


class StructureSectionForm(forms.Form):
    """One section of the settings: its fields are the structure's fields of the same name."""

    def __init__(self, *args, structure: Structure, **kwargs):
        self.structure = structure
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            for name in self.fields:
                if hasattr(structure, name) and not isinstance(self.fields[name], forms.FileField):
                    value = getattr(structure, name)
                    self.initial.setdefault(name, value)

    def fields_to_save(self) -> dict:
        """The structure fields this form changes, for `structure_update`."""
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if hasattr(self.structure, name) and not isinstance(self.fields[name], forms.FileField)
        }


class IdentityForm(StructureSectionForm):
    name = forms.CharField(label=_("Nom de la structure"), max_length=200)
    title = forms.CharField(
        label=_("Titre affiché aux clients"),
        max_length=200,
        required=False,
        help_text=_("Affiché dans la boutique en ligne ; si vide, le nom de la structure."),
    )
    description = forms.CharField(
        label=_("Présentation"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    legal_name = forms.CharField(label=_("Raison sociale"), max_length=200, required=False)
    siret = forms.CharField(
        label=_("SIRET"), max_length=20, required=False, help_text=_("14 chiffres.")
    )
    vat_number = forms.CharField(
        label=_("Numéro de TVA intracommunautaire"),
        max_length=20,
        required=False,
        help_text=_("Ex. FR40303265045."),
    )
    vat_exemption = forms.ChoiceField(
        label=_("Régime de TVA"),
        choices=[("", _("TVA applicable sur les ventes")), *vat.STRUCTURE_CHOICES],
        required=False,
        help_text=vat.HELP_STRUCTURE,
    )
    email = forms.EmailField(label=_("Email de la structure"), required=False)
    phone = forms.CharField(
        label=_("Téléphone"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel"}),
    )
    website = WebsiteField(label=_("Site web"), required=False)
    logo = forms.FileField(
        label=_("Logo"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/gif,image/webp"}),
        help_text=_("Image JPEG, PNG, GIF ou WebP de 5 Mo au plus."),
    )
    remove_logo = forms.BooleanField(label=_("Supprimer le logo actuel"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.structure.logo:
            del self.fields["remove_logo"]

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise ValidationError(_("Indiquez le nom de la structure."), code="required")
        return name

    def clean_siret(self) -> str:
        value = self.cleaned_data["siret"]
        if not value.strip():
            return ""
        validators.validate_siret(value)
        return validators.normalize_siret(value)

    def clean_vat_number(self) -> str:
        value = self.cleaned_data["vat_number"]
        return validate_vat_number(value) if value.strip() else ""

    def clean_phone(self) -> str:
        return clean_phone(self.cleaned_data["phone"])

    def clean_logo(self):
        upload = self.cleaned_data.get("logo")
        if upload:
            validators.validate_image_upload(upload)
        return upload

    def fields_to_save(self) -> dict:
        fields = super().fields_to_save()
        fields.pop("remove_logo", None)
        if self.cleaned_data.get("logo"):
            fields["logo"] = self.cleaned_data["logo"]
        elif self.cleaned_data.get("remove_logo"):
            fields["logo"] = ""
        return fields


class AddressForm(StructureSectionForm):
    address_line1 = forms.CharField(label=_("Adresse"), max_length=200)
    address_line2 = forms.CharField(label=_("Complément d'adresse"), max_length=200, required=False)
    postal_code = forms.CharField(label=_("Code postal"), max_length=10)
    city = forms.CharField(label=_("Ville"), max_length=100)
    latitude = latitude_field()
    longitude = longitude_field()

    def clean_postal_code(self) -> str:
        return clean_postal_code(self.cleaned_data["postal_code"])

    def clean(self):
        cleaned = super().clean()
        check_coordinates_pair(self)
        return cleaned


class BankForm(StructureSectionForm):
    bank_account_holder = forms.CharField(label=_("Titulaire du compte"), max_length=200)
    iban = forms.CharField(
        label=_("IBAN"), max_length=50, help_text=_("Ex. FR76 3000 6000 0112 3456 7890 189.")
    )
    bic = forms.CharField(label=_("BIC"), max_length=20, help_text=_("8 ou 11 caractères."))

    def clean_iban(self) -> str:
        return validators.normalize_iban(self.cleaned_data["iban"])

    def clean_bic(self) -> str:
        return validators.normalize_bic(self.cleaned_data["bic"])


class CgvForm(StructureSectionForm):
    cgv = forms.FileField(
        label=_("Conditions générales de vente (PDF)"),
        widget=forms.FileInput(attrs={"accept": "application/pdf"}),
        help_text=_("Un fichier PDF de 10 Mo au plus, indispensable à la vente en ligne."),
        error_messages={"required": _("Choisissez le fichier PDF de vos CGV.")},
    )

    def clean_cgv(self):
        upload = self.cleaned_data["cgv"]
        validators.validate_pdf_upload(upload)
        return upload

    def fields_to_save(self) -> dict:
        return {"cgv": self.cleaned_data["cgv"]}


class NotificationsForm(StructureSectionForm):
    notify_email_on_forum_message = forms.BooleanField(
        label=_("Recevoir un email à chaque message client du forum"),
        required=False,
        help_text=_(
            "Désactivé par défaut : chaque message arrive de toute façon dans le centre de "
            "notifications de votre équipe."
        ),
    )
    notification_email = forms.EmailField(
        label=_("Email des notifications"),
        required=False,
        help_text=_("Si vide, l'email de la structure est utilisé."),
    )

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("notify_email_on_forum_message")
            and not cleaned.get("notification_email")
            and not self.has_error("notification_email")
            and not self.structure.email
        ):
            self.add_error(
                "notification_email",
                _("Indiquez l'adresse qui recevra ces emails (la structure n'a pas d'email)."),
            )
        return cleaned


BASKET_HOLD_MINUTES = (5, 120)


class ShopForm(StructureSectionForm):
    """The MarketPlace's settings (MP-1): open or closed, how long a basket holds seats."""

    shop_enabled = forms.BooleanField(
        label=_("Boutique en ligne ouverte"),
        required=False,
        help_text=_(
            "Décochée, la boutique affiche une page « boutique fermée » avec vos coordonnées. "
            "Elle n'ouvre de toute façon qu'avec vos CGV."
        ),
    )
    basket_hold_minutes = forms.IntegerField(
        label=_("Durée de réservation du panier (minutes)"),
        min_value=BASKET_HOLD_MINUTES[0],
        max_value=BASKET_HOLD_MINUTES[1],
        help_text=_(
            "Les places et articles mis au panier en ligne sont réservés pendant cette durée "
            "(de 5 à 120 minutes), puis libérés s'ils ne sont pas payés."
        ),
        error_messages={
            "required": _("Indiquez une durée entre 5 et 120 minutes."),
            "min_value": _("Indiquez une durée entre 5 et 120 minutes."),
            "max_value": _("Indiquez une durée entre 5 et 120 minutes."),
            "invalid": _("Indiquez une durée entre 5 et 120 minutes."),
        },
    )


CONTACT_WHOSE: dict[str, StrOrPromise] = {
    ContactRole.DIRECTOR: _("du directeur"),
    ContactRole.ACCOUNTANT: _("du comptable"),
    ContactRole.COMMUNICATION: _("du responsable communication"),
    ContactRole.RECEPTION: _("du responsable d'accueil"),
}
CONTACT_PARTS = ("first_name", "last_name", "email", "phone")


class ContactsForm(forms.Form):
    """The four contacts of the structure. A role left entirely blank has no contact."""

    def __init__(self, *args, contacts: dict, **kwargs):
        super().__init__(*args, **kwargs)
        for role in ContactRole.values:
            whose = CONTACT_WHOSE[role]
            current = contacts.get(role)
            self.fields[f"{role}_first_name"] = forms.CharField(
                label=_("Prénom %(whose)s") % {"whose": whose}, max_length=100, required=False
            )
            self.fields[f"{role}_last_name"] = forms.CharField(
                label=_("Nom %(whose)s") % {"whose": whose}, max_length=100, required=False
            )
            self.fields[f"{role}_email"] = forms.EmailField(
                label=_("Email %(whose)s") % {"whose": whose}, required=False
            )
            self.fields[f"{role}_phone"] = forms.CharField(
                label=_("Téléphone %(whose)s") % {"whose": whose},
                max_length=20,
                required=False,
                widget=forms.TextInput(attrs={"type": "tel"}),
            )
            if current is not None and not self.is_bound:
                for part in CONTACT_PARTS:
                    self.initial[f"{role}_{part}"] = getattr(current, part)

    def groups(self) -> list[tuple[StrOrPromise, list]]:
        """(legend, bound fields) per role, for the template's fieldsets."""
        return [
            (label, [self[f"{role}_{part}"] for part in CONTACT_PARTS])
            for role, label in ContactRole.choices
        ]

    def clean(self):
        cleaned = super().clean()
        contacts: dict[str, ContactData | None] = {}
        for role in ContactRole.values:
            names = {part: f"{role}_{part}" for part in CONTACT_PARTS}
            if any(self.has_error(n) for n in names.values()):
                continue
            values = {part: (cleaned.get(n) or "").strip() for part, n in names.items()}
            if not any(values.values()):
                contacts[role] = None
                continue
            missing = [p for p in ("first_name", "last_name", "email") if not values[p]]
            for part in missing:
                self.add_error(
                    names[part], _("Obligatoire dès qu'une information de ce contact est remplie.")
                )
            try:
                values["phone"] = clean_phone(values["phone"])
            except ValidationError as exc:
                self.add_error(names["phone"], exc)
                continue
            if not missing:
                contacts[role] = ContactData(**values)
        cleaned["contacts"] = contacts
        return cleaned
