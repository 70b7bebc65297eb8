"""Forms of the catalogue: the structure's sites (EG-4 "Ma structure", CA-7)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ponton.catalogue.models import Site
from tenants.forms_manager import (
    check_coordinates_pair,
    clean_postal_code,
    latitude_field,
    longitude_field,
)

SITE_FIELDS = (
    "name",
    "address_line1",
    "address_line2",
    "postal_code",
    "city",
    "latitude",
    "longitude",
    "is_production",
)


class SiteForm(forms.Form):
    name = forms.CharField(label=_("Nom du site"), max_length=200)
    address_line1 = forms.CharField(label=_("Adresse du site"), max_length=200, required=False)
    address_line2 = forms.CharField(
        label=_("Complément d'adresse du site"), max_length=200, required=False
    )
    postal_code = forms.CharField(label=_("Code postal du site"), max_length=10, required=False)
    city = forms.CharField(label=_("Ville du site"), max_length=100, required=False)
    latitude = latitude_field(label=_("Latitude du site"))
    longitude = longitude_field(label=_("Longitude du site"))
    is_production = forms.BooleanField(
        label=_("Site de production"),
        required=False,
        initial=True,
        help_text=_("Un lieu où se déroulent vos activités."),
    )

    def __init__(self, *args, site: Site | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if site is not None and not self.is_bound:
            for name in SITE_FIELDS:
                self.initial[name] = getattr(site, name)

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Indiquez le nom du site."), code="required")
        return name

    def clean_postal_code(self) -> str:
        return clean_postal_code(self.cleaned_data["postal_code"])

    def clean(self):
        cleaned = super().clean()
        check_coordinates_pair(self)
        return cleaned

    def site_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in SITE_FIELDS}
