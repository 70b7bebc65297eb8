"""Forms of the customer base (Club Manager > Clients)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ponton.customers.services import AddressData
from tenants import validators
from tenants.forms_manager import clean_phone, validate_vat_number


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
    birth_date = forms.DateField(
        label=_("Date de naissance"),
        required=False,
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        help_text=_("JJ/MM/AAAA"),
        error_messages={"invalid": _("Indiquez une date valide, au format JJ/MM/AAAA.")},
    )
    company_name = forms.CharField(
        label=_("Société"),
        max_length=200,
        required=False,
        help_text=_("Si le client achète pour une entreprise."),
    )
    company_siren = forms.CharField(
        label=_("SIREN de la société"),
        max_length=11,
        required=False,
        help_text=_(
            "9 chiffres. Avec un SIREN ou un numéro de TVA, ses achats sont des ventes entre "
            "professionnels (B2B), hors de l'e-reporting des ventes aux particuliers."
        ),
    )
    company_vat_number = forms.CharField(
        label=_("Numéro de TVA de la société"),
        max_length=20,
        required=False,
        help_text=_("Ex. FR40303265045."),
    )

    def clean_company_siren(self) -> str:
        value = "".join(self.cleaned_data["company_siren"].split())
        if value and (len(value) != 9 or not value.isdigit()):
            raise forms.ValidationError(_("Un SIREN compte 9 chiffres."), code="siren")
        return value

    def clean_company_vat_number(self) -> str:
        value = self.cleaned_data["company_vat_number"]
        return validate_vat_number(value) if value.strip() else ""

    def clean_mobile(self) -> str:
        return clean_phone(self.cleaned_data["mobile"].strip())

    def clean_phone(self) -> str:
        return clean_phone(self.cleaned_data["phone"].strip())


class CustomerCreateForm(CustomerForm):
    """CU-1 "Nouveau client": the identity and, optionally, a first postal address with the
    fields of "Ajouter une adresse" (`AddressForm`). Address, postal code and city go
    together: one of them given, the others are asked for."""

    label = forms.CharField(
        label=_("Libellé de l'adresse"),
        max_length=50,
        required=False,
        help_text=_("Ex. : domicile, vacances."),
    )
    line1 = forms.CharField(
        label=_("Adresse"),
        max_length=200,
        required=False,
        help_text=_("Facultative : l'adresse, le code postal et la ville vont ensemble."),
    )
    line2 = forms.CharField(label=_("Complément d'adresse"), max_length=200, required=False)
    postal_code = forms.CharField(
        label=_("Code postal"),
        max_length=5,
        required=False,
        validators=[validators.validate_postal_code],
    )
    city = forms.CharField(label=_("Ville"), max_length=100, required=False)
    country = forms.CharField(label=_("Pays"), max_length=100, initial="France", required=False)

    ADDRESS_FIELDS = ("label", "line1", "line2", "postal_code", "city", "country")
    REQUIRED_TOGETHER = {
        "line1": _("Indiquez l'adresse."),
        "postal_code": _("Indiquez le code postal."),
        "city": _("Indiquez la ville."),
    }

    def clean(self):
        cleaned = super().clean()
        given = [
            name
            for name in ("label", "line1", "line2", "postal_code", "city")
            if (cleaned.get(name) or "").strip()
        ]
        if given or self.errors.get("postal_code"):
            for name, message in self.REQUIRED_TOGETHER.items():
                if not (cleaned.get(name) or "").strip() and name not in self.errors:
                    self.add_error(name, message)
        return cleaned

    def customer_fields(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k not in self.ADDRESS_FIELDS}

    def address(self) -> AddressData | None:
        data = self.cleaned_data
        if not (data.get("line1") or "").strip():
            return None
        return AddressData(
            label=data["label"],
            line1=data["line1"],
            line2=data["line2"],
            postal_code=data["postal_code"].strip(),
            city=data["city"],
            country=data["country"] or "France",
        )


class CustomerSearchForm(forms.Form):
    q = forms.CharField(label=_("Rechercher un client"), max_length=100, required=False)


class AddressForm(forms.Form):
    """CU-1: a postal address of the customer."""

    label = forms.CharField(
        label=_("Libellé"),
        max_length=50,
        required=False,
        help_text=_("Ex. : domicile, vacances."),
    )
    line1 = forms.CharField(
        label=_("Adresse"),
        max_length=200,
        error_messages={"required": _("Indiquez l'adresse.")},
    )
    line2 = forms.CharField(label=_("Complément d'adresse"), max_length=200, required=False)
    postal_code = forms.CharField(
        label=_("Code postal"),
        max_length=5,
        validators=[validators.validate_postal_code],
        error_messages={"required": _("Indiquez le code postal.")},
    )
    city = forms.CharField(
        label=_("Ville"), max_length=100, error_messages={"required": _("Indiquez la ville.")}
    )
    country = forms.CharField(label=_("Pays"), max_length=100, initial="France")

    def clean_postal_code(self) -> str:
        return self.cleaned_data["postal_code"].strip()


class PayerForm(forms.Form):
    """CU-1: who pays for this customer, found by their email."""

    payer_email = forms.EmailField(
        label=_("Email du payeur"),
        error_messages={"required": _("Indiquez l'email du client payeur.")},
    )

    def clean_payer_email(self):
        from ponton.customers.models import Customer

        email = self.cleaned_data["payer_email"].strip().lower()
        payer = Customer.objects.filter(email=email, erased_at__isnull=True).first()
        if payer is None:
            raise forms.ValidationError(_("Aucun client n'a cette adresse email."))
        return payer


class CustomerImportForm(forms.Form):
    """CU-1: the CSV file of customers to import."""

    file = forms.FileField(
        label=_("Fichier CSV"),
        help_text=_(
            "UTF-8, séparateur « ; » ou « , ». Colonnes : nom, prénom, email, mobile, "
            "téléphone, date de naissance (JJ/MM/AAAA), adresse, code postal, ville."
        ),
        error_messages={"required": _("Choisissez le fichier CSV à importer.")},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 5 * 1024 * 1024:
            raise forms.ValidationError(_("Le fichier dépasse 5 Mo : découpez-le."))
        return upload
