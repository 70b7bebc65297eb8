"""Club Manager > Planning: general planning (all activities) and dedicated planning (one
activity) by day, week or month (PL-3); "Ajouter des dates" (PL-1, recurrence) and "Ajouter une
autre séance" (PL-1, several sessions at once); the page of a session to move it, change its
capacity, delete it or delete its whole date (PL-2)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from ponton.accounts.access import staff_view
from ponton.accounts.permissions import role_has
from ponton.planning import selectors, selectors_resources, services, services_jobs
from ponton.planning.forms import (
    DayForm,
    MonthForm,
    RecurrenceForm,
    SessionCapacityForm,
    SessionMoveForm,
    SessionRowFormSet,
    WeekForm,
)
from ponton.planning.forms_resources import SessionResourceForm
from ponton.planning.selectors_holidays import recurrence_preview

DAY, WEEK, MONTH = "jour", "semaine", "mois"
DATE_FORMS = {DAY: (DayForm, "date"), WEEK: (WeekForm, "week"), MONTH: (MonthForm, "date")}


def _can_manage(request) -> bool:
    return role_has(request.membership.role, "catalogue.manage")


def _chosen(request) -> tuple[str, dt.date]:
    """The view (?vue=jour|semaine|mois, week by default) and the chosen date (?date= or
    ?week=, YYYY-MM-DD; YYYY-MM for a month), today when missing or invalid."""
    vue = request.GET.get("vue")
    vue = vue if vue in DATE_FORMS else WEEK
    form_class, field = DATE_FORMS[vue]
    form = form_class(data={field: request.GET.get("date") or request.GET.get("week") or ""})
    day = form.cleaned_data[field] if form.is_valid() else None
    return vue, day or timezone.localdate()


def _url(base: str, vue: str, day: dt.date) -> str:
    if vue == WEEK:
        return f"{base}?week={day:%Y-%m-%d}"
    return f"{base}?vue={vue}&date={day:%Y-%m-%d}"


def _navigation(*, vue: str, day: dt.date, base: str, product=None) -> dict:
    """Previous/next links, the date picker and the day/week/month switch of a planning page."""
    if vue == DAY:
        anchor, previous, following = day, day - dt.timedelta(days=1), day + dt.timedelta(days=1)
    elif vue == MONTH:
        anchor = selectors.month_start(day)
        previous, following = selectors.previous_month(anchor), selectors.next_month(anchor)
    else:
        anchor = selectors.week_start(day)
        previous, following = anchor - dt.timedelta(days=7), anchor + dt.timedelta(days=7)
    form_class, field = DATE_FORMS[vue]
    return {
        "vue": vue,
        "product": product,
        "base_url": base,
        "dedicated_base": reverse("manager:planning") + "activite/",
        "date_form": form_class(initial={field: anchor}),
        "previous_url": _url(base, vue, previous),
        "next_url": _url(base, vue, following),
        "switch": [
            (name, label, _url(base, name, day), name == vue)
            for name, label in ((DAY, _("Jour")), (WEEK, _("Semaine")), (MONTH, _("Mois")))
        ],
    }


def _week_page(request, *, monday: dt.date):
    week = selectors.planning_week(monday=monday)
    return render(
        request,
        "planning/week.html",
        {
            **week,
            **_navigation(vue=WEEK, day=monday, base=reverse("manager:planning")),
            "sunday": monday + dt.timedelta(days=6),
            "can_manage": _can_manage(request),
        },
    )


def _calendar_page(request, *, vue: str, day: dt.date, base: str, product=None):
    """PL-3: the day and month views of the general planning; every view of a dedicated one."""
    context = _navigation(vue=vue, day=day, base=base, product=product)
    if vue == DAY:
        context.update(selectors.planning_days(first=day, count=1, product=product), day=day)
    elif vue == MONTH:
        context.update(selectors.planning_month(month=day, product=product))
    else:
        monday = selectors.week_start(day)
        context.update(
            selectors.planning_week(monday=monday, product=product),
            sunday=monday + dt.timedelta(days=6),
        )
    context["can_manage"] = _can_manage(request)
    context["show_activity"] = product is None  # month squares name the activity of a session
    return render(request, "planning/calendar.html", context)


@staff_view("catalogue.view")
def planning_week(request):
    """PL-3: the general planning, by week (default), day or month."""
    vue, day = _chosen(request)
    if vue == WEEK:
        return _week_page(request, monday=selectors.week_start(day))
    return _calendar_page(request, vue=vue, day=day, base=reverse("manager:planning"))


PREVIEW = "apercu"
HOLIDAYS_SEEN = "jours_feries_vus"


def _add_page(request, *, form: RecurrenceForm, preview=None, status: int = 200):
    product = form.cleaned_data.get("product") if form.is_bound and form.is_valid() else None
    product = product or form.initial.get("product")
    return render(
        request,
        "planning/add_dates.html",
        {
            "form": form,
            "preview": preview,
            "preview_name": PREVIEW,
            "holidays_seen": HOLIDAYS_SEEN,
            "back_url": _dedicated_url(product) if product else reverse("manager:planning"),
        },
        status=status,
    )


def _initial_product(request):
    product_id = request.GET.get("activite", "")
    if not product_id.isdigit():
        return None
    return selectors.activity_list().filter(pk=int(product_id)).first()


@staff_view("catalogue.manage")
def planning_add(request):
    """PL-1 "Ajouter des dates" (top right of both plannings; from a dedicated planning, for
    its activity): the recurrence form, "Aperçu" (how many sessions, the public holidays among
    them, which "Ne pas créer les séances des jours fériés" leaves out), then "Ajouter les
    dates". A period with holidays always shows the preview once before anything is created."""
    if request.method != "POST":
        today = timezone.localdate()
        form = RecurrenceForm(
            initial={"product": _initial_product(request), "start_date": today, "end_date": today}
        )
        return _add_page(request, form=form)
    form = RecurrenceForm(data=request.POST)
    if form.is_valid():
        data = form.cleaned_data
        recurrence = {
            "start_date": data["start_date"],
            "end_date": data["end_date"],
            "weekdays": [int(d) for d in data["weekdays"]],
            "times": [(data["start_time"], data["end_time"])],
            "capacity": data["capacity"],
            "skip_holidays": data["skip_holidays"],
        }
        try:
            preview = recurrence_preview(**recurrence)
            if PREVIEW in request.POST or (
                preview.holidays and request.POST.get(HOLIDAYS_SEEN) != preview.holidays_key
            ):
                return _add_page(request, form=form, preview=preview)
            if services_jobs.recurrence_in_background(**recurrence):
                # PL-1: a long generation runs in the background, its page shows the progress.
                job = services_jobs.recurrence_job_start(
                    product=data["product"], **recurrence, created_by_id=request.user.pk
                )
                return redirect("manager:planning_generation", job_id=job.pk)
            sessions = services.sessions_add_recurrence(product=data["product"], **recurrence)
        except services.PlanningError as exc:
            # RE-1: a refused series names, date by date, the resources that are busy.
            problems = getattr(exc, "problems", [str(exc)])
            form.add_error(exc.field if exc.field in form.fields else None, problems)
        else:
            messages.success(
                request,
                ngettext("%(count)s séance ajoutée.", "%(count)s séances ajoutées.", len(sessions))
                % {"count": len(sessions)},
            )
            return redirect(f"{reverse('manager:planning')}?week={data['start_date']:%Y-%m-%d}")
    messages.error(request, _("Les dates n'ont pas été ajoutées : corrigez le formulaire."))
    return _add_page(request, form=form, status=400)


