"""PL-1 "Progress shown for long generations": writes of the background generation of a
recurrence. The design (chunks, each its own transaction moving `done`) is in the docstring of
`GenerationJob`; the Celery task is `ponton.planning.tasks.generate_sessions_task`."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ponton.catalogue.models import Product, Site
from ponton.planning.models import GenerationJob, Session
from ponton.planning.services import (
    PlanningError,
    SessionSpec,
    _build,
    _check_product,
    recurrence_specs,
)
from ponton.planning.services_resources import sessions_book_needs, sessions_check_needs

logger = logging.getLogger(__name__)

DEFAULT_THRESHOLD = 300
DEFAULT_CHUNK = 200


def background_threshold() -> int:
    """Above this many sessions, "Ajouter des dates" generates in the background."""
    return int(getattr(settings, "PLANNING_BACKGROUND_THRESHOLD", DEFAULT_THRESHOLD))


def _chunk_size() -> int:
    return max(1, int(getattr(settings, "PLANNING_GENERATION_CHUNK", DEFAULT_CHUNK)))


def _parameters(
    *,
    start_date: dt.date,
    end_date: dt.date,
    weekdays: Iterable[int],
    times: Sequence[tuple[dt.time, dt.time]],
    capacity: int,
    skip_holidays: bool,
) -> dict:
    return {
        "start_date": start_date.isoformat(),
        "end_date": end_date.isoformat(),
        "weekdays": sorted(set(weekdays)),
        "times": [[start.isoformat(), end.isoformat()] for start, end in times],
        "capacity": capacity,
        "timezone": timezone.get_current_timezone_name(),
        "skip_holidays": skip_holidays,
    }


def _specs_of(job: GenerationJob) -> list[SessionSpec]:
    """The job's sessions, recomputed from its parameters: same list, same order, every time."""
    p = job.parameters
    with timezone.override(ZoneInfo(p["timezone"])):
        return recurrence_specs(
            start_date=dt.date.fromisoformat(p["start_date"]),
            end_date=dt.date.fromisoformat(p["end_date"]),
            weekdays=p["weekdays"],
            times=[(dt.time.fromisoformat(s), dt.time.fromisoformat(e)) for s, e in p["times"]],
            capacity=p["capacity"],
            skip_holidays=p.get("skip_holidays", False),  # jobs recorded before the option
        )


@transaction.atomic
def recurrence_job_start(
    *,
    product: Product,
    start_date: dt.date,
    end_date: dt.date,
    weekdays: Iterable[int],
    times: Sequence[tuple[dt.time, dt.time]],
    capacity: int,
    site: Site | None = None,
    created_by_id: int | None = None,
    skip_holidays: bool = False,
) -> GenerationJob:
    """PL-1: validate a recurrence in full (same French refusals as `sessions_add_recurrence`,
    no job and no session on bad input), record the job and, after commit, hand it to a task
    that names this structure's schema."""
    if connection.schema_name == settings.PUBLIC_SCHEMA_NAME:  # type: ignore[attr-defined]
        raise RuntimeError("a generation job belongs to a structure's schema")
    _check_product(product)
    weekdays = list(weekdays)
    specs = recurrence_specs(
        start_date=start_date,
        end_date=end_date,
        weekdays=weekdays,
        times=times,
        capacity=capacity,
        skip_holidays=skip_holidays,
    )
    planned = _build(product=product, site=site, specs=specs)  # times, capacities up front
    # RE-1: every date's resources too, so a busy instructor refuses the series before any job.
    sessions_check_needs(product=product, sessions=planned)
    job = GenerationJob.objects.create(
        product=product,
        site=site,
        parameters=_parameters(
            start_date=start_date,
            end_date=end_date,
            weekdays=weekdays,
            times=times,
            capacity=capacity,
            skip_holidays=skip_holidays,
        ),
        total=len(specs),
        created_by_id=created_by_id,
    )
    _enqueue_after_commit(job)
    return job


def _enqueue_after_commit(job: GenerationJob) -> None:
    """Hand the job to its task once the job row is committed; the task names this schema."""
    schema_name = connection.schema_name  # type: ignore[attr-defined]

    def _enqueue() -> None:
        from ponton.planning.tasks import generate_sessions_task

        generate_sessions_task.apply_async(
            kwargs={"schema_name": schema_name, "job_id": job.pk},
            headers={"_schema_name": schema_name},
        )

    transaction.on_commit(_enqueue)


