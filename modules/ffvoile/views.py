"""FF-1 Club Manager pages: Gérer > FF Voile (the "Appel FF Voile" log with its search, each
call opened), Réglages (club number and credentials), and the module's parts of other pages:
the product's licence option, the customer's sex, "Réessayer" on an order line."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from modules.ffvoile import selectors, services
from modules.ffvoile.forms import CallFilterForm, IdentityForm, LicenceOptionForm, SettingsForm
from modules.ffvoile.models import Licence
from ponton.accounts.access import staff_view
from ponton.accounts.permissions import role_has
from ponton.customers.access import customer_view
from ponton.customers.selectors import customer_space_links

PAGE_SIZE = 50


@staff_view("module.use")
def index(request):
    """Gérer > FF Voile: the list "Appel FF Voile", searched by order date, customer, result."""
    filters = CallFilterForm(request.GET or None)
    values = filters.cleaned_data if filters.is_valid() else {}
    calls = selectors.calls_search(
        ordered_from=values.get("ordered_from"),
        ordered_to=values.get("ordered_to"),
        customer=values.get("customer", ""),
        result=values.get("result", ""),
    )
    page = Paginator(calls, PAGE_SIZE).get_page(request.GET.get("page"))
    query_string = request.GET.copy()
    query_string.pop("page", None)
    return render(
        request,
        "ffvoile/index.html",
        {
            "filters": filters,
            "page": page,
            "query_string": query_string.urlencode(),
            "account": services.account_get(),
            "can_configure": role_has(request.membership.role, "structure.settings"),
        },
    )


@staff_view("module.use")
def call_detail(request, call_id: int):
    """ "ouvrir" on a call: when, who, which order line, the request and the answer."""
    call = selectors.access_call(call_id=call_id)
    return render(
        request,
        "ffvoile/call.html",
        {
            "call": call,
            "request_json": json.dumps(call.request, indent=2, ensure_ascii=False),
            "response_json": json.dumps(call.response, indent=2, ensure_ascii=False)
            if call.response is not None
            else "",
        },
    )


@staff_view("structure.settings")
def settings_page(request):
    account = services.account_get()
    form = SettingsForm(request.POST or None, instance=account)
    if request.method == "POST" and form.is_valid():
        services.account_update(
            club_number=form.cleaned_data["club_number"],
            login=form.cleaned_data["login"],
            password=form.cleaned_data["password"],
        )
        messages.success(request, _("Réglages FF Voile enregistrés."))
        return redirect("ffvoile:index")
    return render(request, "ffvoile/settings.html", {"form": form, "account": account})


@staff_view("module.use")
@require_POST
def product_option(request, product_id: int):
    """The product's option "licence FF Voile" (its section on the product's page)."""
    from ponton.catalogue.selectors import access_product

    if not role_has(request.membership.role, "catalogue.manage"):
        raise PermissionDenied
    product = access_product(product_id=product_id)
    form = LicenceOptionForm(request.POST)
    if form.is_valid():
        services.licence_product_set(product=product, kind=form.cleaned_data["kind"])
        messages.success(request, _("Option licence FF Voile enregistrée."))
    else:
        messages.error(request, _("Type de licence inconnu."))
    return redirect("manager:product_edit", product_id=product.pk)


@staff_view("module.use")
@require_POST
def identity(request, customer_id: int):
    """The customer's sex, asked for by the federation (the card's "FFVoile" part)."""
    from ponton.customers.selectors import access_customer

    if not role_has(request.membership.role, "customers.manage"):
        raise PermissionDenied
    customer = access_customer(customer_id=customer_id)
    form = IdentityForm(request.POST)
    if form.is_valid():
        services.identity_set(customer=customer, sex=form.cleaned_data["sex"])
        messages.success(request, _("Identité FF Voile enregistrée."))
    else:
        messages.error(request, _("Choisissez le sexe : femme ou homme."))
    return redirect("manager:customer_detail", customer_id=customer.pk)


@staff_view("module.use")
@require_POST
def licence_retry(request, licence_id: int):
    """ "Réessayer" on an order line whose licence was not delivered."""
    if not role_has(request.membership.role, "sales.manage"):
        raise PermissionDenied
    licence = selectors.access_licence(licence_id=licence_id)
    try:
        services.licence_retry(structure=request.tenant, licence=licence, by=request.user.email)
    except services.FFVoileError as exc:
        messages.error(request, str(exc))
    else:
        state = Licence.objects.values_list("state", flat=True).get(pk=licence.pk)
        if state == Licence.State.DELIVERED:
            messages.success(request, _("Licence FF Voile délivrée."))
        elif state in (Licence.State.PENDING, Licence.State.CALLING):
            messages.success(request, _("Demande de licence FF Voile relancée."))
        else:
            messages.error(
                request,
                _("La licence FF Voile n'a pas été délivrée : %(reason)s")
                % {"reason": Licence.objects.values_list("reason", flat=True).get(pk=licence.pk)},
            )
    return redirect("manager:order", order_id=licence.order_line.order_id)


@customer_view
def space_licences(request):
    """Customer space: "Mes licences FF Voile", the customer's and their family's, and the sex
    the federation asks for, for each of them (a licence bought online needs it)."""
    customer = request.customer
    family = [customer, *customer.consumers.filter(erased_at__isnull=True).order_by("pk")]
    if request.method == "POST":
        person = next((p for p in family if str(p.pk) == request.POST.get("person")), None)
        form = IdentityForm(request.POST)
        if person is None or not form.is_valid():
            messages.error(request, _("Choisissez le sexe : femme ou homme."))
        else:
            services.identity_set(customer=person, sex=form.cleaned_data["sex"])
            messages.success(request, _("Identité FF Voile enregistrée."))
        return redirect("ffvoile_compte:licences")
    licences = selectors.licences_of_customer(customer_ids=[p.pk for p in family]).filter(
        state=Licence.State.DELIVERED
    )
    sexes = selectors.sexes_of(customer_ids=[p.pk for p in family])
    people = [
        (person, IdentityForm(initial={"sex": sexes.get(person.pk, "")}, prefix=f"p{person.pk}"))
        for person in family
    ]
    return render(
        request,
        "ffvoile/space.html",
        {
            "licences": licences,
            "people": people,
            "space_links": customer_space_links(structure=request.tenant, user=request.user),
        },
    )
