"""Prices of a product (CA-2): rates (tarifs), seasons and promotions."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from ponton.catalogue import selectors, services
from ponton.catalogue.api.base import CatalogueView
from ponton.catalogue.models import Promotion, Rate, Season
from ponton.web.api import column_char, column_decimal, validation_error

# --- Rates (CA-2) ----------------------------------------------------------------------------


class RateSerializer(serializers.ModelSerializer):
    class Meta:
        model = Rate
        fields = ["id", "name", "amount", "season", "position"]
        read_only_fields = fields


class RateWriteSerializer(serializers.Serializer):
    name = column_char(Rate, "name", allow_blank=True)
    amount = column_decimal(Rate, "amount")
    season = serializers.PrimaryKeyRelatedField(
        queryset=Season.objects.all(), required=False, allow_null=True
    )


class RateListView(CatalogueView):
    """GET: the product's rates. POST: add a rate (tarif)."""

    serializer_class = RateSerializer

    @extend_schema(responses=RateSerializer(many=True))
    def get(self, request, product_id: int):
        product = selectors.access_product(product_id=product_id)
        page = self.paginate_queryset(product.rates.order_by("position", "pk"))
        return self.get_paginated_response(RateSerializer(page, many=True).data)

    @extend_schema(request=RateWriteSerializer, responses={201: RateSerializer})
    def post(self, request, product_id: int):
        product = selectors.access_product(product_id=product_id)
        body = RateWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            rate = services.rate_add(product=product, **body.validated_data)
        except ValidationError as e:
            raise validation_error(e) from e
        return Response(RateSerializer(rate).data, status=status.HTTP_201_CREATED)


class RateDetailView(CatalogueView):
    """DELETE: remove a rate of the product."""

    serializer_class = RateSerializer

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, product_id: int, rate_id: int):
        product = selectors.access_product(product_id=product_id)
        services.rate_remove(rate=selectors.access_rate(product=product, rate_id=rate_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Seasons (CA-2) --------------------------------------------------------------------------


class SeasonSerializer(serializers.ModelSerializer):
    class Meta:
        model = Season
        fields = ["id", "name", "starts_on", "ends_on"]
        read_only_fields = fields


class SeasonWriteSerializer(serializers.Serializer):
    name = column_char(Season, "name", allow_blank=True)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()


class SeasonListView(CatalogueView):
    """GET: the product's seasons. POST: add a season (its own rates are added with
    `season`); refused when it overlaps another one."""

    serializer_class = SeasonSerializer

    @extend_schema(responses=SeasonSerializer(many=True))
    def get(self, request, product_id: int):
        product = selectors.access_product(product_id=product_id)
        page = self.paginate_queryset(product.seasons.all())
        return self.get_paginated_response(SeasonSerializer(page, many=True).data)

    @extend_schema(request=SeasonWriteSerializer, responses={201: SeasonSerializer})
    def post(self, request, product_id: int):
        product = selectors.access_product(product_id=product_id)
        body = SeasonWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            season = services.season_add(product=product, **body.validated_data)
        except ValidationError as e:
            raise validation_error(e) from e
        return Response(SeasonSerializer(season).data, status=status.HTTP_201_CREATED)


class SeasonDetailView(CatalogueView):
    """DELETE: remove a season and its own rates."""

    serializer_class = SeasonSerializer

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, product_id: int, season_id: int):
        product = selectors.access_product(product_id=product_id)
        services.season_remove(season=selectors.access_season(product=product, season_id=season_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Promotions (CA-2) -----------------------------------------------------------------------


class PromotionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Promotion
        fields = ["id", "name", "kind", "value", "condition", "starts_on", "ends_on"]
        read_only_fields = fields


class PromotionWriteSerializer(serializers.Serializer):
    name = column_char(Promotion, "name", allow_blank=True)
    kind = serializers.ChoiceField(choices=Promotion.Kind.choices)
    value = column_decimal(Promotion, "value")
    condition = column_char(Promotion, "condition", required=False, allow_blank=True)
    starts_on = serializers.DateField(required=False, allow_null=True)
    ends_on = serializers.DateField(required=False, allow_null=True)


class PromotionListView(CatalogueView):
    """GET: the product's promotions. POST: add one (percent or amount, for whom)."""

    serializer_class = PromotionSerializer

    @extend_schema(responses=PromotionSerializer(many=True))
    def get(self, request, product_id: int):
        product = selectors.access_product(product_id=product_id)
        page = self.paginate_queryset(product.promotions.all())
        return self.get_paginated_response(PromotionSerializer(page, many=True).data)

    @extend_schema(request=PromotionWriteSerializer, responses={201: PromotionSerializer})
    def post(self, request, product_id: int):
        product = selectors.access_product(product_id=product_id)
        body = PromotionWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            promotion = services.promotion_add(
                product=product, data=services.PromotionData(**body.validated_data)
            )
        except ValidationError as e:
            raise validation_error(e) from e
        return Response(PromotionSerializer(promotion).data, status=status.HTTP_201_CREATED)


class PromotionDetailView(CatalogueView):
    """DELETE: remove a promotion."""

    serializer_class = PromotionSerializer

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, product_id: int, promotion_id: int):
        product = selectors.access_product(product_id=product_id)
        services.promotion_remove(
            promotion=selectors.access_promotion(product=product, promotion_id=promotion_id)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
