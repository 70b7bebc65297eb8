"""Orders and quotes (tenant schema), OR-1 to OR-5.

An order is created whole or not at all: its lines, the seats and stock they take and its
first history event are written in one transaction (`services.order_create`). A quote
(Devis) is an order in the `quote` status: it takes no seat until "Commander" turns it into
an order, which checks availability again. Line states follow the seed's words: commandé,
facturé, annulé. Invoices and credit notes live in `ponton.billing`."""

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from ponton.catalogue import vat
from ponton.catalogue.models import Product
from ponton.customers.models import Customer
from ponton.planning.models import Session


class Order(models.Model):
    class Status(models.TextChoices):
        QUOTE = "quote", _("Devis")
        ORDER = "order", _("Commande")

    class Channel(models.TextChoices):
        """Where the order was placed (architecture.md, "Selling channels: one path")."""

        MANAGER = "manager", _("Club Manager")
        API = "api", _("API")
        ONLINE = "online", _("en ligne")
        TILL = "till", _("caisse")

    number = models.CharField(_("numéro"), max_length=20, unique=True)
    quote_number = models.CharField(_("numéro du devis"), max_length=20, blank=True)
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices)
    payer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="orders", verbose_name=_("payeur")
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    created_by_id = models.PositiveBigIntegerField(null=True, blank=True)
    ordered_at = models.DateTimeField(_("commandée le"), null=True, blank=True)
    channel = models.CharField(
        _("canal"), max_length=10, choices=Channel.choices, default=Channel.MANAGER
    )
    # MP-2: the structure's CGV accepted online, and the SHA-256 of the file accepted.
    cgv_accepted_at = models.DateTimeField(_("CGV acceptées le"), null=True, blank=True)
    cgv_sha256 = models.CharField(_("empreinte des CGV acceptées"), max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("commande")

    def __str__(self) -> str:
        return self.number


class OrderLine(models.Model):
    class State(models.TextChoices):
        QUOTED = "quoted", _("Devis")
        ORDERED = "ordered", _("Commandé")
        INVOICED = "invoiced", _("Facturé")
        CANCELLED = "cancelled", _("Annulé")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(default=0)
    state = models.CharField(_("état"), max_length=10, choices=State.choices)
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, null=True, blank=True, related_name="order_lines"
    )
    session = models.ForeignKey(
        Session, on_delete=models.PROTECT, null=True, blank=True, related_name="order_lines"
    )
    consumer = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consumed_lines",
        verbose_name=_("consommateur"),
    )
    label = models.CharField(_("désignation"), max_length=255)
    rate_name = models.CharField(_("tarif"), max_length=100, blank=True)
    quantity = models.PositiveIntegerField(_("quantité"))
    unit_price = models.DecimalField(_("prix unitaire TTC"), max_digits=10, decimal_places=2)
    discount = models.DecimalField(_("remise"), max_digits=10, decimal_places=2, default=0)
    discount_label = models.CharField(_("motif de la remise"), max_length=200, blank=True)
    vat_rate = models.DecimalField(_("taux de TVA"), max_digits=4, decimal_places=2)
    # CO-4: the product's or the free line's exemption reason (`ponton.catalogue.vat`).
    vat_exemption = models.CharField(
        _("exonération de TVA"), max_length=vat.EXEMPTION_MAX_LENGTH, blank=True, default=""
    )
    accounting_code = models.CharField(_("code comptable"), max_length=20, blank=True)
    answers = models.JSONField(_("champs personnalisés"), default=dict, blank=True)
    replaces = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaced_by"
    )

    class Meta:
        ordering = ["order", "position", "id"]
        verbose_name = _("ligne de commande")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="sales_line_quantity"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="sales_line_price"),
            models.CheckConstraint(
                condition=Q(discount__gte=0) & Q(discount__lte=F("unit_price") * F("quantity")),
                name="sales_line_discount_within_price",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order} · {self.label}"

    @property
    def holds(self) -> bool:
        """Whether the line holds seats or stock: ordered or invoiced (not a quote's line,
        not a cancelled one)."""
        return self.state in (self.State.ORDERED, self.State.INVOICED)

    @property
    def total(self):
        return self.unit_price * self.quantity - self.discount


class OrderEvent(models.Model):
    """The order's history (OR-3): who did what, when, with an optional note."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    actor_id = models.PositiveBigIntegerField(null=True, blank=True)
    actor_name = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=40)
    message = models.CharField(max_length=500)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.order} {self.action}"


class Basket(models.Model):
    """An online basket (MP-1): its held lines count as taken for everyone else until
    `expires_at`; then they are released (`ponton.selling.holds`), by a periodic task or by
    whoever looks at the basket first. The browser keeps only the basket's key."""

    key = models.CharField(max_length=64, unique=True)
    account_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("réservé jusqu'à"), null=True, blank=True)
    expired_notice = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("panier en ligne")
        indexes = [models.Index(fields=["expires_at"], name="sales_basket_expiry")]

    def __str__(self) -> str:
        return self.key[:8]


class BasketLine(models.Model):
    """A line of an online basket: a product (with its session and rate for an activity), the
    seats or stock it holds while `held`. A mandatory associated product points to the line it
    was added for (`parent`): it goes with it and cannot be removed alone."""

    basket = models.ForeignKey(Basket, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, null=True, blank=True, related_name="basket_lines"
    )
    rate = models.ForeignKey(
        "catalogue.Rate", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    quantity = models.PositiveIntegerField(_("quantité"))
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="mandatory_lines"
    )
    held = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["basket", "id"]
        verbose_name = _("ligne de panier en ligne")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="sales_basket_line_quantity")
        ]

    def __str__(self) -> str:
        return f"{self.basket} · {self.product_id}"


class SaleKey(models.Model):
    """An `Idempotency-Key` of `POST /api/v1/sales/` (docs/api.md): taken in the sale's own
    transaction, before the sale, with the answer the client got. A client that lost the
    answer (a cut connection, a killed server) sends the same request with the same key again
    and gets that answer back instead of a second sale; a refused sale keeps no key."""

    key = models.CharField(max_length=200, unique=True)
    fingerprint = models.CharField(max_length=64)  # sha256 of the request's body
    order = models.ForeignKey(Order, on_delete=models.CASCADE, null=True, related_name="+")
    answer = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.key
