"""Club Manager > Clients (CU-1, minimal): list and search, new customer, customer card,
invitation into the customer space."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ponton.accounts.access import staff_view
from ponton.accounts.permissions import role_has
from ponton.customers import selectors, services
from ponton.customers.forms import (
    AddressForm,
    CustomerCreateForm,
    CustomerForm,
    CustomerImportForm,
    CustomerSearchForm,
    PayerForm,
)
from ponton.customers.imports import customers_import
from ponton.plugins.manager import hooks_for

PAGE_SIZE = 50


@staff_view("customers.view")
def customer_list(request):
    search = CustomerSearchForm(data=request.GET)
    query = search.cleaned_data["q"] if search.is_valid() else ""
    page = Paginator(selectors.customer_list(query=query), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "customers/manager/list.html",
        {
            "search": search,
            "query": query,
            "page": page,
            "can_manage": role_has(request.membership.role, "customers.manage"),
        },
    )


@staff_view("customers.manage")
def customer_create(request):
    bound = request.method == "POST"
    form = CustomerCreateForm(data=request.POST if bound else None)
    if bound and form.is_valid():
        customer = services.customer_create(**form.customer_fields(), address=form.address())
        messages.success(
            request, _("Le client « %(name)s » a été créé.") % {"name": customer.full_name}
        )
        return redirect("manager:customer_detail", customer_id=customer.pk)
    return render(request, "customers/manager/form.html", {"form": form})


@staff_view("customers.manage")
def customer_import(request):
    """CU-1: Clients > Importer: a CSV file; valid rows created together, refused rows listed
    with the reason."""
    bound = request.method == "POST"
    form = CustomerImportForm(data=request.POST if bound else None, files=request.FILES or None)
    report = None
    if bound and form.is_valid():
        try:
            report = customers_import(content=form.cleaned_data["file"].read())
        except services.CustomerError as exc:
            form.add_error("file", str(exc))
    return render(request, "customers/manager/import.html", {"form": form, "report": report})


def _card_actions(request, customer) -> list:
    """Buttons of the modules that are on (the forum's "Forum"...), for roles using modules."""
    if not role_has(request.membership.role, "module.use"):
        return []
    items = [
        item
        for items in hooks_for(request.tenant).ponton_customer_card_actions(
            structure=request.tenant, customer=customer, user=request.user
        )
        for item in (items or [])
    ]
    return sorted(items, key=lambda i: (i.order, i.label))


def _card_sections(request, customer) -> list[str]:
    """HTML sections of the modules that are on (the e-marketing consent...)."""
    if not role_has(request.membership.role, "module.use"):
        return []
    return [
        html
        for sections in hooks_for(request.tenant).ponton_customer_card_sections(
            structure=request.tenant, customer=customer, user=request.user, request=request
        )
        for html in (sections or [])
    ]


def _render_card(request, customer, *, payer_form=None, status: int = 200):
    return render(
        request,
        "customers/manager/detail.html",
        {
            "customer": customer,
            "account": selectors.customer_account(customer=customer),
            "family": selectors.customer_family(customer=customer),
            "addresses": list(customer.addresses.order_by("id")),
            "payer_form": payer_form or PayerForm(),
            "actions": _card_actions(request, customer),
            "module_sections": _card_sections(request, customer),
            "can_manage": role_has(request.membership.role, "customers.manage"),
        },
        status=status,
    )


@staff_view("customers.view")
def customer_detail(request, customer_id: int):
    customer = selectors.access_customer(customer_id=customer_id)
    return _render_card(request, customer)


@staff_view("customers.manage")
def customer_edit(request, customer_id: int):
    """CU-1: edit the customer's identity."""
    customer = selectors.access_customer(customer_id=customer_id)
    if customer.erased_at is not None:
        messages.error(request, _("Ce client a été effacé (RGPD) : sa fiche ne se modifie plus."))
        return redirect("manager:customer_detail", customer_id=customer.pk)
    bound = request.method == "POST"
    initial = {
        name: getattr(customer, name)
        for name in (
            "first_name",
            "last_name",
            "email",
            "mobile",
            "phone",
            "company_name",
            "company_siren",
            "company_vat_number",
        )
    }
    initial["birth_date"] = customer.birth_date.strftime("%d/%m/%Y") if customer.birth_date else ""
    form = CustomerForm(data=request.POST if bound else None, initial=initial)
    if bound and form.is_valid():
        services.customer_update(customer=customer, **form.cleaned_data)
        messages.success(request, _("La fiche du client a été enregistrée."))
        return redirect("manager:customer_detail", customer_id=customer.pk)
    return render(request, "customers/manager/form.html", {"form": form, "customer": customer})


@staff_view("customers.manage")
@require_POST
def customer_payer(request, customer_id: int):
    """CU-1: set who pays for this customer."""
    customer = selectors.access_customer(customer_id=customer_id)
    form = PayerForm(data=request.POST)
    if form.is_valid():
        try:
            services.customer_set_payer(customer=customer, payer=form.cleaned_data["payer_email"])
        except services.CustomerError as exc:
            form.add_error("payer_email", str(exc))
        else:
            assert customer.payer is not None  # PayerForm always gives a customer
            messages.success(
                request,
                _("%(payer)s est maintenant le payeur de %(name)s.")
                % {"payer": customer.payer.full_name, "name": customer.full_name},
            )
            return redirect("manager:customer_detail", customer_id=customer.pk)
    customer.refresh_from_db()
    return _render_card(request, customer, payer_form=form, status=400)


@staff_view("customers.manage")
@require_POST
def customer_payer_remove(request, customer_id: int):
    customer = selectors.access_customer(customer_id=customer_id)
    try:
        services.customer_set_payer(customer=customer, payer=None)
    except services.CustomerError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Le lien avec le payeur a été retiré."))
    return redirect("manager:customer_detail", customer_id=customer.pk)


@staff_view("customers.manage")
def address_add(request, customer_id: int):
    """CU-1: add a postal address to the customer."""
    customer = selectors.access_customer(customer_id=customer_id)
    if customer.erased_at is not None:
        messages.error(request, _("Ce client a été effacé (RGPD) : sa fiche ne se modifie plus."))
        return redirect("manager:customer_detail", customer_id=customer.pk)
    bound = request.method == "POST"
    form = AddressForm(data=request.POST if bound else None)
    if bound and form.is_valid():
        services.address_add(customer=customer, **form.cleaned_data)
        messages.success(request, _("L'adresse a été ajoutée."))
        return redirect("manager:customer_detail", customer_id=customer.pk)
    return render(
        request, "customers/manager/address_form.html", {"form": form, "customer": customer}
    )


@staff_view("customers.manage")
@require_POST
def address_delete(request, customer_id: int, address_id: int):
    customer = selectors.access_customer(customer_id=customer_id)
    address = get_object_or_404(customer.addresses, pk=address_id)
    services.address_delete(address=address)
    messages.success(request, _("L'adresse a été supprimée."))
    return redirect("manager:customer_detail", customer_id=customer.pk)


@staff_view("customers.manage")
def customer_export(request, customer_id: int):
    """CU-2 (GDPR): everything the core holds on the customer, as a JSON download."""
    customer = selectors.access_customer(customer_id=customer_id)
    response = JsonResponse(
        selectors.customer_export(customer=customer),
        json_dumps_params={"ensure_ascii": False, "indent": 2},
    )
    response["Content-Disposition"] = f'attachment; filename="client-{customer.pk}-rgpd.json"'
    return response


@staff_view("customers.manage")
def customer_erase(request, customer_id: int):
    """CU-2 (GDPR): confirmation page, then pseudonymisation (the row stays)."""
    customer = selectors.access_customer(customer_id=customer_id)
    if request.method == "POST":
        try:
            services.customer_erase(structure=request.tenant, customer=customer)
        except services.CustomerError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Les données personnelles du client ont été effacées."))
        return redirect("manager:customer_detail", customer_id=customer.pk)
    return render(request, "customers/manager/erase.html", {"customer": customer})


@staff_view("customers.manage")
@require_POST
def customer_invite(request, customer_id: int):
    customer = selectors.access_customer(customer_id=customer_id)
    try:
        user = services.customer_invite(structure=request.tenant, customer=customer)
    except services.CustomerError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Invitation envoyée à %(email)s : le lien de son espace client est dans l'email.")
            % {"email": user.email},
        )
    return redirect("manager:customer_detail", customer_id=customer.pk)
