"""The structure's catalogue (tenant schema): its sites, categories, products, rates, stocks."""

from decimal import Decimal

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from ponton.catalogue import vat


class Site(models.Model):
    name = models.CharField(_("nom du site"), max_length=200)
    address_line1 = models.CharField(_("adresse"), max_length=200, blank=True)
    address_line2 = models.CharField(_("complément d'adresse"), max_length=200, blank=True)
    postal_code = models.CharField(_("code postal"), max_length=5, blank=True)
    city = models.CharField(_("ville"), max_length=100, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    is_production = models.BooleanField(_("site de production"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("site")

    def __str__(self) -> str:
        return self.name


# --- The offer (CA-1 .. CA-4) ---------------------------------------------------------------

VAT_RATES = ("20.00", "10.00", "5.50", "2.10", "0.00")
ACCOUNTING_CODE_PATTERN = r"^7\d{5,7}$"


class Category(models.Model):
    """Two levels: a domain (parent is None) and its sub-domains (CA-1)."""

    name = models.CharField(_("nom"), max_length=100)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("domaine"),
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("catégorie")
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="catalogue_category_unique"),
        ]

    def __str__(self) -> str:
        if self.parent_id:
            assert self.parent is not None
            return f"{self.parent.name} > {self.name}"
        return self.name


class StockPool(models.Model):
    """A stock: dedicated to one product or shared by several (CA-3)."""

    name = models.CharField(_("nom du stock"), max_length=200)
    shared = models.BooleanField(_("stock partagé"), default=False)
    quantity = models.PositiveIntegerField(_("quantité"))
    sold = models.PositiveIntegerField(_("vendu"), default=0)

    class Meta:
        ordering = ["name"]
        verbose_name = _("stock")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(sold__lte=models.F("quantity")),
                name="catalogue_stockpool_sold_lte_quantity",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def available(self) -> int:
        return self.quantity - self.sold


class Product(models.Model):
    class Kind(models.TextChoices):
        ACTIVITY = "activity", _("Activité")
        SHOP_ITEM = "shop_item", _("Article de boutique")
        TICKET = "ticket", _("Billet non daté")
        MEMBERSHIP = "membership", _("Adhésion")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Brouillon")
        PUBLISHED = "published", _("Publié")
        ARCHIVED = "archived", _("Archivé")

    kind = models.CharField(_("type de produit"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("nom"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="products",
        verbose_name=_("catégorie"),
    )
    status = models.CharField(
        _("statut"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    price = models.DecimalField(_("prix affiché TTC"), max_digits=10, decimal_places=2)
    vat_rate = models.DecimalField(
        _("taux de TVA"),
        max_digits=4,
        decimal_places=2,
        choices=[
            (Decimal(rate), label)
            for rate, label in zip(
                VAT_RATES,
                (_("20 %"), _("10 %"), _("5,5 %"), _("2,1 %"), _("0 %")),
                strict=True,
            )
        ],
        default=Decimal("20.00"),
    )
    vat_exemption = models.CharField(
        _("exonération de TVA"),
        max_length=vat.EXEMPTION_MAX_LENGTH,
        choices=vat.LINE_CHOICES,
        blank=True,
        default="",
        help_text=vat.HELP_LINE,
    )
    accounting_code = models.CharField(
        _("code comptable"),
        max_length=8,
        blank=True,
        validators=[
            RegexValidator(
                ACCOUNTING_CODE_PATTERN,
                _("Le code comptable doit compter 6 à 8 chiffres et commencer par 7 (ex. 706000)."),
            )
        ],
    )
    consumer_required = models.BooleanField(_("consommateur requis"), default=False)
    counter_only = models.BooleanField(_("Vendre uniquement au guichet"), default=False)
    associated_only = models.BooleanField(
        _("Vendre uniquement comme produit associé"), default=False
    )
    min_participants = models.PositiveIntegerField(
        _("seuil minimum de participants"), null=True, blank=True
    )
    online_from = models.DateField(_("réservable en ligne à partir du"), null=True, blank=True)
    booking_opens_before_hours = models.PositiveIntegerField(
        _("ouverture des réservations (heures avant la séance)"), null=True, blank=True
    )
    booking_closes_before_hours = models.PositiveIntegerField(
        _("fermeture des réservations (heures avant la séance)"), null=True, blank=True
    )
    min_quantity = models.PositiveIntegerField(_("quantité minimum par panier"), default=1)
    include_in_mandate_sale = models.BooleanField(
        _("inclure dans la vente sous mandat"), default=False
    )
    operating_number = models.CharField(_("numéro d'exploitation"), max_length=50, blank=True)
    barcode = models.CharField(_("code-barres"), max_length=50, blank=True)
    site = models.ForeignKey(
        Site,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="products",
        verbose_name=_("site"),
    )
    stock_pool = models.ForeignKey(
        StockPool,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="products",
        verbose_name=_("stock"),
    )
    valid_from = models.DateField(_("valable du"), null=True, blank=True)
    valid_until = models.DateField(_("valable jusqu'au"), null=True, blank=True)
    sale_from = models.DateField(_("en vente du"), null=True, blank=True)
    sale_until = models.DateField(_("en vente jusqu'au"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("produit")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price__gte=0), name="catalogue_product_price_gte_0"
            ),
            models.CheckConstraint(
                condition=models.Q(min_quantity__gte=1),
                name="catalogue_product_min_quantity_gte_1",
            ),
            models.CheckConstraint(
                condition=models.Q(vat_exemption="") | models.Q(vat_rate=0),
                name="catalogue_product_exempt_at_zero",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Season(models.Model):
    """A period of a product with its own rates, e.g. Haute saison (CA-2)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="seasons")
    name = models.CharField(_("nom de la saison"), max_length=100)
    starts_on = models.DateField(_("début de saison"))
    ends_on = models.DateField(_("fin de saison"))

    class Meta:
        ordering = ["starts_on", "pk"]
        verbose_name = _("saison")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="catalogue_season_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Rate(models.Model):
    """A named price of a product (tarif): Adulte, Enfant, Résident... (CA-2)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="rates")
    name = models.CharField(_("nom du tarif"), max_length=100)
    amount = models.DecimalField(_("montant TTC"), max_digits=10, decimal_places=2)
    season = models.ForeignKey(
        Season,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="rates",
        verbose_name=_("saison"),
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("tarif")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="catalogue_rate_amount_gte_0"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.amount} €)"


class ProductPhoto(models.Model):
    """A photo of a product and its thumbnail, in the structure's own storage (CA-1)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("photo"), upload_to="products/photos/")
    thumbnail = models.ImageField(upload_to="products/thumbnails/")
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("photo")

    def __str__(self) -> str:
        return self.image.name


class Promotion(models.Model):
    """A reduction on a product, for whom it applies (e.g. résidents -10 %) (CA-2)."""

    class Kind(models.TextChoices):
        PERCENT = "percent", _("Pourcentage")
        AMOUNT = "amount", _("Montant")

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="promotions")
    name = models.CharField(_("nom de la promotion"), max_length=100)
    kind = models.CharField(_("type de réduction"), max_length=10, choices=Kind.choices)
    value = models.DecimalField(_("valeur"), max_digits=10, decimal_places=2)
    condition = models.CharField(_("pour qui"), max_length=100, blank=True)
    starts_on = models.DateField(_("active du"), null=True, blank=True)
    ends_on = models.DateField(_("active jusqu'au"), null=True, blank=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("promotion")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(value__gt=0), name="catalogue_promotion_value_gt_0"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ProductAssociation(models.Model):
    """A product sold along another one (CA-6): shop item, undated ticket or membership."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="associations")
    associated = models.ForeignKey(
        Product,
        on_delete=models.CASCADE,
        related_name="associated_to",
        verbose_name=_("produit associé"),
    )
    starts_on = models.DateField(_("associé à partir du"))
    ends_on = models.DateField(_("associé jusqu'au"), null=True, blank=True)
    mandatory = models.BooleanField(_("obligatoire"), default=False)

    class Meta:
        ordering = ["associated__name", "pk"]
        verbose_name = _("produit associé")
        constraints = [
            models.UniqueConstraint(
                fields=["product", "associated"], name="catalogue_association_unique"
            ),
            models.CheckConstraint(
                condition=~models.Q(product=models.F("associated")),
                name="catalogue_association_not_self",
            ),
        ]

    def __str__(self) -> str:
        return str(self.associated)


class CustomField(models.Model):
    """A question asked at order time, to the consumer or the payer (CA-7)."""

    class Kind(models.TextChoices):
        TEXT = "text", _("Texte")
        NUMBER = "number", _("Nombre")
        CHOICE = "choice", _("Choix multiple")
        YES_NO = "yes_no", _("Oui / non")
        FILE = "file", _("Fichier")

    class AskedFor(models.TextChoices):
        CONSUMER = "consumer", _("Consommateur")
        PAYER = "payer", _("Payeur")

    label = models.CharField(_("libellé"), max_length=200)
    kind = models.CharField(_("type de champ"), max_length=10, choices=Kind.choices)
    choices = models.TextField(_("choix possibles"), blank=True)
    asked_for = models.CharField(
        _("demandé au"), max_length=10, choices=AskedFor.choices, default=AskedFor.CONSUMER
    )
    required = models.BooleanField(_("obligatoire"), default=False)
    products = models.ManyToManyField(
        Product, blank=True, related_name="custom_fields", verbose_name=_("produits")
    )

    class Meta:
        ordering = ["label", "pk"]
        verbose_name = _("champ personnalisé")

    def __str__(self) -> str:
        return self.label

    @property
    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]