def _claim(job_id: int) -> GenerationJob | None:
    """Mark the job running; None when it is unknown or already finished (nothing to do). A job
    left "running" by a worker that died is claimed again and resumes at `done`."""
    claimed = GenerationJob.objects.filter(
        pk=job_id, state__in=[GenerationJob.State.PENDING, GenerationJob.State.RUNNING]
    ).update(state=GenerationJob.State.RUNNING)
    if not claimed:
        return None
    return GenerationJob.objects.select_related("product", "site").get(pk=job_id)


@transaction.atomic
def _run_chunk(*, job: GenerationJob, specs: Sequence[SessionSpec], size: int) -> bool:
    """Insert the next chunk and move `done` past it, in one transaction. False when done."""
    locked = GenerationJob.objects.select_for_update().get(pk=job.pk)
    if locked.done >= len(specs):
        return False
    start = locked.done
    chunk = specs[start : start + size]
    created = Session.objects.bulk_create(_build(product=job.product, site=job.site, specs=chunk))
    sessions_book_needs(sessions=created)  # RE-1: refused (chunk rolled back) when one is busy
    locked.done = start + len(chunk)
    locked.save(update_fields=["done"])
    job.done = locked.done
    return True


def _finish(job: GenerationJob, *, state: str, error: str = "") -> None:
    job.state, job.error, job.finished_at = state, error, timezone.now()
    job.save(update_fields=["state", "error", "finished_at"])


def recurrence_job_run(*, job_id: int) -> GenerationJob | None:
    """Run a job in the current schema (the task sets it from the job's structure): chunk after
    chunk, each committed with the progress; on an error the job fails, keeping what was saved
    and the reason (stored in the language active here: the task makes it the site's)."""
    job = _claim(job_id)
    if job is None:
        return None
    try:
        _check_product(job.product)
        specs = _specs_of(job)
        if len(specs) != job.total:
            raise PlanningError(_("Les paramètres de la génération ne correspondent plus."))
        size = _chunk_size()
        while _run_chunk(job=job, specs=specs, size=size):
            pass
    except Exception as exc:
        logger.exception("generation job %s failed", job_id)
        job.refresh_from_db(fields=["done"])
        reason = (
            str(exc)
            if isinstance(exc, PlanningError)
            else _("Erreur inattendue pendant l'enregistrement des séances.")
        )
        _finish(job, state=GenerationJob.State.FAILED, error=reason)
        return job
    _finish(job, state=GenerationJob.State.DONE)
    return job


def recurrence_in_background(
    *,
    start_date: dt.date,
    end_date: dt.date,
    weekdays: Iterable[int],
    times: Sequence[tuple[dt.time, dt.time]],
    capacity: int,
    skip_holidays: bool = False,
    **_others: object,
) -> bool:
    """Whether "Ajouter des dates" makes more sessions than `PLANNING_BACKGROUND_THRESHOLD`
    (so runs as a job with a progress bar). Refuses a bad recurrence like the services do."""
    specs = recurrence_specs(
        start_date=start_date,
        end_date=end_date,
        weekdays=weekdays,
        times=times,
        capacity=capacity,
        skip_holidays=skip_holidays,
    )
    return len(specs) > background_threshold()


@transaction.atomic
def recurrence_job_resume(*, job: GenerationJob) -> GenerationJob:
    """PL-1: after a failure, generate the sessions that were not saved (from `done` on: the
    first ones are never inserted twice). Refused unless the job has failed."""
    locked = GenerationJob.objects.select_for_update().get(pk=job.pk)
    if locked.state != GenerationJob.State.FAILED:
        raise PlanningError(_("Seule une génération échouée peut être reprise."))
    locked.state, locked.error, locked.finished_at = GenerationJob.State.PENDING, "", None
    locked.save(update_fields=["state", "error", "finished_at"])
    _enqueue_after_commit(locked)
    job.state, job.error, job.finished_at = locked.state, locked.error, locked.finished_at
    return job
