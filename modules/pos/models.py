"""The till ("Caisse", PO-1..PO-8), tenant schema.

A structure has tills (`Till`); a browser that sells at a till is a `TillDevice`, given a
signing key when it is registered; a cashier opens a `TillSession` with the counted float and
closes it with a Z (`TillClosing`). Every sale is a `Ticket`, made and signed on the device
(online or offline alike), recorded once by its idempotency key, in device order, as an order
with a purchase receipt and its payments through `ponton.selling`. Payments taken later at the
till, cash movements and reprints are kept too, so the X report of a session adds them up.

Tickets, cash movements, till payments, reprints and closings are never updated or deleted
(database triggers, migration 0002); a closed session is never reopened.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ponton.web.sealed import SealedTextField


class Till(models.Model):
    name = models.CharField(_("nom de la caisse"), max_length=100)
    site = models.ForeignKey(
        "catalogue.Site",
        verbose_name=_("site"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tills",
    )
    # The customer a ticket is made out to when the cashier names none ("Client de passage").
    walk_in_customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="+"
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("caisse")

    def __str__(self) -> str:
        return self.name

    @property
    def code(self) -> str:
        return f"C{self.pk}"


class TillDevice(models.Model):
    """A browser registered to sell at a till. Its key signs the tickets it makes (HMAC-SHA256
    over their canonical content): a ticket altered on the device before sync is refused."""

    till = models.ForeignKey(Till, on_delete=models.PROTECT, related_name="devices")
    number = models.PositiveIntegerField()
    uid = models.UUIDField(unique=True)
    label = models.CharField(max_length=200, blank=True)
    key = SealedTextField()
    last_sequence = models.PositiveBigIntegerField(default=0)
    registered_at = models.DateTimeField(auto_now_add=True)
    registered_by_id = models.BigIntegerField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["till", "number"]
        constraints = [
            models.UniqueConstraint(fields=["till", "number"], name="pos_device_number"),
        ]

    def __str__(self) -> str:
        return f"{self.till.code}-{self.number:02d}"


class TillSession(models.Model):
    till = models.ForeignKey(Till, on_delete=models.PROTECT, related_name="sessions")
    number = models.PositiveIntegerField(_("numéro"))
    opened_at = models.DateTimeField(_("ouverte le"))
    opened_by_id = models.BigIntegerField(null=True, blank=True)
    opened_by_name = models.CharField(max_length=200, blank=True)
    opening_float = models.DecimalField(_("fond de caisse"), max_digits=12, decimal_places=2)
    closed_at = models.DateTimeField(_("clôturée le"), null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("session de caisse")
        constraints = [
            models.UniqueConstraint(
                fields=["till"], condition=Q(closed_at__isnull=True), name="pos_one_open_session"
            ),
            models.UniqueConstraint(fields=["till", "number"], name="pos_session_number"),
            models.CheckConstraint(
                condition=Q(opening_float__gte=0), name="pos_session_float_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.till} #{self.number}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class Ticket(models.Model):
    """A counter sale, as made and signed on the device."""

    till = models.ForeignKey(Till, on_delete=models.PROTECT, related_name="tickets")
    device = models.ForeignKey(TillDevice, on_delete=models.PROTECT, related_name="tickets")
    session = models.ForeignKey(TillSession, on_delete=models.PROTECT, related_name="tickets")
    sequence = models.PositiveBigIntegerField()
    number = models.CharField(_("numéro"), max_length=40, unique=True)
    idempotency_key = models.UUIDField(unique=True)
    content_sha256 = models.CharField(max_length=64)
    signature = models.CharField(max_length=64)
    payload = models.JSONField()  # what the device signed, as it sent it
    order = models.ForeignKey(
        "sales.Order", on_delete=models.PROTECT, related_name="till_tickets", null=True
    )
    document = models.ForeignKey(
        "billing.Document", on_delete=models.PROTECT, related_name="till_tickets", null=True
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="till_tickets"
    )
    total = models.DecimalField(_("total TTC"), max_digits=12, decimal_places=2)
    change_given = models.DecimalField(_("rendu"), max_digits=12, decimal_places=2, default=0)
    sold_at = models.DateTimeField(_("vendu le"))
    recorded_at = models.DateTimeField(_("reçu le"))
    offline = models.BooleanField(_("fait hors ligne"), default=False)
    overbooked_sessions = models.JSONField(default=list, blank=True)
    cancels = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cancelled_by",
        verbose_name=_("annule le ticket"),
    )
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_name = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-sold_at", "-id"]
        verbose_name = _("ticket")
        constraints = [
            models.UniqueConstraint(fields=["device", "sequence"], name="pos_ticket_sequence"),
        ]
        indexes = [
            models.Index(fields=["session", "sold_at"], name="pos_ticket_session"),
            models.Index(fields=["sold_at"], name="pos_ticket_sold_at"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def overbooked(self) -> bool:
        return bool(self.overbooked_sessions)


class TillPayment(models.Model):
    """A payment or refund taken at the till (a ticket's, or one added later from "Recherche
    ticket"): what the session's X report counts per method."""

    session = models.ForeignKey(TillSession, on_delete=models.PROTECT, related_name="payments")
    payment = models.OneToOneField(
        "billing.Payment", on_delete=models.PROTECT, related_name="till_payment"
    )
    ticket = models.ForeignKey(
        Ticket, on_delete=models.PROTECT, null=True, blank=True, related_name="till_payments"
    )
    kind = models.CharField(max_length=10)  # payment / refund (billing.Payment.Kind)
    method = models.CharField(max_length=20)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    change_given = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["recorded_at", "id"]


class CashMovement(models.Model):
    class Kind(models.TextChoices):
        IN = "in", _("Apport d'espèces")
        OUT = "out", _("Retrait d'espèces")

    session = models.ForeignKey(
        TillSession, on_delete=models.PROTECT, related_name="cash_movements"
    )
    kind = models.CharField(_("type"), max_length=3, choices=Kind.choices)
    amount = models.DecimalField(_("montant"), max_digits=12, decimal_places=2)
    reason = models.CharField(_("motif"), max_length=200)
    recorded_at = models.DateTimeField()
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_name = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["recorded_at", "id"]
        verbose_name = _("mouvement d'espèces")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="pos_cash_movement_amount"),
        ]

    @property
    def signed_amount(self) -> Decimal:
        return self.amount if self.kind == self.Kind.IN else -self.amount