# --- PL-3 dedicated planning, PL-1 "Ajouter une autre séance" -------------------------------


def _dedicated_url(product, vue: str = WEEK, day: dt.date | None = None) -> str:
    base = reverse("manager:planning_dedicated", args=[product.pk])
    if day is None:
        return base
    return _url(base, vue, selectors.week_start(day) if vue == WEEK else day)


@staff_view("catalogue.view")
def planning_dedicated(request, product_id: int):
    """PL-3: the planning of one activity, by week (default), day or month."""
    product = selectors.access_activity(product_id=product_id)
    vue, day = _chosen(request)
    return _calendar_page(request, vue=vue, day=day, base=_dedicated_url(product), product=product)


ADD_ROW = "ajouter_ligne"


def _with_one_more_row(data):
    """The posted rows plus an empty one ("Ajouter une autre séance" without JavaScript)."""
    data = data.copy()
    key = f"{SessionRowFormSet.get_default_prefix()}-TOTAL_FORMS"
    try:
        total = int(data.get(key, "1"))
    except ValueError:
        total = 1
    data[key] = str(min(total + 1, SessionRowFormSet.max_num))
    return data


@staff_view("catalogue.manage")
def planning_sessions_add(request, product_id: int):
    """PL-1: several individual sessions of one activity at once, all saved or none."""
    product = selectors.access_activity(product_id=product_id)
    status, show_errors, refusal = 200, False, None
    if request.method != "POST":
        formset = SessionRowFormSet()
    elif ADD_ROW in request.POST:
        formset = SessionRowFormSet(data=_with_one_more_row(request.POST))
    else:
        formset = SessionRowFormSet(data=request.POST)
        show_errors = True
        if formset.is_valid():
            rows = [form for form in formset if form.cleaned_data]  # empty extra rows skipped
            try:
                sessions = services.sessions_add(
                    product=product, sessions=[form.spec() for form in rows]
                )
            except services.PlanningError as exc:
                refusal = str(exc)
            else:
                messages.success(
                    request,
                    ngettext(
                        "%(count)s séance ajoutée.", "%(count)s séances ajoutées.", len(sessions)
                    )
                    % {"count": len(sessions)},
                )
                first = min(session.starts_at for session in sessions)
                return redirect(_dedicated_url(product, WEEK, timezone.localdate(first)))
        status = 400
        messages.error(request, _("Les séances n'ont pas été ajoutées : corrigez le formulaire."))
    return render(
        request,
        "planning/sessions_add.html",
        {
            "product": product,
            "formset": formset,
            "show_errors": show_errors,
            "refusal": refusal,
            "add_row": ADD_ROW,
            "dedicated_url": _dedicated_url(product),
        },
        status=status,
    )


