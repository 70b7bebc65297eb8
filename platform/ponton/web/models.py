from django.db import models


class OutboxEmail(models.Model):
    """Emails sent on the embedded default (no SMTP configured), shown at /outbox/."""

    to = models.TextField()
    subject = models.CharField(max_length=300)
    body = models.TextField()
    html = models.TextField(blank=True)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_at"]
