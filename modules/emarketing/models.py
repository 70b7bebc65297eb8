"""E-marketing (EM-1): consents, campaigns and their frozen recipients (tenant schema).

Delivery (docs/adr/0019-emarketing-campaign-delivery.md): each `Recipient` row is the unit of
work. A batch task claims a row with a conditional UPDATE (pending → sending, Message-ID already
recorded), sends it over SMTP, then marks it sent (or failed with the reason). A row left in
"sending" by a killed worker is re-sent with the SAME Message-ID once it is older than
`STALE_SENDING` (at-least-once at that one row, receivers deduplicate on Message-ID).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from ponton.customers.models import Customer
from ponton.web.sealed import SealedTextField


class Consent(models.Model):
    """A customer's email-marketing consent: kept by this module, not by core customers."""

    class Source(models.TextChoices):
        MANAGER = "manager", _("Saisie au Club Manager")
        CUSTOMER = "customer", _("Donné par le client")
        IMPORT = "import", _("Import")
        UNSUBSCRIBE = "unsubscribe", _("Désinscription par lien")

    customer = models.OneToOneField(
        Customer, on_delete=models.CASCADE, related_name="emarketing_consent"
    )
    consented = models.BooleanField(_("accepte les emails marketing"), default=False)
    source = models.CharField(_("origine"), max_length=20, choices=Source.choices)
    changed_at = models.DateTimeField(_("date"))

    class Meta:
        verbose_name = _("consentement email marketing")
        indexes = [models.Index(fields=["consented", "customer"], name="emarketing_consent_yes")]


class Unsubscribe(models.Model):
    """An address that asked to receive no more campaigns (one-click or the French page)."""

    email = models.EmailField(unique=True)
    campaign = models.ForeignKey(
        "Campaign", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)


class Campaign(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("Brouillon")
        SCHEDULED = "scheduled", _("Programmée")
        SENDING = "sending", _("En cours")
        SENT = "sent", _("Envoyée")
        CANCELLED = "cancelled", _("Annulée")

    class Audience(models.TextChoices):
        EMAILS = "emails", _("Adresses saisies")
        SEARCH = "search", _("Recherche simple")
        RULES = "rules", _("Recherche avancée")

    name = models.CharField(_("nom de la campagne"), max_length=200)
    sender_name = models.CharField(_("nom de l'expéditeur"), max_length=100)
    subject = models.CharField(_("objet"), max_length=200)
    body_html = models.TextField(_("message"))
    audience = models.CharField(
        _("destinataires"), max_length=10, choices=Audience.choices, default=Audience.RULES
    )
    audience_emails = models.TextField(_("adresses"), blank=True)
    audience_search = models.CharField(_("recherche"), max_length=200, blank=True)
    audience_rules = models.JSONField(_("règles"), default=dict, blank=True)
    state = models.CharField(_("état"), max_length=10, choices=State.choices, default=State.DRAFT)
    scheduled_at = models.DateTimeField(_("programmée pour"), null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    total = models.PositiveIntegerField(default=0)
    created_by_id = models.PositiveBigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("campagne")

    def __str__(self) -> str:
        return self.name


class Recipient(models.Model):
    """A frozen recipient of a campaign: written when the campaign starts."""

    class State(models.TextChoices):
        PENDING = "pending", _("En attente")
        SENDING = "sending", _("Envoi en cours")
        SENT = "sent", _("Envoyé")
        FAILED = "failed", _("Échec")
        UNSUBSCRIBED = "unsubscribed", _("Désinscrit")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="recipients")
    customer = models.ForeignKey(
        Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    email = models.EmailField()
    name = models.CharField(max_length=201, blank=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.PENDING)
    message_id = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "email"], name="emarketing_one_per_email")
        ]
        indexes = [models.Index(fields=["campaign", "state"], name="emarketing_rcpt_state")]


class SmtpSettings(models.Model):
    """The structure's own mail server for its campaigns (one row). Without a host, campaigns
    leave through the platform's server, with the structure's email as Reply-To."""

    class Security(models.TextChoices):
        STARTTLS = "starttls", _("STARTTLS (port 587)")
        SSL = "ssl", _("SSL/TLS (port 465)")
        NONE = "none", _("Aucune (réseau local uniquement)")

    host = models.CharField(_("serveur SMTP"), max_length=200, blank=True)
    port = models.PositiveIntegerField(_("port"), default=587)
    security = models.CharField(
        _("sécurité"), max_length=10, choices=Security.choices, default=Security.STARTTLS
    )
    username = models.CharField(_("identifiant"), max_length=200, blank=True)
    # Sealed in the database like the Stripe secrets (ponton.web.sealed).
    password = SealedTextField(_("mot de passe"), blank=True)
    from_email = models.EmailField(_("adresse d'expédition"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)
