"""Reads of the web app: the local outbox."""

from __future__ import annotations

from django.db.models import QuerySet

from ponton.web.models import OutboxEmail

OUTBOX_PAGE = 50


def outbox_emails(*, structure) -> QuerySet[OutboxEmail]:
    """The latest emails of the local outbox: a structure's own, or all of them (None: the
    platform's operators)."""
    emails = OutboxEmail.objects.all()
    if structure is not None:
        emails = emails.filter(structure_id=structure.pk)
    return emails[:OUTBOX_PAGE]
