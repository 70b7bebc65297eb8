"""Products of four kinds (CA-1, CA-4) and their status; sites and categories (CA-1, CA-7)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from ponton.catalogue import selectors, services, vat
from ponton.catalogue.api.base import CatalogueView
from ponton.catalogue.models import Category, Product, Site, StockPool
from ponton.web.api import (
    Refused,
    TextField,
    column_char,
    column_decimal,
    column_integer,
    id_field,
    validation_error,
)

# --- Products (CA-1, CA-2, CA-4) -------------------------------------------------------------


class ProductSerializer(serializers.ModelSerializer):
    category_name = serializers.SerializerMethodField()
    vat_rate = serializers.DecimalField(max_digits=4, decimal_places=2, read_only=True)
    vat_exemption = serializers.CharField(
        read_only=True,
        help_text=_("Motif d'exonération de TVA (CO-4) ; vide si la TVA s'applique."),
    )

    class Meta:
        model = Product
        fields = [
            "id",
            "kind",
            "status",
            "category_name",
            *services.PRODUCT_FIELDS,
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_category_name(self, product: Product) -> str:
        """« Domaine > Sous-domaine », empty without a category."""
        return str(product.category) if product.category_id else ""


class ProductWriteSerializer(serializers.Serializer):
    """The fields of a product; types only: the rules (negative price, VAT rate, accounting
    code, dates...) are the service's, with its French messages."""

    name = column_char(Product, "name", allow_blank=True)
    description = TextField(required=False, allow_blank=True)
    category = serializers.PrimaryKeyRelatedField(
        queryset=Category.objects.all(), required=False, allow_null=True
    )
    price = column_decimal(Product, "price")
    vat_rate = column_decimal(Product, "vat_rate", required=False)
    vat_exemption = serializers.ChoiceField(
        choices=[("", _("Aucune")), *vat.LINE_CHOICES], required=False, allow_blank=True
    )
    accounting_code = column_char(Product, "accounting_code", required=False, allow_blank=True)
    consumer_required = serializers.BooleanField(required=False)
    counter_only = serializers.BooleanField(required=False)
    associated_only = serializers.BooleanField(required=False)
    min_participants = column_integer(Product, "min_participants", required=False, allow_null=True)
    online_from = serializers.DateField(required=False, allow_null=True)
    # Hours before a session: at most ten years, so that `starts_at - hours` stays a date.
    booking_opens_before_hours = column_integer(
        Product, "booking_opens_before_hours", required=False, allow_null=True, max_value=87_600
    )
    booking_closes_before_hours = column_integer(
        Product, "booking_closes_before_hours", required=False, allow_null=True, max_value=87_600
    )
    min_quantity = column_integer(Product, "min_quantity", required=False)
    include_in_mandate_sale = serializers.BooleanField(required=False)
    operating_number = column_char(Product, "operating_number", required=False, allow_blank=True)
    barcode = column_char(Product, "barcode", required=False, allow_blank=True)
    site = serializers.PrimaryKeyRelatedField(
        queryset=Site.objects.all(), required=False, allow_null=True
    )
    stock_pool = serializers.PrimaryKeyRelatedField(
        queryset=StockPool.objects.all(), required=False, allow_null=True
    )
    valid_from = serializers.DateField(required=False, allow_null=True)
    valid_until = serializers.DateField(required=False, allow_null=True)
    sale_from = serializers.DateField(required=False, allow_null=True)
    sale_until = serializers.DateField(required=False, allow_null=True)


class ProductCreateSerializer(ProductWriteSerializer):
    kind = serializers.ChoiceField(choices=Product.Kind.choices)


class ProductFilterSerializer(serializers.Serializer):
    """The filters of the Offre list."""

    q = serializers.CharField(required=False, allow_blank=True, max_length=100)
    kind = serializers.ChoiceField(choices=Product.Kind.choices, required=False)
    status = serializers.ChoiceField(choices=Product.Status.choices, required=False)
    category = id_field(
        required=False, help_text=_("Une catégorie ou un domaine (ses sous-domaines inclus).")
    )
    site = id_field(required=False)


def _product_data(validated: dict, product: Product | None = None) -> services.ProductData:
    """The service's data: the fields sent, the product's values for the others (PATCH)."""
    values = {name: value for name, value in validated.items() if name != "kind"}
    return services.ProductData.from_form(values, product)


