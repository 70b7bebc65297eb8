"""Reads of the background generations of sessions (PL-1 "Progress shown for long
generations"). Kept beside `selectors.py` while that file is reworked for PL-2/PL-3."""

from __future__ import annotations

from django.http import Http404

from ponton.planning.models import GenerationJob


def access_generation_job(*, job_id: int) -> GenerationJob:
    """A generation job of the current structure (its schema), or 404."""
    job = GenerationJob.objects.select_related("product").filter(pk=job_id).first()
    if job is None:
        raise Http404
    return job
