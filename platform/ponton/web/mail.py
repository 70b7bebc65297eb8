"""Sending email: rendered from templates, after commit, through a task that can retry."""

from __future__ import annotations

import datetime as dt
import logging
import sys

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone

logger = logging.getLogger("ponton.mail")

# Which structure an email is sent for: kept by the outbox to show each structure its own mail.
STRUCTURE_HEADER = "X-Ponton-Structure"


def _current_structure_id() -> int | None:
    tenant = getattr(connection, "tenant", None)
    if tenant is None or getattr(tenant, "is_platform", True):
        return None
    return tenant.pk


def email_send(
    *,
    to: list[str],
    subject: str,
    template: str,
    context: dict,
    structure_id: int | None = None,
) -> None:
    """Render `<template>.txt` (and `<template>.html` if present) and send after commit.

    `structure_id`: the structure the email is sent for; by default the structure whose
    schema is active (none on the platform's schema)."""
    body = render_to_string(f"{template}.txt", context)
    html: str
    try:
        html = render_to_string(f"{template}.html", context)
    except Exception:  # noqa: BLE001 - the HTML part is optional
        html = ""
    if structure_id is None:
        structure_id = _current_structure_id()

    def _send() -> None:
        from ponton.web.tasks import send_email_task

        send_email_task.delay(
            to=list(to), subject=subject, body=body, html=html, structure_id=structure_id
        )

    transaction.on_commit(_send)


def deliver(
    *,
    to: list[str],
    subject: str,
    body: str,
    html: str = "",
    structure_id: int | None = None,
    attachments: list[tuple[str, bytes, str]] | None = None,
    key: str = "",
) -> bool:
    """Send now (tasks call this); `attachments`: (file name, content, MIME type).

    `key` (the sending task's id) makes the send happen once per key: the `EmailDelivery` row
    is inserted in a transaction that stays open while the mail server takes the message and
    is committed as soon as it answers, before the connection is closed. A second run with the
    same key (a task delivered again after a crash, or running in parallel: its insert waits
    for the first transaction) sends nothing and returns False. What remains (ADR 0027): a
    crash between the server's "250 OK" and that commit sends the email again."""
    headers = {STRUCTURE_HEADER: str(structure_id)} if structure_id is not None else {}
    if key:  # the same Message-ID on a resend in the window: mail clients show one message
        headers["Message-ID"] = f"<{key}@{_message_id_domain()}>"
    message = EmailMultiAlternatives(subject=subject, body=body, to=to, headers=headers)
    if html:
        message.attach_alternative(html, "text/html")
    for name, content, mimetype in attachments or []:
        message.attach(name, content, mimetype)
    if not key:
        message.send()
        return True
    from django_tenants.utils import schema_context

    backend = get_connection()
    try:
        with schema_context("public"), transaction.atomic():
            if not _delivery_claim(key=key, to=to, subject=subject):
                logger.info("Email %s déjà envoyé (%s) : il n'est pas renvoyé.", key, subject)
                return False
            backend.open()
            message.connection = backend
            message.send()
        # Committed: the connection is closed (QUIT) only now, outside the window.
    finally:
        backend.close()
    return True


def _message_id_domain() -> str:
    from email.utils import parseaddr

    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "ponton.invalid"


def _delivery_claim(*, key: str, to: list[str], subject: str) -> bool:
    """Insert the key's row unless it exists; True when this run inserted it. One statement
    (INSERT … ON CONFLICT DO NOTHING): a run whose key another open transaction holds waits
    for it, then sees its row (sent) or inserts its own (the other rolled back)."""
    from ponton.web.models import EmailDelivery

    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO {EmailDelivery._meta.db_table} (key, "to", subject, sent_at) '  # noqa: S608 - the table name is ours
            "VALUES (%s, %s, %s, %s) ON CONFLICT (key) DO NOTHING",
            [key, ", ".join(to), subject[:300], timezone.now()],
        )
        return cursor.rowcount == 1


EMAIL_DELIVERIES_KEPT = dt.timedelta(days=30)


def email_deliveries_purge(*, now: dt.datetime | None = None) -> int:
    """Forget the keys of emails sent more than 30 days ago: no task is delivered again that
    late (retries and redeliveries end within hours). Returns how many rows went."""
    from django_tenants.utils import schema_context

    from ponton.web.models import EmailDelivery

    limit = (now or timezone.now()) - EMAIL_DELIVERIES_KEPT
    with schema_context("public"):
        deleted, _ = EmailDelivery.objects.filter(sent_at__lt=limit).delete()
    return deleted


class OutboxBackend(BaseEmailBackend):
    """Embedded default: keep the email for the outbox page and print it on the console (unless
    OUTBOX_ECHO is off: `make run` seeds the demo's emails silently)."""

    def send_messages(self, email_messages):
        from django_tenants.utils import schema_context

        from ponton.web.models import OutboxEmail

        for message in email_messages:
            html = ""
            for content, mimetype in getattr(message, "alternatives", []):
                if mimetype == "text/html":
                    html = content
            structure = (message.extra_headers or {}).get(STRUCTURE_HEADER, "")
            with schema_context("public"):
                OutboxEmail.objects.create(
                    structure_id=int(structure) if structure.isdigit() else None,
                    to=", ".join(message.to),
                    subject=message.subject,
                    body=message.body,
                    html=html,
                )
            if not settings.OUTBOX_ECHO:
                continue
            sys.stdout.write(
                f"\n--- email to {', '.join(message.to)}: {message.subject}\n{message.body}\n---\n"
            )
        return len(email_messages)
