"""Sending email: rendered from templates, after commit, through a task that can retry."""

from __future__ import annotations

import sys

from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.template.loader import render_to_string


def email_send(*, to: list[str], subject: str, template: str, context: dict) -> None:
    """Render `<template>.txt` (and `<template>.html` if present) and send after commit."""
    body = render_to_string(f"{template}.txt", context)
    html: str
    try:
        html = render_to_string(f"{template}.html", context)
    except Exception:  # noqa: BLE001 - the HTML part is optional
        html = ""

    def _send() -> None:
        from ponton.web.tasks import send_email_task

        send_email_task.delay(to=list(to), subject=subject, body=body, html=html)

    transaction.on_commit(_send)


def deliver(*, to: list[str], subject: str, body: str, html: str = "") -> None:
    message = EmailMultiAlternatives(subject=subject, body=body, to=to)
    if html:
        message.attach_alternative(html, "text/html")
    message.send()


class OutboxBackend(BaseEmailBackend):
    """Embedded default: print the email on the console and keep it for the outbox page."""

    def send_messages(self, email_messages):
        from django_tenants.utils import schema_context

        from ponton.web.models import OutboxEmail

        for message in email_messages:
            html = ""
            for content, mimetype in getattr(message, "alternatives", []):
                if mimetype == "text/html":
                    html = content
            with schema_context("public"):
                OutboxEmail.objects.create(
                    to=", ".join(message.to), subject=message.subject, body=message.body, html=html
                )
            sys.stdout.write(
                f"\n--- email to {', '.join(message.to)}: {message.subject}\n{message.body}\n---\n"
            )
        return len(email_messages)
