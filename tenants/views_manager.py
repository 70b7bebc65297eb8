"""Club Manager > Paramètres > Ma structure (EG-4) and Mes modules (EG-2)."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ponton.accounts.access import staff_view
from ponton.accounts.permissions import role_has
from ponton.catalogue.selectors import site_list
from ponton.web.storage import DiskFullError
from tenants import forms_manager, services
from tenants.models import ContactRole
from tenants.selectors import module_news_recipients, structure_module_rows

SECTION_TITLES = {
    "identity": gettext_lazy("Identité"),
    "contacts": gettext_lazy("Contacts"),
    "address": gettext_lazy("Adresse"),
    "bank": gettext_lazy("Coordonnées bancaires"),
    "cgv": gettext_lazy("Conditions générales de vente"),
    "notifications": gettext_lazy("Notifications"),
    "shop": gettext_lazy("Boutique en ligne"),
}


def structure_nav(request) -> list[tuple[str, str, str]]:
    """The sub-navigation of "Ma structure" as (key, label, url), following the user's role."""
    from django.urls import reverse

    role = request.membership.role
    items = [("overview", _("Vue d'ensemble"), reverse("manager:structure_settings"))]
    if role_has(role, "structure.settings"):
        items += [
            (key, str(title), reverse(f"manager:structure_{key}"))
            for key, title in SECTION_TITLES.items()
        ]
    items.append(("sites", _("Sites"), reverse("manager:sites")))
    if role_has(role, "structure.modules"):
        items.append(("modules", _("Mes modules"), reverse("manager:modules")))
    return items


def _contacts(structure) -> dict:
    return {c.role: c for c in structure.contacts.all()}


@staff_view("structure.view")
def structure_settings(request):
    """EG-4: the structure's settings, section by section; editing needs structure.settings."""
    structure = request.tenant
    contacts = _contacts(structure)
    return render(
        request,
        "tenants/manager/structure.html",
        {
            "can_edit": role_has(request.membership.role, "structure.settings"),
            "contacts": [(label, contacts.get(role)) for role, label in ContactRole.choices],
            "sites": site_list(),
            "titles": SECTION_TITLES,
            "current": "overview",
            "structure_nav": structure_nav(request),
        },
    )


def _section(request, *, section: str, form_class):
    """Show one section's form; save it through `structure_update` when it is valid."""
    structure = request.tenant
    bound = request.method == "POST"
    form = form_class(
        data=request.POST if bound else None,
        files=request.FILES if bound else None,
        structure=structure,
    )
    if bound and form.is_valid():
        try:
            services.structure_update(structure=structure, fields=form.fields_to_save())
        except DiskFullError as exc:  # a logo or CGV on a full disk: nothing changed
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("« %(section)s » : modifications enregistrées.")
                % {"section": SECTION_TITLES[section]},
            )
            return redirect("manager:structure_settings")
    return render(
        request,
        "tenants/manager/structure_form.html",
        {
            "form": form,
            "title": SECTION_TITLES[section],
            "current": section,
            "multipart": form.is_multipart(),
            "structure_nav": structure_nav(request),
        },
    )


@staff_view("structure.settings")
def structure_identity(request):
    return _section(request, section="identity", form_class=forms_manager.IdentityForm)


@staff_view("structure.settings")
def structure_address(request):
    return _section(request, section="address", form_class=forms_manager.AddressForm)


@staff_view("structure.settings")
def structure_bank(request):
    return _section(request, section="bank", form_class=forms_manager.BankForm)


@staff_view("structure.view")
def structure_cgv_file(request):
    """The structure's CGV (PDF), a private file: only its own team, on its own host."""
    structure = request.tenant
    if not structure.cgv:
        raise Http404
    try:
        handle = structure.cgv.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(
        handle, content_type="application/pdf", filename=f"cgv-{structure.slug}.pdf"
    )


@staff_view("structure.settings")
def structure_cgv(request):
    return _section(request, section="cgv", form_class=forms_manager.CgvForm)


@staff_view("structure.settings")
def structure_notifications(request):
    return _section(request, section="notifications", form_class=forms_manager.NotificationsForm)


@staff_view("structure.settings")
def structure_shop(request):
    """MP-1: the shop open or closed, the basket's hold time."""
    return _section(request, section="shop", form_class=forms_manager.ShopForm)


@staff_view("structure.settings")
def structure_contacts(request):
    structure = request.tenant
    bound = request.method == "POST"
    form = forms_manager.ContactsForm(
        data=request.POST if bound else None, contacts=_contacts(structure)
    )
    if bound and form.is_valid():
        services.structure_contacts_save(
            structure=structure, contacts=form.cleaned_data["contacts"]
        )
        messages.success(
            request,
            _("« %(section)s » : modifications enregistrées.")
            % {"section": SECTION_TITLES["contacts"]},
        )
        return redirect("manager:structure_settings")
    return render(
        request,
        "tenants/manager/structure_contacts.html",
        {
            "form": form,
            "title": SECTION_TITLES["contacts"],
            "current": "contacts",
            "structure_nav": structure_nav(request),
        },
    )


@staff_view("structure.modules")
def modules(request):
    """EG-2 "Mes modules": free modules are checked on or off; paid ones are requested."""
    structure = request.tenant
    rows = structure_module_rows(structure=structure)
    if request.method == "POST":
        labels = {row["label"] for row in rows}
        enabled_free = {label for label in request.POST.getlist("free") if label in labels}
        requested = {label for label in request.POST.getlist("paid") if label in labels}
        try:
            newly_requested = services.modules_save(
                structure=structure, enabled_free=enabled_free, requested_paid=requested
            )
        except services.StructureError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Vos modules ont été enregistrés."))
            names = {row["label"]: row["info"].name for row in rows}
            for label in newly_requested:
                messages.info(
                    request,
                    _(
                        "Demande du module « %(module)s » envoyée à la plateforme : elle "
                        "l'étudie et l'active, puis vous prévient par email."
                    )
                    % {"module": names[label]},
                )
        return redirect("manager:modules")
    return render(
        request,
        "tenants/manager/modules.html",
        {
            "free_rows": [r for r in rows if not r["info"].paid],
            "paid_rows": [r for r in rows if r["info"].paid],
            "news_recipients": module_news_recipients(structure=structure),
            "current": "modules",
            "structure_nav": structure_nav(request),
        },
    )