class TicketReprint(models.Model):
    """A reprint of a ticket ("DUPLICATA"), recorded and in the ledger."""

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="reprints")
    count = models.PositiveIntegerField()
    recorded_at = models.DateTimeField()
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_name = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["recorded_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "count"], name="pos_reprint_count"),
        ]


class TillClosing(models.Model):
    """A Z closing: the session's report, what was counted, the differences, and the till's
    perpetual grand totals at that moment; also in the ledger."""

    session = models.OneToOneField(TillSession, on_delete=models.PROTECT, related_name="closing")
    till = models.ForeignKey(Till, on_delete=models.PROTECT, related_name="closings")
    number = models.PositiveIntegerField(_("numéro"))
    closed_at = models.DateTimeField(_("clôturée le"))
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_name = models.CharField(max_length=200, blank=True)
    report = models.JSONField()  # the X report at closing
    counted = models.JSONField()  # per method, as counted
    difference = models.DecimalField(_("écart"), max_digits=12, decimal_places=2)
    sales_total = models.DecimalField(_("ventes de la session"), max_digits=14, decimal_places=2)
    grand_total_sales = models.DecimalField(
        _("grand total perpétuel des ventes"), max_digits=16, decimal_places=2
    )
    grand_total_payments = models.DecimalField(
        _("grand total perpétuel des encaissements"), max_digits=16, decimal_places=2
    )
    ledger_position = models.PositiveBigIntegerField()
    ledger_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-closed_at", "-id"]
        verbose_name = _("clôture de caisse")
        constraints = [
            models.UniqueConstraint(fields=["till", "number"], name="pos_closing_number"),
        ]


def _archive_path(instance: TillArchive, filename: str) -> str:
    # Private: not under a public media prefix (ponton.web.files), served by a checked view.
    return f"archives/caisse/{instance.till_id}/{filename}"


class TillArchive(models.Model):
    """A signed archive of a till's closed month or year (PO-7 archivage): the period's tickets,
    closings and ledger entries with a signed manifest (`ponton.ledger.archives`)."""

    class Period(models.TextChoices):
        MONTH = "month", _("Mensuelle")
        YEAR = "year", _("Annuelle")

    till = models.ForeignKey(Till, on_delete=models.PROTECT, related_name="archives")
    period = models.CharField(_("période"), max_length=5, choices=Period.choices)
    first_day = models.DateField(_("du"))
    last_day = models.DateField(_("au"))
    created_at = models.DateTimeField(_("produite le"))
    file = models.FileField(upload_to=_archive_path, max_length=300)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    tickets = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-first_day", "period"]
        verbose_name = _("archive de caisse")
        constraints = [
            models.UniqueConstraint(
                fields=["till", "period", "first_day"], name="pos_archive_once_per_period"
            ),
        ]


class TicketRejection(models.Model):
    """A ticket the device made and signed, received in its order, whose sale was refused (the
    prices changed, a product withdrawn, a payment above what is due…). Its sequence is used,
    so the device's later tickets go through, and the refused one stays here for staff to take
    up — a counter sale is never silently dropped. Kept as received, never changed."""

    till = models.ForeignKey(Till, on_delete=models.PROTECT, related_name="rejections")
    device = models.ForeignKey(TillDevice, on_delete=models.PROTECT, related_name="rejections")
    sequence = models.PositiveBigIntegerField()
    number = models.CharField(_("numéro"), max_length=40, unique=True)
    idempotency_key = models.UUIDField(unique=True)
    content_sha256 = models.CharField(max_length=64)
    payload = models.JSONField()
    signature = models.CharField(max_length=64)
    code = models.CharField(max_length=40)
    reason = models.TextField(_("motif du refus"))
    total = models.DecimalField(_("total TTC"), max_digits=12, decimal_places=2, null=True)
    sold_at = models.DateTimeField(_("vendu le"), null=True)
    recorded_at = models.DateTimeField(_("reçu le"))

    class Meta:
        ordering = ["-recorded_at", "-id"]
        verbose_name = _("ticket refusé")
        constraints = [
            models.UniqueConstraint(fields=["device", "sequence"], name="pos_rejection_sequence"),
        ]