# --- PL-2 the page of a session ----------------------------------------------------------------


def _session_page(request, session, *, status: int = 200, **forms):
    local_start = timezone.localtime(session.starts_at)
    local_end = timezone.localtime(session.ends_at)
    can_manage = _can_manage(request)
    if can_manage:
        forms.setdefault(
            "move_form",
            SessionMoveForm(
                prefix="move",
                initial={
                    "date": local_start.date(),
                    "start_time": local_start.time(),
                    "end_time": local_end.time(),
                },
            ),
        )
        forms.setdefault(
            "capacity_form",
            SessionCapacityForm(prefix="capacity", initial={"capacity": session.capacity}),
        )
        forms.setdefault("resource_form", SessionResourceForm(prefix="resource"))
    return render(
        request,
        "planning/session.html",
        {
            "session": session,
            "product": session.product,
            "starts_at": local_start,
            "ends_at": local_end,
            "series": selectors.series_summary(session=session),
            "bookings": selectors_resources.bookings_of(session=session),  # RE-1
            "week_url": _dedicated_url(session.product, WEEK, local_start.date()),
            "day_url": _dedicated_url(session.product, DAY, local_start.date()),
            "can_manage": can_manage,
            **forms,
        },
        status=status,
    )


def _session_saved(request, session, message: str):
    messages.success(request, message)
    return redirect("manager:planning_session", session_id=session.pk)


@staff_view("catalogue.view")
def planning_session(request, session_id: int):
    """PL-2: a session (activity, date, times, number in its series, seats) and, for roles that
    may manage the catalogue, the forms to change it."""
    return _session_page(request, selectors.access_session(session_id=session_id))


def _refused(form, exc: services.PlanningError, fields: dict[str, str]) -> None:
    form.add_error(fields.get(exc.field or "", None), str(exc))


@staff_view("catalogue.manage")
@require_POST
def planning_session_move(request, session_id: int):
    """PL-2: move the session to a new date and times; its series is renumbered."""
    session = selectors.access_session(session_id=session_id)
    form = SessionMoveForm(prefix="move", data=request.POST)
    if form.is_valid():
        starts_at, ends_at = form.times()
        try:
            services.session_move(session=session, starts_at=starts_at, ends_at=ends_at)
        except services.PlanningError as exc:
            _refused(form, exc, {"ends_at": "end_time", "starts_at": "start_time"})
        else:
            return _session_saved(request, session, _("La séance a été déplacée."))
        session = selectors.access_session(session_id=session_id)
    messages.error(request, _("La séance n'a pas été déplacée : corrigez le formulaire."))
    return _session_page(request, session, status=400, move_form=form)


@staff_view("catalogue.manage")
@require_POST
def planning_session_capacity(request, session_id: int):
    """PL-2: change the capacity, never below the seats sold."""
    session = selectors.access_session(session_id=session_id)
    form = SessionCapacityForm(prefix="capacity", data=request.POST)
    if form.is_valid():
        try:
            services.session_set_capacity(session=session, capacity=form.cleaned_data["capacity"])
        except services.PlanningError as exc:
            _refused(form, exc, {"capacity": "capacity"})
        else:
            return _session_saved(request, session, _("Le nombre de places a été enregistré."))
        session = selectors.access_session(session_id=session_id)
    messages.error(request, _("Le nombre de places n'a pas été modifié : corrigez le formulaire."))
    return _session_page(request, session, status=400, capacity_form=form)


@staff_view("catalogue.manage")
@require_POST
def planning_session_delete(request, session_id: int):
    """PL-2: "Supprimer cette séance", refused with the reason once seats are sold."""
    session = selectors.access_session(session_id=session_id)
    day = timezone.localdate(session.starts_at)
    try:
        services.session_delete(session=session)
    except services.PlanningError as exc:
        messages.error(request, _("La séance n'a pas été supprimée."))
        return _session_page(request, session, status=400, delete_error=str(exc))
    messages.success(request, _("La séance a été supprimée."))
    return redirect(_dedicated_url(session.product, WEEK, day))


@staff_view("catalogue.manage")
@require_POST
def planning_session_delete_date(request, session_id: int):
    """PL-2: "Supprimer cette date": every session of the activity that day, or none when a
    seat is sold on one of them."""
    session = selectors.access_session(session_id=session_id)
    day = timezone.localdate(session.starts_at)
    try:
        count = services.sessions_delete_date(product=session.product, day=day)
    except services.PlanningError as exc:
        messages.error(request, _("La date n'a pas été supprimée."))
        return _session_page(request, session, status=400, delete_date_error=str(exc))
    messages.success(
        request,
        ngettext(
            "%(count)s séance supprimée le %(day)s.",
            "%(count)s séances supprimées le %(day)s.",
            count,
        )
        % {"count": count, "day": f"{day:%d/%m/%Y}"},
    )
    return redirect(_dedicated_url(session.product, WEEK, day))
