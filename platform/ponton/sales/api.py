"""API of sales and billing (`/api/v1/orders/`, `/api/v1/documents/`, `/api/v1/sales/`): the
basket becomes an order or a quote (OR-1, OR-2), lines are invoiced (OR-3) or cancelled with a
credit note (OR-4), payments and refunds are recorded (OR-6), and a complete sale (order,
invoice, payments) is one call. Thin views over the services of the Club Manager: same rules,
same French messages. Everything needs the "sales.manage" permission."""

from __future__ import annotations

import contextlib
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from ponton import selling
from ponton.billing import selectors as billing_selectors
from ponton.billing.models import Document, Payment
from ponton.billing.services import BillingError, PaymentData
from ponton.catalogue.models import Product, Rate
from ponton.catalogue.selectors import products_for_basket
from ponton.customers.models import Customer
from ponton.planning.models import Session
from ponton.sales import selectors
from ponton.sales import services_keys as keys
from ponton.sales.models import Order, OrderEvent, OrderLine
from ponton.sales.services import API, Actor, LineRequest, SaleError
from ponton.web.api import (
    ID_MAX,
    ApiPagination,
    FieldsBuiltOnce,
    TextField,
    column_char,
    column_decimal,
    column_integer,
    field_error,
)
from ponton.web.bounds import NOTE_MAX_LENGTH, QUANTITY_MAX


def actor_of(request) -> Actor:
    user = request.user
    return Actor(account_id=user.pk, name=user.get_full_name() or user.email)


class SalesView(generics.GenericAPIView):
    required_permission = "sales.manage"
    pagination_class = ApiPagination


def _refused(exc: Exception):
    if isinstance(exc, SaleError) and exc.line is not None:
        return serializers.ValidationError({"lines": {str(exc.line): [str(exc)]}})
    return field_error(getattr(exc, "field", None), str(exc))


# --- Serializers ------------------------------------------------------------------------------


class RelatedId(serializers.IntegerField):
    """The id of a `model` row of the structure. The basket's serializer turns every id of a
    basket into its row with one query per model, whatever the number of lines
    (`BasketInSerializer.validate`)."""

    def __init__(self, model, **kwargs):
        self.model = model
        super().__init__(min_value=1, max_value=ID_MAX, **kwargs)


def note_field() -> serializers.CharField:
    """A note of the order's history: as long as the Club Manager's note field allows."""
    return TextField(required=False, allow_blank=True, default="", max_length=NOTE_MAX_LENGTH)


class LineInSerializer(serializers.Serializer):
    """A product line (`product`, with `session` and `rate` for an activity) or a free line
    (`label`, `unit_price`, `vat_rate`, `accounting_code`, no product)."""

    product = RelatedId(Product, required=False, allow_null=True)
    session = RelatedId(Session, required=False, allow_null=True)
    rate = RelatedId(Rate, required=False, allow_null=True)
    consumer = RelatedId(Customer, required=False, allow_null=True)
    quantity = column_integer(OrderLine, "quantity", default=1, min_value=1, max_value=QUANTITY_MAX)
    label = column_char(  # type: ignore[assignment]  # a field named like Field.label
        OrderLine, "label", required=False, allow_blank=True, default=""
    )
    unit_price = column_decimal(OrderLine, "unit_price", required=False, allow_null=True)
    vat_rate = column_decimal(OrderLine, "vat_rate", required=False, allow_null=True)
    accounting_code = column_char(
        OrderLine, "accounting_code", required=False, allow_blank=True, default=""
    )
    answers = serializers.DictField(
        child=TextField(allow_blank=True, max_length=NOTE_MAX_LENGTH),
        required=False,
        default=dict,
        help_text="Réponses aux champs personnalisés du produit, par libellé du champ.",
    )


