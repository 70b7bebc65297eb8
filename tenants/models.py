"""Public schema: structures (tenants), domains, modules, activation keys, contracts, signups."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin

from ponton.catalogue import vat
from ponton.web.sealed import SealedTextField


class StructureState(models.TextChoices):
    CONTRACT_PENDING = "contract_pending", _("Contrat en attente")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspendue")


class Structure(TenantMixin):
    """A club, museum or tourist office: one tenant, one PostgreSQL schema.

    The public schema itself is represented by a row with schema_name "public" (the platform).
    """

    name = models.CharField(_("nom de la structure"), max_length=200)
    slug = models.SlugField(_("identifiant"), max_length=50, unique=True)
    title = models.CharField(_("titre affiché aux clients"), max_length=200, blank=True)
    description = models.TextField(_("présentation"), blank=True)
    legal_name = models.CharField(_("raison sociale"), max_length=200, blank=True)
    siret = models.CharField(_("SIRET"), max_length=14, blank=True)
    vat_number = models.CharField(_("numéro de TVA intracommunautaire"), max_length=20, blank=True)
    # CO-4: franchise en base (art. 293 B du CGI) or a reason that exempts every sale.
    vat_exemption = models.CharField(
        _("régime de TVA"),
        max_length=vat.EXEMPTION_MAX_LENGTH,
        choices=vat.STRUCTURE_CHOICES,
        blank=True,
        default="",
        help_text=vat.HELP_STRUCTURE,
    )
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=20, blank=True)
    website = models.URLField(_("site web"), blank=True)
    logo = models.ImageField(_("logo"), upload_to="structures/logos/", blank=True)

    address_line1 = models.CharField(_("adresse"), max_length=200, blank=True)
    address_line2 = models.CharField(_("complément d'adresse"), max_length=200, blank=True)
    postal_code = models.CharField(_("code postal"), max_length=5, blank=True)
    city = models.CharField(_("ville"), max_length=100, blank=True)
    country = models.CharField(_("pays"), max_length=2, default="FR")
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    themes = models.JSONField(_("thèmes d'activité"), default=list, blank=True)

    bank_account_holder = models.CharField(_("titulaire du compte"), max_length=200, blank=True)
    iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    cgv = models.FileField(
        _("conditions générales de vente (PDF)"), upload_to="structures/cgv/", blank=True
    )

    notify_email_on_forum_message = models.BooleanField(
        _("recevoir un email à chaque message client du forum"), default=False
    )
    notification_email = models.EmailField(_("email des notifications"), blank=True)
    shop_enabled = models.BooleanField(
        _("boutique en ligne ouverte"),
        default=True,
        help_text=_("Décochée, la MarketPlace affiche une page « Boutique fermée »."),
    )
    basket_hold_minutes = models.PositiveSmallIntegerField(
        _("durée de réservation du panier (minutes)"),
        default=20,
        help_text=_("Les places mises au panier en ligne sont réservées pendant cette durée."),
    )

    state = models.CharField(
        max_length=20, choices=StructureState.choices, default=StructureState.ACTIVE
    )
    suspension_reason = models.CharField(_("motif de suspension"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    suspended_at = models.DateTimeField(null=True, blank=True)

    auto_create_schema = False  # services.structure_create clones the template schema
    auto_drop_schema = False

    class Meta:
        ordering = ["name"]
        verbose_name = _("structure")
        # The console's list reads one page in name order among a thousand structures.
        indexes = [models.Index(fields=["name", "id"], name="tenants_structure_name_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_platform(self) -> bool:
        return self.schema_name == settings.PUBLIC_SCHEMA_NAME

    @property
    def display_title(self) -> str:
        return self.title or self.name

    @property
    def is_suspended(self) -> bool:
        return self.state == StructureState.SUSPENDED


class Domain(DomainMixin):
    class Meta:
        verbose_name = _("domaine")


class ContactRole(models.TextChoices):
    DIRECTOR = "director", _("Directeur")
    ACCOUNTANT = "accountant", _("Comptable")
    COMMUNICATION = "communication", _("Responsable communication")
    RECEPTION = "reception", _("Responsable d'accueil")


class StructureContact(models.Model):
    structure = models.ForeignKey(Structure, on_delete=models.CASCADE, related_name="contacts")
    role = models.CharField(max_length=20, choices=ContactRole.choices)
    first_name = models.CharField(_("prénom"), max_length=100)
    last_name = models.CharField(_("nom"), max_length=100)
    email = models.EmailField(_("email"))
    phone = models.CharField(_("téléphone"), max_length=20, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["structure", "role"], name="one_contact_per_role"),
        ]


class StructureImage(models.Model):
    structure = models.ForeignKey(Structure, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(upload_to="structures/images/")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]


class ModuleSubscription(models.Model):
    """Whether a module is ON for a structure; paid modules are requested then granted."""

    class PaidStatus(models.TextChoices):
        NONE = "none", _("Non demandé")
        REQUESTED = "requested", _("Demandé")
        GRANTED = "granted", _("Accordé")

    structure = models.ForeignKey(
        Structure, on_delete=models.CASCADE, related_name="module_subscriptions"
    )
    module = models.CharField(max_length=50)
    enabled = models.BooleanField(default=False)
    paid_status = models.CharField(
        max_length=10, choices=PaidStatus.choices, default=PaidStatus.NONE
    )
    requested_at = models.DateTimeField(null=True, blank=True)
    granted_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["structure", "module"], name="one_row_per_module"),
        ]


class ActivationKey(models.Model):
    """A single-use key a platform operator gives a structure so it can sign up."""

    key = models.CharField(max_length=32, unique=True)
    intended_for = models.CharField(_("structure prévue"), max_length=200)
    email = models.EmailField(_("email du destinataire"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    structure = models.OneToOneField(
        Structure, null=True, blank=True, on_delete=models.SET_NULL, related_name="activation_key"
    )

    class Meta:
        ordering = ["-created_at"]


class ContractSignature(models.Model):
    class Method(models.TextChoices):
        ELECTRONIC = "electronic", _("Signature électronique")
        POST = "post", _("Envoi signé par courrier")

    structure = models.OneToOneField(Structure, on_delete=models.CASCADE, related_name="contract")
    method = models.CharField(max_length=12, choices=Method.choices)
    contract_version = models.CharField(max_length=20)
    contract_sha256 = models.CharField(max_length=64)
    signer_name = models.CharField(max_length=200)
    signer_email = models.EmailField()
    signed_at = models.DateTimeField(null=True, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.TextField(blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )


class SignupDraft(models.Model):
    """Everything typed in the signup wizard so far, kept server-side to resume later."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    current_step = models.PositiveSmallIntegerField(default=1)
    data = models.JSONField(default=dict)
    files = models.JSONField(default=dict)
    activation_key = models.ForeignKey(
        ActivationKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="drafts"
    )
    structure = models.OneToOneField(
        Structure, null=True, blank=True, on_delete=models.SET_NULL, related_name="signup_draft"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-updated_at"]


class LedgerAnchor(models.Model):
    """Where a structure's ledger chain stood at a closing or an archive (PO-7, docs/adr/0013).

    Kept in the public schema, outside the structure's own schema, and signed with the
    structure's ledger key (ponton.ledger.keys): a chain cut short, or a head moved back, no
    longer reaches the last anchor. Append-only: a trigger refuses UPDATE and DELETE."""

    class Reason(models.TextChoices):
        CLOSING = "closing", _("Clôture du journal")
        TILL_CLOSING = "till_closing", _("Clôture de caisse (Z)")
        ARCHIVE = "archive", _("Archive")
        MANUAL = "manual", _("Ancrage manuel")
        MOVE = "move", _("Restauration ou déplacement de la structure")

    structure = models.ForeignKey(
        Structure, on_delete=models.PROTECT, related_name="ledger_anchors"
    )
    position = models.PositiveBigIntegerField(_("numéro de la dernière écriture"))
    hash = models.CharField(_("empreinte de la dernière écriture"), max_length=64)
    sales_total = models.DecimalField(
        _("total perpétuel des ventes"), max_digits=16, decimal_places=2
    )
    payments_total = models.DecimalField(
        _("total perpétuel des encaissements"), max_digits=16, decimal_places=2
    )
    anchored_at = models.DateTimeField(_("ancré le"))
    reason = models.CharField(_("motif"), max_length=20, choices=Reason.choices)
    signature = models.CharField(_("signature"), max_length=64)

    class Meta:
        ordering = ["structure", "position", "anchored_at"]
        verbose_name = _("ancre du journal")
        verbose_name_plural = _("ancres du journal")
        indexes = [
            models.Index(fields=["structure", "position"], name="ledger_anchor_structure_pos")
        ]

    def __str__(self) -> str:
        return f"{self.structure_id} #{self.position} {self.reason}"


class StructureSigningKey(models.Model):
    """A structure's Ed25519 key that signs its archives' manifests (PO-7, docs/adr/0013). The
    private key is sealed under SECRET_KEY; when it can no longer be opened (SECRET_KEY rotated
    without fallback) a new key is made and the old public key stays here for old archives."""

    structure = models.ForeignKey(Structure, on_delete=models.PROTECT, related_name="signing_keys")
    private_key = SealedTextField(_("clé privée (scellée)"))
    public_key = models.TextField(_("clé publique (PEM)"))
    fingerprint = models.CharField(_("empreinte de la clé publique"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    class Meta:
        ordering = ["structure", "-created_at", "-id"]
        verbose_name = _("clé de signature des archives")
        verbose_name_plural = _("clés de signature des archives")

    def __str__(self) -> str:
        return f"{self.structure_id} {self.fingerprint[:16]}"
