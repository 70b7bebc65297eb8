"""CO-2 exports of the lists: a small list is written at once into the response; a larger
one (more than `COMPTA_EXPORT_BACKGROUND_THRESHOLD` rows) becomes an `ExportJob` run by a
task that names its structure, with its progress shown and its file kept (`ExportJob`'s
docstring). Both paths write the file with `write_list`, from the list's one definition, so
an export holds exactly the rows of the filtered list, in its order, with the same columns
(`ponton.web.spreadsheets`: real numbers in euros, real dates; French CSV)."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any
from uuid import uuid4

from django.conf import settings
from django.core.files import File
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ponton.compta.lists import list_definition
from ponton.compta.lists.base import ListDefinition, ListRequest, export_rows, list_request
from ponton.compta.models import ExportJob
from ponton.web.spreadsheets import csv_lines, write_xlsx

logger = logging.getLogger(__name__)

DEFAULT_THRESHOLD = 2000
PROGRESS_EVERY = 5000
FORMATS = tuple(ExportJob.Format.values)


class ExportError(Exception):
    """An export refused, with the French reason."""


def background_threshold() -> int:
    """Above this many rows, an export runs in the background and is kept in "Mes exports"."""
    return int(getattr(settings, "COMPTA_EXPORT_BACKGROUND_THRESHOLD", DEFAULT_THRESHOLD))


def export_file_name(definition: ListDefinition, fmt: str) -> str:
    return f"{definition.slug}-{timezone.localtime():%Y%m%d-%H%M%S}.{fmt}"


def _counted(rows: Iterable[Any], progress: Callable[[int], None] | None) -> Iterator[Any]:
    count = 0
    for row in rows:
        yield row
        count += 1
        if progress is not None and count % PROGRESS_EVERY == 0:
            progress(count)


def write_list(
    request: ListRequest,
    fmt: str,
    out: IO[bytes],
    *,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write every filtered row of a valid list request to `out` as `fmt` ("xlsx" or "csv");
    returns the number of rows. `progress(n)` is called every `PROGRESS_EVERY` rows."""
    definition = request.definition
    columns = definition.columns()
    rows = _counted(export_rows(request), progress)
    if fmt == ExportJob.Format.XLSX:
        return write_xlsx(columns, rows, out, title=str(definition.title))
    lines = 0
    for chunk in csv_lines(columns, rows):
        out.write(chunk)
        lines += 1
    return lines - 1  # the header


def _parameters(request: ListRequest, params) -> dict[str, str]:
    """The list's GET parameters worth keeping: its filters and its sort."""
    names = [*request.form.fields, "sort"]
    return {name: str(params.get(name)) for name in names if params.get(name) not in (None, "")}


def _first_error(request: ListRequest) -> str:
    for errors in request.form.errors.values():
        return str(errors[0])
    return _("Les filtres de cette liste ne sont pas valables.")


def _check(fmt: str, request: ListRequest) -> None:
    if fmt not in FORMATS:
        raise ExportError(_("Ce format d'export n'existe pas."))
    if not request.valid:
        raise ExportError(_first_error(request))


@transaction.atomic
def export_job_start(*, slug: str, params, fmt: str, created_by_id: int) -> ExportJob:
    """CO-2: record the export of a list (filters validated first: nothing is recorded on bad
    input) and, after commit, hand it to a task that names this structure's schema."""
    if connection.schema_name == settings.PUBLIC_SCHEMA_NAME:  # type: ignore[attr-defined]
        raise RuntimeError("an export belongs to a structure's schema")
    definition = list_definition(slug)
    request = list_request(definition, params)
    _check(fmt, request)
    total = request.definition.queryset(request.filters).count()
    if total == 0:
        raise ExportError(_("Aucune ligne ne correspond à ces filtres : rien à exporter."))
    job = ExportJob.objects.create(
        list_slug=definition.slug,
        list_title=str(definition.title),
        format=fmt,
        parameters=_parameters(request, params),
        total=total,
        file_name=export_file_name(definition, fmt),
        created_by_id=created_by_id,
    )
    schema_name = connection.schema_name  # type: ignore[attr-defined]

    def _enqueue() -> None:
        from ponton.compta.tasks import export_list_task

        export_list_task.apply_async(
            kwargs={"schema_name": schema_name, "job_id": job.pk},
            headers={"_schema_name": schema_name},
        )

    transaction.on_commit(_enqueue)
    return job


def _claim(job_id: int) -> ExportJob | None:
    """Mark the job running; None when it is unknown or finished. A job left running by a
    worker that died is run again from the start (its file is only kept when complete)."""
    claimed = ExportJob.objects.filter(
        pk=job_id, state__in=[ExportJob.State.PENDING, ExportJob.State.RUNNING]
    ).update(state=ExportJob.State.RUNNING, done=0)
    if not claimed:
        return None
    return ExportJob.objects.get(pk=job_id)


def export_job_run(*, job_id: int) -> ExportJob | None:
    """Run an export job in the current schema (the task sets it): stream the rows to a
    temporary file, moving `done`, then keep the file in the structure's private storage."""
    job = _claim(job_id)
    if job is None:
        return None

    def progress(n: int) -> None:
        ExportJob.objects.filter(pk=job.pk).update(done=min(n, job.total))

    try:
        request = list_request(list_definition(job.list_slug), job.parameters)
        _check(job.format, request)
        with tempfile.TemporaryFile() as tmp:
            count = write_list(request, job.format, tmp, progress=progress)
            tmp.seek(0)
            job.file.save(f"{uuid4().hex}/{job.file_name}", File(tmp), save=False)
    except Exception as exc:
        logger.exception("export job %s failed", job_id)
        reason = (
            str(exc) if isinstance(exc, ExportError) else _("Erreur inattendue pendant l'export.")
        )
        job.state, job.error, job.finished_at = ExportJob.State.FAILED, reason, timezone.now()
        job.save(update_fields=["state", "error", "finished_at"])
        return job
    # The rows may have changed since the count: the job says what the file holds.
    job.state, job.finished_at = ExportJob.State.DONE, timezone.now()
    job.total = job.done = count
    job.save(update_fields=["state", "finished_at", "total", "done", "file"])
    return job
