"""Click & Pay (OR-9): payment requests, the structure's Stripe account, online refunds.

A payment request ("Demande de C & P") points at one invoice; its unguessable token is the
address of our payment page (/payer/<token>/). The payment itself is a billing `Payment`
(method "CB en ligne") recorded only when the gateway confirms it (signed webhook), with the
PaymentIntent id as `gateway_reference`: billing's unique constraint on that column makes a
confirmation received ten times record one payment."""

from __future__ import annotations

import secrets

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ponton.billing.models import Document, Payment
from ponton.web.sealed import SealedTextField


def new_token() -> str:
    return secrets.token_urlsafe(24)


class StripeAccount(models.Model):
    """The structure's own Stripe account (one row per schema). Without keys, the embedded
    test gateway is used. Secret values are sealed in the database and never shown back in
    full."""

    publishable_key = models.CharField(_("clé publiable"), max_length=255, blank=True)
    # Sealed in the database (ponton.web.sealed): a dump or backup does not give them away.
    secret_key = SealedTextField(_("clé secrète"), blank=True)
    webhook_secret = SealedTextField(_("secret de signature des webhooks"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by_id = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("compte Stripe")

    def __str__(self) -> str:
        return self.publishable_key or "stripe"

    @property
    def configured(self) -> bool:
        return bool(self.publishable_key and self.secret_key and self.webhook_secret)


class PaymentRequest(models.Model):
    class State(models.TextChoices):
        ACTIVE = "active", _("Demande active")
        PAID = "paid", _("Payée")
        CANCELLED = "cancelled", _("Annulée")

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("SMS")

    document = models.ForeignKey(
        Document, on_delete=models.PROTECT, related_name="payment_requests"
    )
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    state = models.CharField(_("état"), max_length=10, choices=State.choices, default=State.ACTIVE)
    channel = models.CharField(_("canal"), max_length=10, choices=Channel.choices)
    sent_to = models.CharField(_("envoyée à"), max_length=254)
    amount = models.DecimalField(_("montant demandé"), max_digits=12, decimal_places=2)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    created_by_id = models.PositiveBigIntegerField(null=True, blank=True)
    reminders = models.PositiveIntegerField(_("relances"), default=0)
    last_reminded_at = models.DateTimeField(_("dernière relance"), null=True, blank=True)
    # The PaymentIntent the payment page works with (a new one when the amount due changed).
    intent_id = models.CharField(max_length=255, blank=True)
    intent_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("demande de Click & Pay")
        constraints = [
            models.UniqueConstraint(
                fields=["document"],
                condition=Q(state="active"),
                name="payments_one_active_request_per_document",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payments_request_amount"),
        ]

    def __str__(self) -> str:
        return f"C&P {self.document} ({self.state})"


class OnlineRefund(models.Model):
    """A refund sent back to the card through the gateway: which online payment it comes out
    of, so that no card payment is refunded beyond what it brought in."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="online_refunds")
    refund = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="+")
    gateway_reference = models.CharField(max_length=255, unique=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.gateway_reference


class OnlineCheckout(models.Model):
    """MP-2: an online basket being paid by card. It keeps what the server priced (`lines`,
    `amount`), who pays, the CGV accepted (with the SHA-256 of the file read), and the
    PaymentIntent. The order, its invoice and the payment are written only when the gateway
    confirms the payment (`ponton.selling.checkout.checkout_confirmed`), once whatever the
    number of confirmations; a payment that cannot get its seats any more is refunded."""

    class State(models.TextChoices):
        PENDING = "pending", _("En attente du paiement")
        PAID = "paid", _("Payée")
        REFUNDED = "refunded", _("Remboursée")

    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    basket_key = models.CharField(max_length=64, db_index=True)
    payer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="online_checkouts"
    )
    lines = models.JSONField(default=list)
    amount = models.DecimalField(_("montant"), max_digits=12, decimal_places=2)
    cgv_sha256 = models.CharField(max_length=64)
    cgv_accepted_at = models.DateTimeField()
    intent_id = models.CharField(max_length=255, blank=True, db_index=True)
    state = models.CharField(_("état"), max_length=10, choices=State.choices, default=State.PENDING)
    order = models.ForeignKey(
        "sales.Order", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    new_account = models.BooleanField(default=False)
    message = models.CharField(max_length=500, blank=True)
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("paiement en ligne d'un panier")

    def __str__(self) -> str:
        return self.token[:8]