class BasketInSerializer(serializers.Serializer):
    """A payer and lines; their ids become rows of the structure, one query per model."""

    payer = RelatedId(Customer)
    lines = LineInSerializer(many=True)

    LINE_IDS = {
        name: field.model
        for name, field in LineInSerializer._declared_fields.items()
        if isinstance(field, RelatedId)
    }

    def validate(self, attrs):
        wanted: dict[type, set[int]] = {Customer: {attrs["payer"]}}
        for line in attrs["lines"]:
            for name, model in self.LINE_IDS.items():
                if line.get(name) is not None:
                    wanted.setdefault(model, set()).add(line[name])
        found = {
            model: products_for_basket(ids) if model is Product else model.objects.in_bulk(ids)
            for model, ids in wanted.items()
        }
        missing = serializers.PrimaryKeyRelatedField.default_error_messages["does_not_exist"]
        errors: dict = {}
        payer = found[Customer].get(attrs["payer"])
        if payer is None:
            errors["payer"] = [missing.format(pk_value=attrs["payer"])]
        attrs["payer"] = payer
        line_errors = []
        for line in attrs["lines"]:
            problems = {}
            for name, model in self.LINE_IDS.items():
                if line.get(name) is None:
                    continue
                row = found[model].get(line[name])
                if row is None:
                    problems[name] = [missing.format(pk_value=line[name])]
                line[name] = row
            line_errors.append(problems)
        if any(line_errors):
            errors["lines"] = line_errors
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class OrderInSerializer(BasketInSerializer):
    quote = serializers.BooleanField(default=False)
    note = note_field()


class PaymentInSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Payment.Kind.choices, default=Payment.Kind.PAYMENT)
    method = serializers.ChoiceField(choices=Payment.Method.choices)
    amount = column_decimal(Payment, "amount")
    received_on = serializers.DateField(required=False, allow_null=True)
    cheque_bank = column_char(Payment, "cheque_bank", required=False, allow_blank=True, default="")
    cheque_number = column_char(
        Payment, "cheque_number", required=False, allow_blank=True, default=""
    )
    cheque_issuer = column_char(
        Payment, "cheque_issuer", required=False, allow_blank=True, default=""
    )
    reference = column_char(Payment, "reference", required=False, allow_blank=True, default="")


class SaleInSerializer(BasketInSerializer):
    payments = PaymentInSerializer(many=True)
    note = note_field()


class OrderLineSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    total = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)

    class Meta:
        model = OrderLine
        fields = [
            "id",
            "position",
            "state",
            "product",
            "session",
            "consumer",
            "label",
            "rate_name",
            "quantity",
            "unit_price",
            "discount",
            "discount_label",
            "vat_rate",
            "accounting_code",
            "total",
        ]
        read_only_fields = fields


class PaymentSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    class Meta:
        model = Payment
        fields = [
            "id",
            "kind",
            "method",
            "amount",
            "received_on",
            "cheque_bank",
            "cheque_number",
            "cheque_issuer",
            "reference",
            "change_given",
        ]
        read_only_fields = fields


class DocumentSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    due = serializers.SerializerMethodField()
    corrects: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="number", read_only=True, allow_null=True
    )

    class Meta:
        model = Document
        fields = ["id", "kind", "number", "order", "issued_at", "total", "vat", "corrects", "due"]
        read_only_fields = fields

    def get_due(self, document: Document) -> str:
        """Invoices: left to pay; credit notes: left to refund (from the balances the view
        already knows, if it gives them in the context)."""
        balance = self.context.get("balances", {}).get(document.pk)
        if balance is None:
            balance = billing_selectors.document_balance(document=document)
        return str(balance.due)


class EventSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    class Meta:
        model = OrderEvent
        fields = ["at", "actor_name", "action", "message", "note"]
        read_only_fields = fields


class OrderSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    lines = OrderLineSerializer(many=True, read_only=True)
    payer_name = serializers.CharField(source="payer.full_name", read_only=True)

    class Meta:
        model = Order
        fields = [
            "id",
            "number",
            "quote_number",
            "status",
            "payer",
            "payer_name",
            "created_at",
            "ordered_at",
            "lines",
        ]
        read_only_fields = fields


class OrderDetailSerializer(OrderSerializer):
    documents = serializers.SerializerMethodField()
    balance = serializers.SerializerMethodField()
    history = EventSerializer(source="events", many=True, read_only=True)

    class Meta(OrderSerializer.Meta):
        fields = [*OrderSerializer.Meta.fields, "documents", "balance", "history"]
        read_only_fields = fields

    @extend_schema(responses=DocumentSerializer(many=True))
    def get_documents(self, order: Order) -> Any:
        return DocumentSerializer(
            billing_selectors.order_documents(order_id=order.pk), many=True
        ).data

    def get_balance(self, order: Order) -> str:
        """What the customer still owes on the order (negative: owed to them)."""
        return str(billing_selectors.order_balance(order_id=order.pk))


class InvoiceInSerializer(serializers.Serializer):
    lines = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=ID_MAX),
        required=False,
        help_text="Lignes à facturer",
    )
    note = note_field()


class CancelInSerializer(serializers.Serializer):
    note = note_field()


