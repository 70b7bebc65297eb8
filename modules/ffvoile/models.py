"""FF-1 tables, in each structure's schema: the club's federation account (its credentials
sealed), which products are licences, the licensee's sex (the one part of the federation's
identity core's customers do not hold), one licence row per invoiced order line, and the log
of every call ("Appel FF Voile")."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from modules.ffvoile.client import LicenceType
from ponton.web.sealed import SealedTextField


class LicenceKind(models.TextChoices):
    ADULT = LicenceType.ADULT, _("Licence club FFVoile adulte")
    YOUTH = LicenceType.YOUTH, _("Licence club FFVoile jeune")
    PASSPORT = LicenceType.PASSPORT, _("Passeport voile")


class FederationAccount(models.Model):
    """One row per structure: the club's number at the federation and its credentials."""

    club_number = models.CharField(_("numéro d'affiliation du club"), max_length=20, blank=True)
    login = models.CharField(_("identifiant FF Voile"), max_length=100, blank=True)
    # Sealed in the database like the Stripe secrets (ponton.web.sealed).
    password = SealedTextField(_("mot de passe FF Voile"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    @property
    def configured(self) -> bool:
        return bool(self.club_number and self.login and self.password)


class LicenceProduct(models.Model):
    """A catalogue product sold as a licence or passport (the module's option of the product)."""

    product = models.OneToOneField(
        "catalogue.Product", on_delete=models.CASCADE, related_name="ffvoile_licence"
    )
    kind = models.CharField(_("type de licence"), max_length=30, choices=LicenceKind.choices)


class Sex(models.TextChoices):
    FEMALE = "F", _("Femme")
    MALE = "M", _("Homme")


class LicenseeIdentity(models.Model):
    """What the federation asks for that a customer card does not hold: the sex."""

    customer = models.OneToOneField(
        "customers.Customer", on_delete=models.CASCADE, related_name="ffvoile_identity"
    )
    sex = models.CharField(_("sexe"), max_length=1, choices=Sex.choices)


class Licence(models.Model):
    """The licence owed to one invoiced order line: one row per line (unique), claimed by one
    worker at a time (conditional UPDATE to "appel en cours")."""

    class State(models.TextChoices):
        PENDING = "pending", _("À demander")
        CALLING = "calling", _("Appel en cours")
        DELIVERED = "delivered", _("Délivrée")
        REFUSED = "refused", _("Refusée")
        RETRY = "retry", _("À réessayer")

    order_line = models.OneToOneField(
        "sales.OrderLine", on_delete=models.PROTECT, related_name="ffvoile_licence"
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="ffvoile_licences"
    )
    kind = models.CharField(_("type"), max_length=30, choices=LicenceKind.choices)
    season = models.PositiveIntegerField(_("saison"))
    request_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    state = models.CharField(_("état"), max_length=10, choices=State.choices, default=State.PENDING)
    number = models.CharField(_("numéro"), max_length=30, blank=True)
    valid_until = models.DateField(_("valable jusqu'au"), null=True, blank=True)
    pdf_url = models.URLField(_("lien du PDF"), max_length=500, blank=True)
    reason = models.TextField(_("motif"), blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "claimed_at"], name="ffvoile_licence_state")]

    @property
    def delivered(self) -> bool:
        return self.state == self.State.DELIVERED


class Call(models.Model):
    """ "Appel FF Voile": one call to the federation, whatever its outcome."""

    class Result(models.TextChoices):
        DELIVERED = "delivered", _("Délivrée")
        REFUSED = "refused", _("Refusée")
        ERROR = "error", _("Erreur (à réessayer)")

    at = models.DateTimeField(_("quand"), auto_now_add=True)
    by = models.CharField(_("qui"), max_length=254, blank=True)
    licence = models.ForeignKey(Licence, on_delete=models.PROTECT, related_name="calls")
    order_line = models.ForeignKey("sales.OrderLine", on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="+")
    request = models.JSONField(_("requête"), default=dict)
    response = models.JSONField(_("réponse"), null=True, blank=True)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    result = models.CharField(_("résultat"), max_length=10, choices=Result.choices)
    reason = models.TextField(_("motif"), blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-at", "-id"]
