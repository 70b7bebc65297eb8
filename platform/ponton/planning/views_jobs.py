"""Club Manager > Planning > a background generation of sessions (PL-1 "Progress shown for long
generations"): the progress page, the fragment its progress bar reloads every second, and
"Reprendre" after a failure."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ponton.accounts.access import staff_view
from ponton.accounts.permissions import role_has
from ponton.planning import services_jobs
from ponton.planning.selectors_jobs import access_generation_job
from ponton.planning.services import PlanningError


def _context(request, job) -> dict:
    return {
        "job": job,
        "can_resume": role_has(request.membership.role, "catalogue.manage"),
        "start_date": dt.date.fromisoformat(job.parameters["start_date"]),
        "end_date": dt.date.fromisoformat(job.parameters["end_date"]),
    }


@staff_view("catalogue.view")
def generation_detail(request, job_id: int):
    job = access_generation_job(job_id=job_id)
    return render(request, "planning/generation.html", _context(request, job))


@staff_view("catalogue.view")
def generation_progress(request, job_id: int):
    """The progress fragment: htmx swaps it in place every second until the job is finished."""
    job = access_generation_job(job_id=job_id)
    response = render(request, "planning/generation_progress.html", _context(request, job))
    response["Cache-Control"] = "no-store"
    return response


@staff_view("catalogue.manage")
@require_POST
def generation_resume(request, job_id: int):
    """PL-1: after a failure, "Reprendre" generates the sessions that were not saved."""
    job = access_generation_job(job_id=job_id)
    try:
        services_jobs.recurrence_job_resume(job=job)
    except PlanningError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("La génération a repris."))
    return redirect("manager:planning_generation", job_id=job.pk)
