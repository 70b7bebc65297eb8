"""Club Manager > Paramètres > Ma structure > Sites (EG-4): the places of the activities.

The request already runs in the structure's schema (django-tenants), where sites live.
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import ProtectedError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from ponton.accounts.access import staff_view
from ponton.accounts.permissions import role_has
from ponton.catalogue import selectors, services
from ponton.catalogue.forms import SiteForm
from tenants.views_manager import structure_nav


@staff_view("structure.view")
def site_list(request):
    return render(
        request,
        "catalogue/manager/sites.html",
        {
            "sites": selectors.site_list(),
            "can_edit": role_has(request.membership.role, "structure.settings"),
            "current": "sites",
            "structure_nav": structure_nav(request),
        },
    )


@staff_view("structure.settings")
def site_create(request):
    bound = request.method == "POST"
    form = SiteForm(data=request.POST if bound else None)
    if bound and form.is_valid():
        site = services.site_create(**form.site_fields())
        messages.success(request, _("Le site « %(name)s » a été ajouté.") % {"name": site.name})
        return redirect("manager:sites")
    return render(
        request,
        "catalogue/manager/site_form.html",
        {
            "form": form,
            "title": _("Ajouter un site"),
            "current": "sites",
            "structure_nav": structure_nav(request),
        },
    )


@staff_view("structure.settings")
def site_edit(request, site_id: int):
    site = selectors.access_site(site_id=site_id)
    bound = request.method == "POST"
    form = SiteForm(data=request.POST if bound else None, site=site)
    if bound and form.is_valid():
        services.site_update(site=site, fields=form.site_fields())
        messages.success(request, _("Le site « %(name)s » a été enregistré.") % {"name": site.name})
        return redirect("manager:sites")
    return render(
        request,
        "catalogue/manager/site_form.html",
        {
            "form": form,
            "site": site,
            "title": _("Modifier le site « %(name)s »") % {"name": site.name},
            "current": "sites",
            "structure_nav": structure_nav(request),
        },
    )


@staff_view("structure.settings")
def site_delete(request, site_id: int):
    site = selectors.access_site(site_id=site_id)
    if request.method == "POST":
        name = site.name
        try:
            services.site_delete(site=site)
        except ProtectedError:
            messages.error(
                request,
                _(
                    "Le site « %(name)s » est utilisé par votre offre : "
                    "il ne peut pas être supprimé."
                )
                % {"name": name},
            )
        else:
            messages.success(request, _("Le site « %(name)s » a été supprimé.") % {"name": name})
        return redirect("manager:sites")
    return render(
        request,
        "catalogue/manager/site_delete.html",
        {"site": site, "current": "sites", "structure_nav": structure_nav(request)},
    )