class ProductListView(CatalogueView):
    """GET: the products, filtered like the Offre list. POST: a new draft product (CA-1)."""

    serializer_class = ProductSerializer

    def get_queryset(self):
        filters = ProductFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        values = filters.validated_data
        return selectors.product_list(
            query=values.get("q", ""),
            kind=values.get("kind", ""),
            status=values.get("status", ""),
            category_id=values.get("category"),
            site_id=values.get("site"),
        )

    @extend_schema(parameters=[ProductFilterSerializer], responses=ProductSerializer(many=True))
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(ProductSerializer(page, many=True).data)

    @extend_schema(request=ProductCreateSerializer, responses={201: ProductSerializer})
    def post(self, request):
        body = ProductCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            product = services.product_create(
                kind=body.validated_data["kind"], data=_product_data(body.validated_data)
            )
        except ValidationError as e:
            raise validation_error(e) from e
        product = selectors.access_product(product_id=product.pk)
        return Response(ProductSerializer(product).data, status=status.HTTP_201_CREATED)


class ProductDetailView(CatalogueView):
    """GET: one product. PATCH: change the fields sent, keep the others (CA-1, CA-2, CA-4)."""

    serializer_class = ProductSerializer

    @extend_schema(responses=ProductSerializer)
    def get(self, request, product_id: int):
        product = selectors.access_product(product_id=product_id)
        return Response(ProductSerializer(product).data)

    @extend_schema(request=ProductWriteSerializer, responses=ProductSerializer)
    def patch(self, request, product_id: int):
        product = selectors.access_product(product_id=product_id)
        body = ProductWriteSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        try:
            services.product_update(
                product=product, data=_product_data(body.validated_data, product)
            )
        except ValidationError as e:
            raise validation_error(e) from e
        except services.ProductError as e:
            raise Refused(str(e)) from e
        product = selectors.access_product(product_id=product_id)
        return Response(ProductSerializer(product).data)


class ProductStatusView(CatalogueView):
    """POST: change the product's status; the service says why when it may not."""

    serializer_class = ProductSerializer
    service = staticmethod(services.product_publish)

    @extend_schema(request=None, responses=ProductSerializer)
    def post(self, request, product_id: int):
        product = selectors.access_product(product_id=product_id)
        try:
            self.service(product=product)
        except services.ProductError as e:
            raise Refused(str(e)) from e
        product = selectors.access_product(product_id=product_id)
        return Response(ProductSerializer(product).data)


class ProductPublishView(ProductStatusView):
    """Publier: a draft product with a category goes on sale."""

    service = staticmethod(services.product_publish)


class ProductUnpublishView(ProductStatusView):
    """Dépublier: a published product goes back to draft."""

    service = staticmethod(services.product_unpublish)


class ProductArchiveView(ProductStatusView):
    """Archiver: the product is kept but can no longer be changed."""

    service = staticmethod(services.product_archive)


# --- Sites and categories (CA-1, CA-7) -------------------------------------------------------


class SiteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Site
        fields = [
            "id",
            "name",
            "address_line1",
            "address_line2",
            "postal_code",
            "city",
            "latitude",
            "longitude",
            "is_production",
        ]
        read_only_fields = fields


class SiteListView(CatalogueView):
    """GET: the structure's sites (places)."""

    serializer_class = SiteSerializer

    def get_queryset(self):
        return selectors.site_list()

    @extend_schema(responses=SiteSerializer(many=True))
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(SiteSerializer(page, many=True).data)


class CategorySerializer(serializers.ModelSerializer):
    domain = serializers.CharField(source="parent.name", read_only=True)
    domain_id = serializers.IntegerField(source="parent_id", read_only=True)
    label = serializers.CharField(source="__str__", read_only=True)  # type: ignore[assignment]

    class Meta:
        model = Category
        fields = ["id", "name", "domain_id", "domain", "label"]
        read_only_fields = fields


class CategoryListView(CatalogueView):
    """GET: the sub-domains a product may be filed under, with their domain."""

    serializer_class = CategorySerializer

    def get_queryset(self):
        return selectors.category_list()

    @extend_schema(responses=CategorySerializer(many=True))
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(CategorySerializer(page, many=True).data)
