"""The customer space (MP-3, MP-4): /compte/ on a structure's domain — orders, invoices and
credit notes (PDF), pending Click & Pay requests, upcoming sessions, family, profile and
password, GDPR export — and on the platform domain the list of the structures a person is a
customer of, with links to their pages in each.

Every view is `customer_view` (a customer of this structure, `request.customer`) and loads
what a URL names through an `access_space_*` selector: another customer's order, document or
family member answers 404."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from ponton.billing import pdf
from ponton.customers import services
from ponton.customers.access import account_view, customer_view
from ponton.customers.forms_space import FamilyMemberForm, ProfileForm, SpacePasswordChangeForm
from ponton.customers.selectors import customer_space_links, customer_structures
from ponton.plugins.types import MenuItem
from ponton.shop import selectors_space
from tenants.selectors import platform_url, structure_url

ORDERS_PER_PAGE = 10
DOCUMENTS_PER_PAGE = 20
SESSIONS_PER_PAGE = 20
HOME_SESSIONS = 3
# Bounds of the lists that are not paginated: a family (staff may link more members than a
# customer may add) and the structures of the platform-wide list.
FAMILY_MAX = 100
STRUCTURES_MAX = 100

# The core pages of the space, in the order of its menu (the modules' pages follow).
SPACE_PAGES = [
    ("compte:orders", gettext_lazy("Mes commandes")),
    ("compte:documents", gettext_lazy("Mes factures et avoirs")),
    ("compte:payments", gettext_lazy("Paiements en attente")),
    ("compte:sessions", gettext_lazy("Mes prochaines séances")),
    ("compte:family", gettext_lazy("Ma famille")),
    ("compte:profile", gettext_lazy("Mon profil")),
]
# The pages linked from the platform-wide list of structures.
PLATFORM_PAGES = [
    ("compte:orders", gettext_lazy("Mes commandes")),
    ("compte:documents", gettext_lazy("Mes factures et avoirs")),
]


def _render(request, template: str, context: dict | None = None, *, status: int = 200):
    """A page of the space: with the customer and the modules' links for the menu."""
    return render(
        request,
        template,
        {
            "customer": request.customer,
            "space_links": customer_space_links(structure=request.tenant, user=request.user),
            **(context or {}),
        },
        status=status,
    )


def _page(request, items, per_page: int):
    return Paginator(items, per_page).get_page(request.GET.get("page"))


@customer_view
@require_GET
def space_home(request):
    customer = request.customer
    return _render(
        request,
        "customers/space/home.html",
        {
            "pages": [(reverse(name), label) for name, label in SPACE_PAGES],
            "pending": selectors_space.pending_payments(customer=customer),
            "next_bookings": list(
                selectors_space.upcoming_bookings(customer=customer)[:HOME_SESSIONS]
            ),
            "platform_space_url": platform_url("/compte/"),
        },
    )


# --- Orders, documents, payments, sessions ---------------------------------------------------


@customer_view
@require_GET
def order_list(request):
    """MP-4 "Mes commandes"."""
    page = _page(request, selectors_space.space_orders(customer=request.customer), ORDERS_PER_PAGE)
    summaries = selectors_space.order_summaries(orders=list(page.object_list))
    return _render(request, "customers/space/orders.html", {"page": page, "summaries": summaries})


@customer_view
@require_GET
def order_detail(request, order_id: int):
    """MP-4: one of the customer's orders, its lines, its documents."""
    order = selectors_space.access_space_order(customer=request.customer, order_id=order_id)
    (summary,) = selectors_space.order_summaries(orders=[order])
    return _render(
        request,
        "customers/space/order.html",
        {
            "summary": summary,
            "documents": selectors_space.order_documents(order=order),
        },
    )


@customer_view
@require_GET
def document_list(request):
    """MP-4 "Mes factures et avoirs"."""
    page = _page(
        request, selectors_space.space_documents(customer=request.customer), DOCUMENTS_PER_PAGE
    )
    rows = selectors_space.document_rows(documents=list(page.object_list))
    return _render(request, "customers/space/documents.html", {"page": page, "rows": rows})