class CancelOutSerializer(serializers.Serializer):
    line = OrderLineSerializer(help_text="La ligne, désormais « annulé ».")
    credit_note = DocumentSerializer(
        allow_null=True, help_text="L'avoir émis ; null quand la ligne n'était pas facturée."
    )


class SaleOutSerializer(serializers.Serializer):
    order = OrderSerializer()
    invoice = DocumentSerializer()
    payments = PaymentSerializer(many=True)


# --- Views ------------------------------------------------------------------------------------


def _lines(data: list[dict]) -> list[LineRequest]:
    return [LineRequest(**line) for line in data]


class OrderListView(SalesView):
    """GET the orders and quotes (?status=order|quote, ?q= number or payer name);
    POST a basket: {"payer", "lines": [...], "quote": false} ("Commander" or "Devis")."""

    serializer_class = OrderSerializer

    def get_queryset(self):
        queryset = Order.objects.select_related("payer").prefetch_related("lines")
        status_filter = self.request.query_params.get("status")
        if status_filter in Order.Status.values:
            queryset = queryset.filter(status=status_filter)
        query = self.request.query_params.get("q", "")[:100].strip()
        if query:
            queryset = queryset.filter(
                Q(number__icontains=query)
                | Q(quote_number__icontains=query)
                | Q(payer__last_name__icontains=query)
                | Q(payer__first_name__icontains=query)
            )
        return queryset.order_by("-created_at", "-pk")

    @extend_schema(
        operation_id="orders_list",
        parameters=[
            OpenApiParameter("status", str, enum=Order.Status.values),
            OpenApiParameter("q", str, description="Numéro ou nom du payeur"),
        ],
        responses=OrderSerializer(many=True),
    )
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(OrderSerializer(page, many=True).data)

    @extend_schema(request=OrderInSerializer, responses={201: OrderSerializer})
    def post(self, request):
        body = OrderInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            order = selling.order_place(
                payer=data["payer"],
                lines=_lines(data["lines"]),
                actor=actor_of(request),
                quote=data["quote"],
                note=data["note"],
                channel=API,
            )
        except SaleError as exc:
            raise _refused(exc) from exc
        order = Order.objects.select_related("payer").prefetch_related("lines").get(pk=order.pk)
        return Response(OrderSerializer(order).data, status=status.HTTP_201_CREATED)


class OrderDetailView(SalesView):
    serializer_class = OrderDetailSerializer

    def get(self, request, order_id: int):
        return Response(OrderDetailSerializer(selectors.access_order(order_id=order_id)).data)


class QuoteOrderView(SalesView):
    """POST: "Commander" on a quote (availability checked again)."""

    serializer_class = OrderDetailSerializer

    @extend_schema(request=None, responses=OrderDetailSerializer)
    def post(self, request, order_id: int):
        order = selectors.access_order(order_id=order_id)
        try:
            order = selling.quote_to_order(order=order, actor=actor_of(request))
        except SaleError as exc:
            raise _refused(exc) from exc
        return Response(OrderDetailSerializer(order).data)


class InvoiceView(SalesView):
    """POST {"lines": [ids]}: "Facturer/Payer" on those lines (all lines still "commandé" when
    left out)."""

    serializer_class = DocumentSerializer

    @extend_schema(request=InvoiceInSerializer, responses={201: DocumentSerializer})
    def post(self, request, order_id: int):
        order = selectors.access_order(order_id=order_id)
        body = InvoiceInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        line_ids = body.validated_data.get("lines")
        if line_ids is None:
            line_ids = list(
                order.lines.filter(state=OrderLine.State.ORDERED).values_list("pk", flat=True)
            )
        try:
            document = selling.invoice(
                structure=request.tenant,
                order=order,
                line_ids=line_ids,
                actor=actor_of(request),
                note=body.validated_data["note"],
            )
        except BillingError as exc:
            raise _refused(exc) from exc
        return Response(DocumentSerializer(document).data, status=status.HTTP_201_CREATED)


class LineCancelView(SalesView):
    """POST: "Annuler" a line; answers the line and its credit note (null when the line was not
    invoiced)."""

    serializer_class = CancelOutSerializer

    @extend_schema(request=CancelInSerializer, responses=CancelOutSerializer)
    def post(self, request, order_id: int, line_id: int):
        order = selectors.access_order(order_id=order_id)
        line = order.lines.filter(pk=line_id).first()
        if line is None:
            raise Http404
        body = CancelInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            credit_note = selling.line_cancel(
                structure=request.tenant,
                line=line,
                actor=actor_of(request),
                note=body.validated_data["note"],
            )
        except BillingError as exc:
            raise _refused(exc) from exc
        line.refresh_from_db()
        return Response(CancelOutSerializer({"line": line, "credit_note": credit_note}).data)


