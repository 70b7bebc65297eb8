"""Email tasks. A task whose effect must happen once is acknowledged after it ran
(`ONCE_OPTIONS`): a worker killed mid-task leaves its message to the broker, which hands it
again; `deliver(key=<task id>)` keeps the email to one send (ADR 0027)."""

from celery import shared_task

from ponton.config.celery import ONCE_OPTIONS
from ponton.web.mail import deliver, email_deliveries_purge


@shared_task(bind=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5, **ONCE_OPTIONS)
def send_email_task(
    self,
    *,
    to: list[str],
    subject: str,
    body: str,
    html: str = "",
    structure_id: int | None = None,
) -> bool:
    """Send one email, once per task id (False: an earlier run of this task sent it)."""
    return deliver(
        to=to, subject=subject, body=body, html=html, structure_id=structure_id, key=self.request.id
    )


@shared_task
def email_deliveries_purge_task() -> int:
    """Beat, daily: forget the keys of emails sent more than 30 days ago."""
    return email_deliveries_purge()
