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