class DocumentDetailView(SalesView):
    serializer_class = DocumentSerializer

    def get(self, request, document_id: int):
        document = Document.objects.filter(pk=document_id).first()
        if document is None:
            raise Http404
        return Response(DocumentSerializer(document).data)


class PaymentListView(SalesView):
    """GET the payments of a document; POST "Ajouter un paiement" / "Ajouter un
    remboursement"."""

    serializer_class = PaymentSerializer
    pagination_class = None  # type: ignore[assignment]  # a document's few payments: a plain list

    def _document(self, document_id: int) -> Document:
        document = Document.objects.filter(pk=document_id).first()
        if document is None:
            raise Http404
        return document

    @extend_schema(responses=PaymentSerializer(many=True))
    def get(self, request, document_id: int):
        document = self._document(document_id)
        return Response(PaymentSerializer(document.payments.all(), many=True).data)

    @extend_schema(request=PaymentInSerializer, responses={201: PaymentSerializer})
    def post(self, request, document_id: int):
        document = self._document(document_id)
        body = PaymentInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            payment = selling.pay(
                document=document, data=PaymentData(**body.validated_data), actor=actor_of(request)
            )
        except BillingError as exc:
            raise _refused(exc) from exc
        return Response(PaymentSerializer(payment).data, status=status.HTTP_201_CREATED)


class _KeyTakenError(Exception):
    """Another request with the same Idempotency-Key committed its sale first."""


class SaleView(SalesView):
    """POST a complete sale: {"payer", "lines": [...], "payments": [{"method", "amount"}]}
    -> the order, its invoice and its payments, written together or not at all. With an
    `Idempotency-Key` header, the same request sent again gets the first answer back (201,
    `Idempotent-Replayed: true`) instead of a second sale (docs/api.md)."""

    serializer_class = SaleOutSerializer
    extra_refusals = ("422",)

    @extend_schema(
        request=SaleInSerializer,
        responses={201: SaleOutSerializer},
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                description="Une clé par vente (1 à 200 caractères) : la même requête renvoyée "
                "avec la même clé rend la première réponse au lieu d'une seconde vente.",
            )
        ],
    )
    def post(self, request):
        key = request.headers.get("Idempotency-Key")
        try:
            key = keys.sale_key_check(key) if key is not None else None
            fingerprint = keys.request_fingerprint(request.data) if key else ""
            answer = keys.sale_key_answer(key=key, fingerprint=fingerprint) if key else None
        except keys.SaleKeyError as exc:
            return Response({"detail": str(exc)}, status=exc.status)
        if answer is not None:
            return _replayed(answer)
        body = SaleInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            # One transaction for the key and the sale (without a key, the sale's own).
            with transaction.atomic() if key else contextlib.nullcontext():
                taken = keys.sale_key_take(key=key, fingerprint=fingerprint) if key else None
                if key and taken is None:
                    raise _KeyTakenError
                sale = selling.sale_complete(
                    structure=request.tenant,
                    payer=data["payer"],
                    lines=_lines(data["lines"]),
                    payments=[PaymentData(**p) for p in data["payments"]],
                    actor=actor_of(request),
                    note=data["note"],
                    channel=API,
                )
                answer = {
                    "order": OrderSerializer(sale.order).data,
                    "invoice": DocumentSerializer(
                        sale.invoice, context={"balances": {sale.invoice.pk: sale.balance}}
                    ).data,
                    "payments": PaymentSerializer(sale.payments, many=True).data,
                }
                if taken is not None:
                    keys.sale_key_keep(row=taken, order=sale.order, answer=answer)
        except _KeyTakenError:
            try:
                answer = keys.sale_key_answer(key=key, fingerprint=fingerprint)
            except keys.SaleKeyError as exc:
                return Response({"detail": str(exc)}, status=exc.status)
            assert answer is not None  # the other request committed it
            return _replayed(answer)
        except (SaleError, BillingError) as exc:
            raise _refused(exc) from exc
        return Response(answer, status=status.HTTP_201_CREATED)


def _replayed(answer: dict) -> Response:
    return Response(answer, status=status.HTTP_201_CREATED, headers={"Idempotent-Replayed": "true"})
