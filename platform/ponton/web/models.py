from django.db import models


class OutboxEmail(models.Model):
    """Emails sent on the embedded default (no SMTP configured): all of them to the platform's
    operators at /outbox/, a structure's own to its managers at /manager/emails/."""

    # The structure the email was sent for (public schema, like Structure): none for the
    # platform's own emails (activation keys).
    structure_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    to = models.TextField()
    subject = models.CharField(max_length=300)
    body = models.TextField()
    html = models.TextField(blank=True)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_at"]


class EmailDelivery(models.Model):
    """An email handed to the mail server by a task, under the task's id (`mail.deliver`).

    The row is written in the same transaction as the send and committed right after the
    server's "250 OK": a task that runs again (its worker killed after the send, before the
    broker heard of it) finds its key and sends nothing (ADR 0027)."""

    key = models.CharField(max_length=64, unique=True)
    to = models.TextField()
    subject = models.CharField(max_length=300)
    sent_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-sent_at"]