@customer_view
@require_GET
def document_pdf(request, document_id: int):
    """MP-4: the PDF of one of the customer's documents (Factur-X for invoices and credit
    notes), rendered as staff get it."""
    document = selectors_space.access_space_document(
        customer=request.customer, document_id=document_id
    )
    response = HttpResponse(
        pdf.document_pdf(document, structure=request.tenant), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="{pdf.filename(document)}"'
    response["Cache-Control"] = "private, no-store"
    return response


@customer_view
@require_GET
def payment_list(request):
    """MP-4 "Paiements en attente": active Click & Pay requests with their pay link."""
    return _render(
        request,
        "customers/space/payments.html",
        {"pending": selectors_space.pending_payments(customer=request.customer)},
    )


@customer_view
@require_GET
def session_list(request):
    """MP-4 "Mes prochaines séances": the customer's and their family's bookings to come."""
    page = _page(
        request, selectors_space.upcoming_bookings(customer=request.customer), SESSIONS_PER_PAGE
    )
    return _render(request, "customers/space/sessions.html", {"page": page})


# --- Family ----------------------------------------------------------------------------------


@customer_view
def family(request):
    """MP-4 "Ma famille": the members the customer pays for, and "Ajouter un membre"."""
    customer = request.customer
    form = FamilyMemberForm(data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            member = services.family_member_add(payer=customer, **form.cleaned_data)
        except services.CustomerError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("%(name)s fait maintenant partie de votre famille.") % {"name": member.full_name},
            )
            return redirect("compte:family")
    return _render(
        request,
        "customers/space/family.html",
        {
            "members": list(selectors_space.family_members(customer=customer)[:FAMILY_MAX]),
            "form": form,
            "limit": services.FAMILY_LIMIT,
        },
        status=400 if form.errors else 200,
    )


@customer_view
def family_member(request, member_id: int):
    """MP-4 "Ma famille": correct a member's names or birth date."""
    member = selectors_space.access_family_member(customer=request.customer, member_id=member_id)
    initial = {
        "first_name": member.first_name,
        "last_name": member.last_name,
        "birth_date": member.birth_date,
    }
    form = FamilyMemberForm(
        data=request.POST if request.method == "POST" else None, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.family_member_update(
                payer=request.customer, member=member, **form.cleaned_data
            )
        except services.CustomerError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, _("La fiche de %(name)s est enregistrée.") % {"name": member.full_name}
            )
            return redirect("compte:family")
    return _render(
        request,
        "customers/space/family_member.html",
        {"member": member, "form": form},
        status=400 if form.errors else 200,
    )


# --- Profile, password, GDPR export -----------------------------------------------------------


@customer_view
def profile(request):
    """MP-4 "Mon profil": contact details."""
    customer = request.customer
    form = ProfileForm(
        data=request.POST if request.method == "POST" else None,
        initial=ProfileForm.initial_for(customer),
    )
    if request.method == "POST" and form.is_valid():
        services.customer_profile_update(customer=customer, data=form.profile())
        messages.success(request, _("Vos coordonnées sont enregistrées."))
        return redirect("compte:profile")
    return _render(
        request,
        "customers/space/profile.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@customer_view
def password_change(request):
    """MP-4 "Changer mon mot de passe" (Django's password change): the session stays open."""
    form = SpacePasswordChangeForm(
        request.user, data=request.POST if request.method == "POST" else None
    )
    if request.method == "POST" and form.is_valid():
        user = services.account_password_change(
            user=request.user, password=form.cleaned_data["new_password1"]
        )
        update_session_auth_hash(request, user)
        messages.success(request, _("Votre mot de passe est modifié."))
        return redirect("compte:profile")
    return _render(
        request,
        "customers/space/password.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@customer_view
@require_GET
def gdpr_export(request):
    """MP-4/CU-2 "Export RGPD": one JSON file of the customer's data in this structure."""
    data = selectors_space.customer_space_export(customer=request.customer)
    body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    name = f"export-rgpd-{request.tenant.slug}-{timezone.localdate():%Y-%m-%d}.json"
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- The platform domain ---------------------------------------------------------------------


def _structure_links(*, structure, user) -> list[tuple[str, str]]:
    core = [
        MenuItem(label=str(label), url=reverse(name, urlconf=settings.ROOT_URLCONF))
        for name, label in PLATFORM_PAGES
    ]
    modules = customer_space_links(structure=structure, user=user)
    return [
        (item.label, structure_url(structure=structure, path=item.url))
        for item in [*core, *modules]
    ]


@account_view
def platform_space(request):
    """MP-4: the structures this person is a customer of, each with links to their pages in
    its customer space (orders, invoices, and the pages of its modules that are on)."""
    entries = [
        {
            "structure": structure,
            "home": structure_url(
                structure=structure, path=reverse("compte:home", urlconf=settings.ROOT_URLCONF)
            ),
            "links": _structure_links(structure=structure, user=request.user),
        }
        for structure in customer_structures(user=request.user)[:STRUCTURES_MAX]
    ]
    return render(request, "customers/platform/space.html", {"entries": entries})
