"""Reads of the kept exports (CO-2 "Mes exports"): each person sees and downloads only the
exports they asked for, in the structure of the request (its schema)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from ponton.compta.models import ExportJob

MY_EXPORTS_LIMIT = 50


def my_exports(*, account_id: int) -> QuerySet[ExportJob]:
    return ExportJob.objects.filter(created_by_id=account_id).order_by("-created_at", "-pk")[
        :MY_EXPORTS_LIMIT
    ]


def access_export_job(*, job_id: int, account_id: int) -> ExportJob:
    """An export of the current structure asked by this person, or 404 (another person's
    export, like another structure's, does not exist for them)."""
    job = ExportJob.objects.filter(pk=job_id, created_by_id=account_id).first()
    if job is None:
        raise Http404
    return job
