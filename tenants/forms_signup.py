"""Forms of the signup wizard (EG-1), one per step.

Each step form turns its valid input into JSON (`to_data`) for `SignupDraft.data[step]` and
back (`initial_from`), so every page shows again what was typed. Uploaded files are checked
by their content here and stored by `tenants.services_signup`.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ponton.accounts import ratelimit
from ponton.plugins.manager import all_modules
from tenants import selectors_signup, validators
from tenants.fields import WebsiteField
from tenants.models import ActivationKey, ContactRole, ContractSignature, Structure
from tenants.selectors_signup import Contract
from tenants.services import slug_is_valid, slug_suggest

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

ACTIVITY_THEMES = [
    ("voile", _("Voile")),
    ("nautisme", _("Nautisme")),
    ("sports", _("Sports")),
    ("culture", _("Culture")),
    ("musee", _("Musée")),
    ("patrimoine", _("Patrimoine")),
    ("tourisme", _("Tourisme")),
    ("loisirs", _("Loisirs")),
    ("nature", _("Nature")),
]

IMAGE_FIELDS = ("image_1", "image_2", "image_3")
# With a context: Django's own French catalogue turns a bare "Email" into "Courriel".
EMAIL_LABEL = pgettext_lazy("signup form label", "Email")
RATELIMIT_SCOPE = "activation-key"


class StepForm(forms.Form):
    """A step of the wizard: JSON in, JSON out."""

    decimal_fields: tuple[str, ...] = ()

    def to_data(self) -> dict:
        data = {}
        for name, value in self.cleaned_data.items():
            if isinstance(value, Decimal):
                value = str(value)
            data[name] = value
        return data

    @classmethod
    def initial_from(cls, data: dict | None) -> dict:
        initial = dict(data or {})
        for name in cls.decimal_fields:
            try:
                initial[name] = Decimal(initial[name])
            except (KeyError, TypeError, InvalidOperation):
                initial.pop(name, None)
        return initial

    def groups(self) -> list[tuple[StrOrPromise, list]]:
        """Fields shown together under a legend; one untitled group by default."""
        return [("", list(self.visible_fields()))]


def _set_help(form: forms.Form, name: str, text: StrOrPromise) -> None:
    form.fields[name].help_text = text
    form[name].help_text = text  # the bound field copied it when it was first used


def _stored_help(stored: dict | None, base: StrOrPromise) -> StrOrPromise:
    if not stored:
        return base
    return _(
        "Fichier déjà enregistré : %(name)s. Choisissez un autre fichier pour le remplacer."
    ) % {"name": stored.get("name", "")}


def _normalize_phone(value: str) -> str:
    return validators.normalize_french_phone(value) if value else ""


# --- Step 1: the structure ------------------------------------------------------------------


class StructureStepForm(StepForm):
    name = forms.CharField(label=_("Nom de la structure"), max_length=200)
    slug = forms.CharField(label=_("Identifiant (adresse)"), max_length=50, required=False)
    title = forms.CharField(label=_("Titre affiché aux clients"), max_length=200, required=False)
    description = forms.CharField(
        label=_("Présentation"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    siret = forms.CharField(label=_("SIRET"), max_length=20, help_text=_("14 chiffres."))
    email = forms.EmailField(label=EMAIL_LABEL)
    phone = forms.CharField(label=_("Téléphone"), max_length=30)
    website = WebsiteField(label=_("Site web"), required=False)
    logo = forms.FileField(
        label=_("Logo"), required=False, widget=forms.FileInput(attrs={"accept": "image/*"})
    )
    image_1 = forms.FileField(
        label=_("Image 1"), required=False, widget=forms.FileInput(attrs={"accept": "image/*"})
    )
    image_2 = forms.FileField(
        label=_("Image 2"), required=False, widget=forms.FileInput(attrs={"accept": "image/*"})
    )
    image_3 = forms.FileField(
        label=_("Image 3"), required=False, widget=forms.FileInput(attrs={"accept": "image/*"})
    )

    file_fields = ("logo", *IMAGE_FIELDS)

    def __init__(self, *args, stored_files: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.stored_files = stored_files or {}
        self.fields["slug"].help_text = _(
            "Votre adresse sera identifiant.%(domain)s : lettres minuscules, chiffres et tirets. "
            "Laissé vide, il est proposé à partir du nom."
        ) % {"domain": settings.PLATFORM_DOMAIN}
        self.show_stored(self.stored_files)
        for number, name in enumerate(IMAGE_FIELDS, start=1):
            if self.stored_files.get(name):
                self.fields[f"remove_{name}"] = forms.BooleanField(
                    label=_("Retirer l'image %(n)d") % {"n": number}, required=False
                )
        # The remove boxes come right after their image.
        order = ["name", "slug", "title", "description", "siret", "email", "phone", "website"]
        order.append("logo")
        for name in IMAGE_FIELDS:
            order += [name, f"remove_{name}"]
        self.order_fields(order)

    def show_stored(self, stored_files: dict) -> None:
        """Say on the page which files are already stored."""
        self.stored_files = stored_files
        _set_help(
            self,
            "logo",
            _stored_help(stored_files.get("logo"), _("Obligatoire : JPEG, PNG, GIF ou WebP.")),
        )
        for name in IMAGE_FIELDS:
            _set_help(self, name, _stored_help(stored_files.get(name), _("Facultative.")))

    def clean_slug(self) -> str:
        slug = (self.cleaned_data.get("slug") or "").strip().lower()
        if not slug:
            slug = slug_suggest(self.cleaned_data.get("name") or "")
        if not slug_is_valid(slug):
            raise ValidationError(
                _(
                    "Cet identifiant n'est pas utilisable : 3 à 50 caractères, lettres minuscules "
                    "sans accent, chiffres et tirets, en commençant par une lettre."
                ),
                code="slug",
            )
        if Structure.objects.filter(slug=slug).exists():
            raise ValidationError(
                _(
                    "Cet identifiant est déjà pris par une autre structure : "
                    "choisissez-en un autre."
                ),
                code="slug_taken",
            )
        return slug

    def clean_siret(self) -> str:
        value = self.cleaned_data["siret"]
        validators.validate_siret(value)
        return validators.normalize_siret(value)

    def clean_phone(self) -> str:
        return _normalize_phone(self.cleaned_data["phone"])

    def _clean_image(self, name: str):
        upload = self.cleaned_data.get(name)
        if upload:
            validators.validate_image_upload(upload)
        return upload

    def clean_logo(self):
        upload = self._clean_image("logo")
        if not upload and not self.stored_files.get("logo"):
            raise ValidationError(_("Ajoutez le logo de votre structure."), code="required")
        return upload

    def clean_image_1(self):
        return self._clean_image("image_1")

    def clean_image_2(self):
        return self._clean_image("image_2")

    def clean_image_3(self):
        return self._clean_image("image_3")

    def valid_uploads(self) -> dict:
        """Files of this submission that passed their own check (kept even if another field
        is refused)."""
        cleaned = getattr(self, "cleaned_data", {})
        return {name: cleaned[name] for name in self.file_fields if cleaned.get(name)}

    def removed_images(self) -> list[str]:
        return [
            name
            for name in IMAGE_FIELDS
            if self.cleaned_data.get(f"remove_{name}") and not self.cleaned_data.get(name)
        ]

    def to_data(self) -> dict:
        skip = {*self.file_fields, *(f"remove_{n}" for n in IMAGE_FIELDS)}
        return {k: v for k, v in super().to_data().items() if k not in skip}


# --- Step 2: contacts -----------------------------------------------------------------------

CONTACT_PARTS = [
    ("first_name", _("prénom")),
    ("last_name", _("nom")),
    ("email", _("email")),
    ("phone", _("téléphone")),
]


class ContactsStepForm(StepForm):
    """Director required; the others optional, but a contact started must be complete."""

    roles = list(ContactRole.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for role, role_label in self.roles:
            required = role == ContactRole.DIRECTOR
            for part, part_label in CONTACT_PARTS:
                label = f"{role_label} — {part_label}"
                if part == "email":
                    field = forms.EmailField(label=label, required=required)
                else:
                    field = forms.CharField(
                        label=label, max_length=100, required=required and part != "phone"
                    )
                self.fields[f"{role}_{part}"] = field

    def groups(self) -> list[tuple[StrOrPromise, list]]:
        return [
            (role_label, [self[f"{role}_{part}"] for part, _label in CONTACT_PARTS])
            for role, role_label in self.roles
        ]

    def clean(self):
        cleaned = super().clean()
        for role, _role_label in self.roles:
            phone_name = f"{role}_phone"
            if cleaned.get(phone_name):
                try:
                    cleaned[phone_name] = _normalize_phone(cleaned[phone_name])
                except ValidationError as exc:
                    self.add_error(phone_name, exc)
            names = [f"{role}_{part}" for part, _label in CONTACT_PARTS]
            started = any(cleaned.get(n) or n in self.errors for n in names)
            if role == ContactRole.DIRECTOR or not started:
                continue
            for part in ("first_name", "last_name", "email"):
                name = f"{role}_{part}"
                if not cleaned.get(name) and name not in self.errors:
                    self.add_error(
                        name,
                        ValidationError(
                            _(
                                "Indiquez le prénom, le nom et l'email de ce contact, "
                                "ou laissez tous ses champs vides."
                            ),
                            code="incomplete_contact",
                        ),
                    )
        return cleaned

    def to_data(self) -> dict:
        contacts: dict[str, dict | None] = {}
        for role, _role_label in self.roles:
            values = {
                part: self.cleaned_data.get(f"{role}_{part}", "") for part, _ in CONTACT_PARTS
            }
            contacts[role] = values if any(values.values()) else None
        return contacts

    @classmethod
    def initial_from(cls, data: dict | None) -> dict:
        initial = {}
        for role, contact in (data or {}).items():
            for part, value in (contact or {}).items():
                initial[f"{role}_{part}"] = value
        return initial


# --- Step 3: activation key -----------------------------------------------------------------


class ActivationKeyStepForm(StepForm):
    key = forms.CharField(
        label=_("Clé d'activation"),
        max_length=40,
        help_text=_("La clé reçue par email, par exemple K7QF-2MZP-9XWD-HT4C."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    error_messages = {
        "limited": _(
            "Trop de tentatives avec une clé incorrecte. Réessayez dans quelques minutes."
        ),
        "unknown": _("Cette clé d'activation est inconnue. Vérifiez-la dans l'email reçu."),
        "used": _("Cette clé d'activation a déjà été utilisée."),
        "expired": _("Cette clé d'activation a expiré. Demandez-en une nouvelle à la plateforme."),
    }

    def __init__(self, *args, client_ip: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.client_ip = client_ip
        self.activation_key: ActivationKey | None = None

    def clean_key(self) -> str:
        limit = settings.RATELIMIT_ACTIVATION_KEY
        if ratelimit.is_limited(scope=RATELIMIT_SCOPE, ident=self.client_ip, limit=limit):
            raise ValidationError(self.error_messages["limited"], code="limited")
        key = selectors_signup.activation_key_find(typed=self.cleaned_data["key"])
        problem = None
        if key is None:
            problem = "unknown"
        elif key.used_at is not None:
            problem = "used"
        elif key.expires_at <= timezone.now():
            problem = "expired"
        if problem is not None:
            ratelimit.hit(scope=RATELIMIT_SCOPE, ident=self.client_ip, limit=limit)
            raise ValidationError(self.error_messages[problem], code=problem)
        assert key is not None  # a missing key raised above ("unknown")
        self.activation_key = key
        return key.key


# --- Step 4: the Super Administrateur -------------------------------------------------------


class OwnerStepForm(StepForm):
    first_name = forms.CharField(label=_("Prénom"), max_length=150)
    last_name = forms.CharField(label=_("Nom"), max_length=150)
    email = forms.EmailField(
        label=EMAIL_LABEL,
        help_text=_("Vous recevrez à cette adresse le lien pour choisir votre mot de passe."),
    )

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()


# --- Step 5: postal address -----------------------------------------------------------------


class AddressStepForm(StepForm):
    address_line1 = forms.CharField(label=_("Adresse"), max_length=200)
    address_line2 = forms.CharField(label=_("Complément d'adresse"), max_length=200, required=False)
    postal_code = forms.CharField(
        label=_("Code postal"), max_length=5, validators=[validators.validate_postal_code]
    )
    city = forms.CharField(label=_("Ville"), max_length=100)


# --- Step 6: geographic coordinates ---------------------------------------------------------


class CoordinatesStepForm(StepForm):
    latitude = forms.DecimalField(
        label=_("Latitude"),
        max_digits=9,
        decimal_places=6,
        localize=True,
        validators=[validators.validate_latitude],
        help_text=_("En degrés décimaux, entre -90 et 90 (ex. 48,3904)."),
    )
    longitude = forms.DecimalField(
        label=_("Longitude"),
        max_digits=9,
        decimal_places=6,
        localize=True,
        validators=[validators.validate_longitude],
        help_text=_("En degrés décimaux, entre -180 et 180 (ex. -4,4861)."),
    )
    decimal_fields = ("latitude", "longitude")


# --- Step 7: production site ----------------------------------------------------------------

YES_NO = [("oui", _("Oui")), ("non", _("Non"))]


class ProductionSiteStepForm(StepForm):
    production_site = forms.TypedChoiceField(
        label=_("Ajouter cette adresse comme site de production ?"),
        choices=YES_NO,
        coerce=lambda value: value == "oui",
        widget=forms.RadioSelect,
        error_messages={"required": _("Répondez par oui ou par non.")},
    )

    @classmethod
    def initial_from(cls, data: dict | None) -> dict:
        if not data or "production_site" not in data:
            return {}
        return {"production_site": "oui" if data["production_site"] else "non"}


# --- Step 8: themes and modules -------------------------------------------------------------


class ThemesModulesStepForm(StepForm):
    themes = forms.MultipleChoiceField(
        label=_("Thèmes d'activité"),
        choices=ACTIVITY_THEMES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Cochez au moins un thème d'activité.")},
    )
    free_modules = forms.MultipleChoiceField(
        label=_("Modules gratuits"), required=False, widget=forms.CheckboxSelectMultiple
    )
    paid_modules = forms.MultipleChoiceField(
        label=_("Modules payants"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Cochez ceux que vous souhaitez demander : la plateforme les activera."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.modules = all_modules()
        self.fields["free_modules"].choices = [
            (label, info.name) for label, info in self.modules.items() if not info.paid
        ]
        self.fields["paid_modules"].choices = [
            (label, _("Demander « %(name)s »") % {"name": info.name})
            for label, info in self.modules.items()
            if info.paid
        ]
        if not self.is_bound and "free_modules" not in self.initial:
            self.initial["free_modules"] = [
                label
                for label, info in self.modules.items()
                if info.default_enabled and not info.paid
            ]

    def module_rows(self, name: str) -> list[tuple]:
        """(checkbox, module description) for the template."""
        return [(box, self.modules[box.data["value"]].description) for box in self[name]]

    def free_module_rows(self) -> list[tuple]:
        return self.module_rows("free_modules")

    def paid_module_rows(self) -> list[tuple]:
        return self.module_rows("paid_modules")


# --- Step 9: bank details -------------------------------------------------------------------


class BankStepForm(StepForm):
    bank_account_holder = forms.CharField(label=_("Titulaire du compte"), max_length=200)
    iban = forms.CharField(label=_("IBAN"), max_length=50)
    bic = forms.CharField(label=_("BIC"), max_length=20)

    def clean_iban(self) -> str:
        return validators.normalize_iban(self.cleaned_data["iban"])

    def clean_bic(self) -> str:
        return validators.normalize_bic(self.cleaned_data["bic"])


# --- Step 10: general terms of sale ---------------------------------------------------------


class CgvStepForm(StepForm):
    cgv = forms.FileField(
        label=_("Conditions générales de vente (PDF)"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "application/pdf,.pdf"}),
    )
    file_fields = ("cgv",)

    def __init__(self, *args, stored_files: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.show_stored(stored_files or {})

    def show_stored(self, stored_files: dict) -> None:
        self.stored_files = stored_files
        _set_help(
            self, "cgv", _stored_help(stored_files.get("cgv"), _("Obligatoire : un fichier PDF."))
        )

    def clean_cgv(self):
        upload = self.cleaned_data.get("cgv")
        if upload:
            validators.validate_pdf_upload(upload)
        elif not self.stored_files.get("cgv"):
            raise ValidationError(
                _("Ajoutez vos conditions générales de vente au format PDF."), code="required"
            )
        return upload

    def valid_uploads(self) -> dict:
        cleaned = getattr(self, "cleaned_data", {})
        return {"cgv": cleaned["cgv"]} if cleaned.get("cgv") else {}

    def to_data(self) -> dict:
        return {}


# --- Step 11: the contract ------------------------------------------------------------------


class ContractStepForm(StepForm):
    method = forms.ChoiceField(
        label=_("Signature du contrat"),
        required=False,
        widget=forms.RadioSelect,
        choices=[
            (ContractSignature.Method.ELECTRONIC, _("Je signe le contrat électroniquement")),
            (ContractSignature.Method.POST, _("Je l'enverrai signé par courrier")),
        ],
    )
    accept = forms.BooleanField(label=_("J'ai lu et j'accepte le contrat"), required=False)
    signer_name = forms.CharField(
        label=_("Nom et prénom du signataire"), max_length=200, required=False
    )
    contract_sha256 = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, contract: Contract, **kwargs):
        super().__init__(*args, **kwargs)
        self.contract = contract
        self.initial.setdefault("contract_sha256", contract.sha256)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("contract_sha256") != self.contract.sha256:
            raise ValidationError(
                _("Le contrat a changé depuis l'affichage de cette page : relisez-le."),
                code="contract_changed",
            )
        method = cleaned.get("method") or (
            ContractSignature.Method.ELECTRONIC if cleaned.get("accept") else ""
        )
        cleaned["method"] = method
        if not method:
            self.add_error(
                "method",
                _(
                    "Choisissez de signer le contrat électroniquement "
                    "ou de l'envoyer signé par courrier."
                ),
            )
        elif method == ContractSignature.Method.ELECTRONIC:
            if not cleaned.get("accept"):
                self.add_error(
                    "accept",
                    _(
                        "Cochez « J'ai lu et j'accepte le contrat » "
                        "pour le signer électroniquement."
                    ),
                )
            if not (cleaned.get("signer_name") or "").strip():
                self.add_error("signer_name", _("Indiquez le nom et le prénom du signataire."))
        return cleaned


STEP_FORMS: dict[int, type[StepForm]] = {
    1: StructureStepForm,
    2: ContactsStepForm,
    3: ActivationKeyStepForm,
    4: OwnerStepForm,
    5: AddressStepForm,
    6: CoordinatesStepForm,
    7: ProductionSiteStepForm,
    8: ThemesModulesStepForm,
    9: BankStepForm,
    10: CgvStepForm,
    11: ContractStepForm,
}
