"""RE-1 resources in the Club Manager: Paramètres > Ressources (people, counted equipment,
rooms; their hours and absences), the planning of a resource by week or month, the "free
resources" search for a time slot, an activity's needs, and a session's resources."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ponton.accounts.access import staff_view
from ponton.accounts.permissions import role_has
from ponton.planning import (
    selectors,
    selectors_resources,
    services_resources,
    services_resources_settings,
)
from ponton.planning.forms import local_datetime
from ponton.planning.forms_resources import (
    AbsenceForm,
    FreeSearchForm,
    NeedForm,
    ResourceForm,
    SessionResourceForm,
)
from ponton.planning.services import PlanningError
from ponton.planning.services_resources import ResourceError
from ponton.planning.services_resources_settings import ResourceData
from ponton.planning.views import MONTH, WEEK, _chosen, _navigation, _session_page


def _can_manage(request) -> bool:
    return role_has(request.membership.role, "catalogue.manage")


def _add_errors(form, exc: PlanningError, fields: dict[str, str] | None = None) -> None:
    field = (fields or {}).get(exc.field or "", exc.field)
    problems = getattr(exc, "problems", [str(exc)])
    form.add_error(field if field in form.fields else None, problems)


# --- Paramètres > Ressources ------------------------------------------------------------------


def _list_page(request, *, form=None, status: int = 200):
    return render(
        request,
        "planning/resources.html",
        {
            "resources": selectors_resources.resource_list(),
            "form": form or ResourceForm(),
            "can_manage": _can_manage(request),
        },
        status=status,
    )


@staff_view("catalogue.view")
def resources_list(request):
    """RE-1 Paramètres > Ressources: every resource, and the form to add one."""
    return _list_page(request)


def _data(form, *, kind: str) -> ResourceData:
    data = form.cleaned_data
    return ResourceData(
        kind=kind,
        name=data["name"],
        site=data["site"],
        quantity=data["quantity"],
        available_from=data["available_from"],
        available_until=data["available_until"],
    )


@staff_view("catalogue.manage")
@require_POST
def resource_add(request):
    form = ResourceForm(data=request.POST)
    if form.is_valid():
        try:
            resource = services_resources_settings.resource_create(
                data=_data(form, kind=form.cleaned_data["kind"])
            )
        except ResourceError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("« %(name)s » a été ajouté.") % {"name": resource.label})
            return redirect("manager:resources")
    messages.error(request, _("La ressource n'a pas été ajoutée : corrigez le formulaire."))
    return _list_page(request, form=form, status=400)


def _detail_page(request, resource, *, status: int = 200, **forms):
    if _can_manage(request):
        forms.setdefault(
            "form",
            ResourceForm(
                editing=True,
                initial={
                    "name": resource.name,
                    "quantity": resource.quantity,
                    "site": resource.site_id,
                    "available_from": resource.available_from,
                    "available_until": resource.available_until,
                },
            ),
        )
        forms.setdefault("absence_form", AbsenceForm(prefix="absence"))
    return render(
        request,
        "planning/resource.html",
        {
            "resource": resource,
            "absences": selectors_resources.absences_of(resource=resource),
            "can_manage": _can_manage(request),
            **forms,
        },
        status=status,
    )


@staff_view("catalogue.view")
def resource_detail(request, resource_id: int):
    return _detail_page(request, selectors_resources.access_resource(resource_id=resource_id))


@staff_view("catalogue.manage")
@require_POST
def resource_update(request, resource_id: int):
    resource = selectors_resources.access_resource(resource_id=resource_id)
    form = ResourceForm(data=request.POST, editing=True)
    if form.is_valid():
        try:
            services_resources_settings.resource_update(
                resource=resource, data=_data(form, kind=resource.kind)
            )
        except ResourceError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("La ressource a été enregistrée."))
            return redirect("manager:resource", resource_id=resource.pk)
    messages.error(request, _("La ressource n'a pas été modifiée : corrigez le formulaire."))
    return _detail_page(request, resource, status=400, form=form)


@staff_view("catalogue.manage")
@require_POST
def resource_delete(request, resource_id: int):
    resource = selectors_resources.access_resource(resource_id=resource_id)
    try:
        services_resources_settings.resource_delete(resource=resource)
    except ResourceError as exc:
        messages.error(request, str(exc))
        return redirect("manager:resource", resource_id=resource.pk)
    messages.success(request, _("« %(name)s » a été supprimé.") % {"name": resource.name})
    return redirect("manager:resources")


@staff_view("catalogue.manage")
@require_POST
def absence_add(request, resource_id: int):
    resource = selectors_resources.access_resource(resource_id=resource_id)
    form = AbsenceForm(prefix="absence", data=request.POST)
    if form.is_valid():
        try:
            services_resources_settings.absence_add(resource=resource, **form.cleaned_data)
        except ResourceError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("L'absence a été enregistrée."))
            return redirect("manager:resource", resource_id=resource.pk)
    messages.error(request, _("L'absence n'a pas été enregistrée : corrigez le formulaire."))
    return _detail_page(request, resource, status=400, absence_form=form)


@staff_view("catalogue.manage")
@require_POST
def absence_delete(request, resource_id: int, absence_id: int):
    resource = selectors_resources.access_resource(resource_id=resource_id)
    absence = selectors_resources.access_absence(resource=resource, absence_id=absence_id)
    services_resources_settings.absence_delete(absence=absence)
    messages.success(request, _("L'absence a été supprimée."))
    return redirect("manager:resource", resource_id=resource.pk)


# --- The planning of a resource, free resources -------------------------------------------


@staff_view("catalogue.view")
def resource_planning(request, resource_id: int):
    """RE-1: the sessions of a resource by week (default) or month."""
    resource = selectors_resources.access_resource(resource_id=resource_id)
    vue, day = _chosen(request)
    vue = MONTH if vue == MONTH else WEEK
    base = reverse("manager:resource_planning", args=[resource.pk])
    context = _navigation(vue=vue, day=day, base=base)
    context["switch"] = [entry for entry in context["switch"] if entry[0] in (WEEK, MONTH)]
    if vue == MONTH:
        context.update(selectors.planning_month(month=day, resource=resource))
    else:
        monday = selectors.week_start(day)
        context.update(
            selectors.planning_week(monday=monday, resource=resource),
            sunday=monday + dt.timedelta(days=6),
        )
    context.update(resource=resource, show_activity=True)
    return render(request, "planning/resource_planning.html", context)


@staff_view("catalogue.view")
def resources_free(request):
    """RE-1 "Ressources libres": what is free for a date and times."""
    form = FreeSearchForm(data=request.GET or None)
    found = None
    if form.is_valid():
        data = form.cleaned_data
        found = selectors_resources.free_resources(
            starts_at=local_datetime(data["date"], data["start_time"]),
            ends_at=local_datetime(data["date"], data["end_time"]),
        )
    elif not request.GET:
        form = FreeSearchForm(
            initial={
                "date": timezone.localdate(),
                "start_time": dt.time(10),
                "end_time": dt.time(12),
            }
        )
    return render(
        request,
        "planning/resources_free.html",
        {"form": form, "found": found},
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


# --- An activity's needs -------------------------------------------------------------------------


def _needs_page(request, product, *, form=None, status: int = 200):
    return render(
        request,
        "planning/activity_resources.html",
        {
            "product": product,
            "needs": selectors_resources.needs_of(product=product),
            "form": form or NeedForm(),
            "can_manage": _can_manage(request),
        },
        status=status,
    )


@staff_view("catalogue.view")
def activity_needs(request, product_id: int):
    """RE-1: what each session of an activity needs ("1 moniteur, 6 Laser pour 6
    participants")."""
    return _needs_page(request, selectors.access_activity(product_id=product_id))


@staff_view("catalogue.manage")
@require_POST
def need_add(request, product_id: int):
    product = selectors.access_activity(product_id=product_id)
    form = NeedForm(data=request.POST)
    if form.is_valid():
        try:
            services_resources_settings.need_set(product=product, **form.cleaned_data)
        except ResourceError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Le besoin a été enregistré."))
            return redirect("manager:activity_resources", product_id=product.pk)
    messages.error(request, _("Le besoin n'a pas été enregistré : corrigez le formulaire."))
    return _needs_page(request, product, form=form, status=400)


@staff_view("catalogue.manage")
@require_POST
def need_delete(request, product_id: int, need_id: int):
    product = selectors.access_activity(product_id=product_id)
    need = selectors_resources.access_need(product=product, need_id=need_id)
    services_resources_settings.need_delete(need=need)
    messages.success(request, _("Le besoin a été retiré."))
    return redirect("manager:activity_resources", product_id=product.pk)


# --- A session's resources ----------------------------------------------------------------------


@staff_view("catalogue.manage")
@require_POST
def session_resource_add(request, session_id: int):
    """RE-1: assign a resource to a session from its page, refused like planning."""
    session = selectors.access_session(session_id=session_id)
    form = SessionResourceForm(prefix="resource", data=request.POST)
    if form.is_valid():
        try:
            services_resources.session_resource_add(session=session, **form.cleaned_data)
        except ResourceError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("La ressource a été ajoutée à la séance."))
            return redirect("manager:planning_session", session_id=session.pk)
    messages.error(request, _("La ressource n'a pas été ajoutée : corrigez le formulaire."))
    return _session_page(request, session, status=400, resource_form=form)


@staff_view("catalogue.manage")
@require_POST
def session_resource_remove(request, session_id: int, booking_id: int):
    session = selectors.access_session(session_id=session_id)
    booking = selectors_resources.access_booking(session=session, booking_id=booking_id)
    services_resources.session_resource_remove(booking=booking)
    messages.success(
        request, _("« %(name)s » a été retiré de la séance.") % {"name": booking.resource.name}
    )
    return redirect("manager:planning_session", session_id=session.pk)
