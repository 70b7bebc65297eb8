from celery import shared_task

from ponton.web.mail import deliver


@shared_task(bind=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_email_task(
    self,
    *,
    to: list[str],
    subject: str,
    body: str,
    html: str = "",
    structure_id: int | None = None,
) -> None:
    deliver(to=to, subject=subject, body=body, html=html, structure_id=structure_id)
