"""API of the customer base (`/api/v1/customers/`): search (CU-1), create and edit a customer, their
payer and addresses, GDPR export and erase (CU-2). Input is validated by the Club Manager's
forms and written by `customers.services`: the same rules and French messages as the pages."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from ponton.customers import selectors, services
from ponton.customers.forms import AddressForm, CustomerForm
from ponton.customers.models import Address, Customer
from ponton.web.api import ApiPagination, FormSerializer, Refused, TextField

READ_METHODS = ("GET", "HEAD", "OPTIONS")
IDENTITY = ("first_name", "last_name", "email", "mobile", "phone", "birth_date")
# Kept as they are by the API (set in the Club Manager's customer form, CO-5).
COMPANY = ("company_name", "company_siren", "company_vat_number")


class CustomersView(generics.GenericAPIView):
    """Reading needs "customers.view", writing "customers.manage"."""

    pagination_class = ApiPagination

    @property
    def required_permission(self) -> str:
        return "customers.view" if self.request.method in READ_METHODS else "customers.manage"


class AddressSerializer(serializers.ModelSerializer):
    class Meta:
        model = Address
        fields = ["id", "label", "line1", "line2", "postal_code", "city", "country"]
        read_only_fields = fields


class CustomerSerializer(serializers.ModelSerializer):
    full_name = serializers.CharField(read_only=True)
    email = serializers.CharField(read_only=True, help_text=gettext_lazy("Vide quand inconnu."))

    class Meta:
        model = Customer
        fields = ["id", "full_name", *IDENTITY, "payer", "created_at", "erased_at"]
        read_only_fields = fields


class CustomerDetailSerializer(CustomerSerializer):
    addresses = AddressSerializer(many=True, read_only=True)
    consumers: serializers.PrimaryKeyRelatedField[Customer] = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True
    )

    class Meta(CustomerSerializer.Meta):
        fields = [*CustomerSerializer.Meta.fields, "addresses", "consumers"]
        read_only_fields = fields


class CustomerWriteSerializer(FormSerializer):
    """Validated by the customer form of the Club Manager (phones normalised to +33…)."""

    form_class = CustomerForm

    first_name = TextField(max_length=100)
    last_name = TextField(max_length=100)
    email = serializers.EmailField(required=False, allow_blank=True)
    mobile = TextField(required=False, allow_blank=True, max_length=20)
    phone = TextField(required=False, allow_blank=True, max_length=20)
    birth_date = serializers.DateField(required=False, allow_null=True)


class AddressWriteSerializer(FormSerializer):
    form_class = AddressForm

    label = TextField(required=False, allow_blank=True, max_length=50)  # type: ignore[assignment]
    line1 = TextField(max_length=200)
    line2 = TextField(required=False, allow_blank=True, max_length=200)
    postal_code = TextField(max_length=5)
    city = TextField(max_length=100)
    country = TextField(required=False, max_length=100)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial_values", {"country": "France"})
        super().__init__(*args, **kwargs)


def _refuse_if_erased(customer: Customer) -> None:
    if customer.erased_at is not None:
        raise Refused(_("Ce client a été effacé (RGPD) : sa fiche ne se modifie plus."))


def _card(customer_id: int) -> dict:
    customer = selectors.access_customer(customer_id=customer_id)
    return CustomerDetailSerializer(customer).data


class CustomerListView(CustomersView):
    """GET: the customers by name; `?q=` searches names, email and phones (CU-1).
    POST: a new customer."""

    serializer_class = CustomerSerializer

    def get_queryset(self):
        query = self.request.query_params.get("q", "")[:100]
        return selectors.customer_list(query=query)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "q",
                str,
                description=gettext_lazy("Nom, email ou téléphone ; chaque mot doit être trouvé."),
            )
        ],
        responses=CustomerSerializer(many=True),
    )
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(CustomerSerializer(page, many=True).data)

    @extend_schema(request=CustomerWriteSerializer, responses={201: CustomerDetailSerializer})
    def post(self, request):
        body = CustomerWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        customer = services.customer_create(**body.validated_data)
        return Response(_card(customer.pk), status=status.HTTP_201_CREATED)


class CustomerDetailView(CustomersView):
    """GET: the customer card (identity, addresses, payer and consumers). PATCH: edit the
    identity; the fields left out keep their values."""

    serializer_class = CustomerDetailSerializer

    @extend_schema(responses=CustomerDetailSerializer)
    def get(self, request, customer_id: int):
        return Response(_card(customer_id))

    @extend_schema(request=CustomerWriteSerializer, responses=CustomerDetailSerializer)
    def patch(self, request, customer_id: int):
        customer = selectors.access_customer(customer_id=customer_id)
        _refuse_if_erased(customer)
        current = {name: getattr(customer, name) for name in (*IDENTITY, *COMPANY)}
        body = CustomerWriteSerializer(data=request.data, initial_values=current)
        body.is_valid(raise_exception=True)
        services.customer_update(customer=customer, **body.validated_data)
        return Response(_card(customer_id))


class PayerSerializer(serializers.Serializer):
    payer = serializers.PrimaryKeyRelatedField(
        queryset=Customer.objects.filter(erased_at__isnull=True),
        allow_null=True,
        help_text=gettext_lazy("Le client qui paie pour celui-ci ; null : personne."),
    )


class CustomerPayerView(CustomersView):
    """POST: set who pays for this customer (null: nobody); no loop between payers (CU-1)."""

    serializer_class = CustomerDetailSerializer

    @extend_schema(request=PayerSerializer, responses=CustomerDetailSerializer)
    def post(self, request, customer_id: int):
        customer = selectors.access_customer(customer_id=customer_id)
        body = PayerSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            services.customer_set_payer(customer=customer, payer=body.validated_data["payer"])
        except services.CustomerError as exc:
            raise serializers.ValidationError({"payer": [str(exc)]}) from exc
        return Response(_card(customer_id))


class AddressListView(CustomersView):
    """POST: add a postal address to the customer (CU-1)."""

    serializer_class = AddressSerializer

    @extend_schema(request=AddressWriteSerializer, responses={201: AddressSerializer})
    def post(self, request, customer_id: int):
        customer = selectors.access_customer(customer_id=customer_id)
        _refuse_if_erased(customer)
        body = AddressWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        address = services.address_add(customer=customer, **body.validated_data)
        return Response(AddressSerializer(address).data, status=status.HTTP_201_CREATED)


class AddressDetailView(CustomersView):
    """DELETE: remove an address of the customer."""

    serializer_class = AddressSerializer

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, customer_id: int, address_id: int):
        customer = selectors.access_customer(customer_id=customer_id)
        services.address_delete(address=get_object_or_404(customer.addresses, pk=address_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class CustomerExportView(CustomersView):
    """GET: everything the core holds on the customer, as JSON (CU-2, GDPR). Like the page,
    reserved to the roles that manage customers."""

    required_permission = "customers.manage"

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request, customer_id: int):
        customer = selectors.access_customer(customer_id=customer_id)
        return Response(selectors.customer_export(customer=customer))


class CustomerEraseView(CustomersView):
    """POST: pseudonymise the customer (CU-2, GDPR): the row and the invoices stay."""

    serializer_class = CustomerDetailSerializer

    @extend_schema(request=None, responses=CustomerDetailSerializer)
    def post(self, request, customer_id: int):
        customer = selectors.access_customer(customer_id=customer_id)
        try:
            services.customer_erase(structure=request.tenant, customer=customer)
        except services.CustomerError as exc:
            raise Refused(str(exc)) from exc
        return Response(_card(customer_id))
