"""Club Manager > Clients (CU-1, minimal): list and search, new customer, customer card,
invitation into the customer space."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ponton.accounts.access import staff_view
from ponton.accounts.permissions import role_has
from ponton.customers import selectors, services
from ponton.customers.forms import CustomerForm, CustomerSearchForm
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
    form = CustomerForm(data=request.POST if bound else None)
    if bound and form.is_valid():
        customer = services.customer_create(**form.cleaned_data)
        messages.success(
            request, _("Le client « %(name)s » a été créé.") % {"name": customer.full_name}
        )
        return redirect("manager:customer_detail", customer_id=customer.pk)
    return render(request, "customers/manager/form.html", {"form": form})


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


@staff_view("customers.view")
def customer_detail(request, customer_id: int):
    customer = selectors.access_customer(customer_id=customer_id)
    account = selectors.customer_account(customer=customer)
    return render(
        request,
        "customers/manager/detail.html",
        {
            "customer": customer,
            "account": account,
            "actions": _card_actions(request, customer),
            "can_manage": role_has(request.membership.role, "customers.manage"),
        },
    )


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
