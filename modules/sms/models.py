"""SM-1 tables, in each structure's schema: the SMS account (quota balance, provider and its
sealed keys), the quota movements, the messages with their delivery state, and the marketing
consent / opt-out of each mobile number (kept here, not on core's customers)."""

from __future__ import annotations

import secrets
import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from ponton.web.sealed import SealedTextField


def _callback_token() -> str:
    return secrets.token_urlsafe(24)


class SmsAccount(models.Model):
    """One row per structure: the quota balance (SMS segments) and the provider settings."""

    class Provider(models.TextChoices):
        LOCAL = "local", _("Local (SMS visibles dans les emails envoyés, mode local)")
        OVH = "ovh", _("OVHcloud")
        BREVO = "brevo", _("Brevo")

    balance = models.PositiveIntegerField(_("solde (SMS)"), default=0)
    sender = models.CharField(_("expéditeur"), max_length=11, blank=True)
    provider = models.CharField(max_length=10, choices=Provider.choices, default=Provider.LOCAL)
    ovh_endpoint = models.CharField(max_length=20, default="ovh-eu")
    ovh_service_name = models.CharField(max_length=60, blank=True)
    ovh_application_key = models.CharField(max_length=100, blank=True)
    # Sealed in the database like the Stripe secrets (ponton.web.sealed).
    ovh_application_secret = SealedTextField(blank=True)
    ovh_consumer_key = SealedTextField(blank=True)
    brevo_api_key = SealedTextField(blank=True)
    # The secret of the delivery-receipt URL given to the provider.
    callback_token = models.CharField(max_length=64, default=_callback_token)
    marketing_on_days_off = models.BooleanField(
        _("autoriser les SMS promotionnels le dimanche et les jours fériés"), default=False
    )
    stop_mention = models.CharField(
        _("mention de désinscription"), max_length=40, default="STOP au 36111"
    )
    updated_at = models.DateTimeField(auto_now=True)


class QuotaMovement(models.Model):
    """Every change of the balance: a grant or top-up by the platform, a send, a refund."""

    class Reason(models.TextChoices):
        GRANT = "grant", _("Crédit accordé")
        TOPUP = "topup", _("Recharge")
        SEND = "send", _("Envoi")
        REFUND = "refund", _("Remboursement (SMS non parti)")

    created_at = models.DateTimeField(auto_now_add=True)
    delta = models.IntegerField()
    balance_after = models.PositiveIntegerField()
    reason = models.CharField(max_length=10, choices=Reason.choices)
    by = models.CharField(max_length=254, blank=True)
    message = models.ForeignKey("SmsMessage", null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["-created_at", "-id"]


class SmsMessage(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", _("En attente")
        SENT = "sent", _("Envoyé")
        DELIVERED = "delivered", _("Reçu")
        FAILED = "failed", _("Échec")

    class Kind(models.TextChoices):
        TRANSACTIONAL = "transactional", _("Transactionnel")
        PROMOTIONAL = "promotional", _("Promotionnel")

    class Source(models.TextChoices):
        PARTICIPANTS = "participants", _("Liste des participants")
        CUSTOMER = "customer", _("Fiche client")
        ORDER = "order", _("Fiche de commande")
        CLICK_AND_PAY = "click_pay", _("Click & Pay")

    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.CharField(max_length=254, blank=True)
    to = models.CharField(max_length=20)  # E.164
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField()
    encoding = models.CharField(max_length=4)
    segments = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=15, choices=Kind.choices, default=Kind.TRANSACTIONAL)
    source = models.CharField(max_length=15, choices=Source.choices)
    sender = models.CharField(max_length=11, blank=True)
    not_before = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    provider = models.CharField(max_length=10, blank=True)
    provider_id = models.CharField(max_length=64, blank=True, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "not_before"])]


class SmsConsent(models.Model):
    """Marketing SMS consent of a mobile number, with date and source, and its opt-out."""

    phone = models.CharField(max_length=20, unique=True)  # E.164
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    consented_at = models.DateTimeField(null=True, blank=True)
    consent_source = models.CharField(max_length=100, blank=True)
    opted_out_at = models.DateTimeField(null=True, blank=True)
    opt_out_source = models.CharField(max_length=100, blank=True)

    @property
    def may_receive_marketing(self) -> bool:
        return self.consented_at is not None and self.opted_out_at is None
