"""Club Manager > Planning (PL-3 general planning by week, PL-1 "Ajouter des dates")."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ponton.accounts.access import staff_view
from ponton.accounts.permissions import role_has
from ponton.planning import selectors, services
from ponton.planning.forms import RecurrenceForm, WeekForm


def _week_page(request, *, monday: dt.date, form: RecurrenceForm | None, status: int = 200):
    can_manage = role_has(request.membership.role, "catalogue.manage")
    if can_manage and form is None:
        form = RecurrenceForm(initial={"start_date": monday, "end_date": monday})
    week = selectors.planning_week(monday=monday)
    base = reverse("manager:planning")
    return render(
        request,
        "planning/week.html",
        {
            **week,
            "week_form": WeekForm(initial={"week": monday}),
            "previous_url": f"{base}?week={monday - dt.timedelta(days=7):%Y-%m-%d}",
            "next_url": f"{base}?week={monday + dt.timedelta(days=7):%Y-%m-%d}",
            "sunday": monday + dt.timedelta(days=6),
            "form": form if can_manage else None,
        },
        status=status,
    )


@staff_view("catalogue.view")
def planning_week(request):
    week = WeekForm(data=request.GET)
    day = week.cleaned_data["week"] if week.is_valid() and week.cleaned_data["week"] else None
    monday = selectors.week_start(day or timezone.localdate())
    return _week_page(request, monday=monday, form=None)


@staff_view("catalogue.manage")
def planning_add(request):
    form = RecurrenceForm(data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            sessions = services.sessions_add_recurrence(
                product=data["product"],
                start_date=data["start_date"],
                end_date=data["end_date"],
                weekdays=[int(d) for d in data["weekdays"]],
                times=[(data["start_time"], data["end_time"])],
                capacity=data["capacity"],
            )
        except services.PlanningError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            messages.success(
                request,
                ngettext("%(count)s séance ajoutée.", "%(count)s séances ajoutées.", len(sessions))
                % {"count": len(sessions)},
            )
            return redirect(f"{reverse('manager:planning')}?week={data['start_date']:%Y-%m-%d}")
    if request.method != "POST":
        return redirect("manager:planning")
    monday = selectors.week_start(form.cleaned_data.get("start_date") or timezone.localdate())
    messages.error(request, _("Les dates n'ont pas été ajoutées : corrigez le formulaire."))
    return _week_page(request, monday=monday, form=form, status=400)
