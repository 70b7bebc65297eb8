"""Sending email: rendered from templates, after commit, through a task that can retry."""

from __future__ import annotations

import sys

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, transaction
from django.template.loader import render_to_string

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
) -> None:
    """Send now (tasks call this); `attachments`: (file name, content, MIME type)."""
    headers = {STRUCTURE_HEADER: str(structure_id)} if structure_id is not None else {}
    message = EmailMultiAlternatives(subject=subject, body=body, to=to, headers=headers)
    if html:
        message.attach_alternative(html, "text/html")
    for name, content, mimetype in attachments or []:
        message.attach(name, content, mimetype)
    message.send()


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
