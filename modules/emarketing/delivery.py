"""EM-1 sending: batches of recipients, each row claimed atomically before its email goes out.

The rule (docs/adr/0019-emarketing-campaign-delivery.md):

1. claim: `UPDATE … SET state='sending', claimed_at=now(), attempts=attempts+1,
   message_id=<deterministic> WHERE id=… AND (state='pending' OR (state='sending' AND
   claimed_at < now() - STALE_SENDING))` — one worker wins a row, nobody else sends it;
2. re-check the unsubscribe/consent of that address (an unsubscribe is honoured at once, even
   during a campaign that is already sending);
3. SMTP send with the recorded Message-ID (`<em.{campaign}.{recipient}@{domain}>`);
4. `state='sent'` (or `failed` with the SMTP server's reason for a permanent refusal; a
   temporary error or a lost connection gives the row back to `pending` and the task retries).

A worker killed between 1 and 4 leaves the row in `sending`: after STALE_SENDING it is sent again
with the same Message-ID (at-least-once for that single row; mail systems deduplicate on
Message-ID), never skipped. Rows still `pending` are picked up by the resume check.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import smtplib
import time

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from modules.emarketing import services
from modules.emarketing.events import publish_progress
from modules.emarketing.models import Campaign, Consent, Recipient, Unsubscribe
from ponton.web.mail import STRUCTURE_HEADER
from tenants.selectors import structure_url

logger = logging.getLogger(__name__)

STALE_SENDING = dt.timedelta(minutes=5)
PROGRESS_EVERY = 0.5  # seconds between two progress events during a batch


def batch_size() -> int:
    return int(
        getattr(settings, "EMARKETING_BATCH_SIZE", 0)
        or os.environ.get("EMARKETING_BATCH_SIZE", "100")
    )


def rate_per_second() -> float:
    """Throttling: at most this many emails per second and per worker (0: no limit)."""
    return float(
        getattr(settings, "EMARKETING_RATE_PER_SECOND", 0)
        or os.environ.get("EMARKETING_RATE_PER_SECOND", "400")
    )


def message_id(*, campaign_id: int, recipient_id: int, structure) -> str:
    domain = structure.get_primary_domain().domain if structure is not None else "ponton"
    return f"<em.{campaign_id}.{recipient_id}@{domain}>"


def enqueue_batches(*, campaign_id: int, stale_seconds: float | None = None) -> int:
    """After commit, one task per batch of recipients still to send (ids ranges)."""
    ids = list(
        Recipient.objects.filter(
            campaign_id=campaign_id, state__in=(Recipient.State.PENDING, Recipient.State.SENDING)
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    size = batch_size()
    ranges = [(ids[i], ids[min(i + size, len(ids)) - 1]) for i in range(0, len(ids), size)]
    schema_name = connection.schema_name  # type: ignore[attr-defined]

    def _enqueue() -> None:
        from modules.emarketing.tasks import send_batch_task

        for first, last in ranges:
            send_batch_task.apply_async(
                kwargs={
                    "schema_name": schema_name,
                    "campaign_id": campaign_id,
                    "first_id": first,
                    "last_id": last,
                    "stale_seconds": stale_seconds,
                },
                headers={"_schema_name": schema_name},
            )

    transaction.on_commit(_enqueue)
    return len(ranges)


def _claim(recipient_id: int, *, mid: str, stale: dt.timedelta) -> bool:
    now = timezone.now()
    return bool(
        Recipient.objects.filter(pk=recipient_id)
        .filter(
            Q(state=Recipient.State.PENDING)
            | Q(state=Recipient.State.SENDING, claimed_at__lt=now - stale)
        )
        .update(
            state=Recipient.State.SENDING,
            claimed_at=now,
            attempts=F("attempts") + 1,
            message_id=mid,
        )
    )


def _still_consenting(recipient: Recipient) -> bool:
    if Unsubscribe.objects.filter(email=recipient.email.lower()).exists():
        return False
    if recipient.customer_id is None:
        return True
    return Consent.objects.filter(customer_id=recipient.customer_id, consented=True).exists()


def build_message(
    *, campaign: Campaign, structure, to: str, name: str, mid: str, unsubscribe_url: str
) -> EmailMultiAlternatives:
    """The campaign's email for one address: HTML and text, one-click unsubscribe headers
    (RFC 8058), the structure's logo and a visible unsubscribe link."""
    logo_url = ""
    if structure is not None and getattr(structure, "logo", None):
        logo_url = structure_url(structure=structure, path=structure.logo.url)
    context = {
        "campaign": campaign,
        "structure": structure,
        "logo_url": logo_url,
        "unsubscribe_url": unsubscribe_url,
        "body_text": services.body_text(campaign.body_html),
    }
    from_address = settings.DEFAULT_FROM_EMAIL
    if "<" in from_address:
        from_address = from_address.split("<", 1)[1].rstrip(">")
    sender = campaign.sender_name.replace('"', "")
    headers = {
        "Message-ID": mid,
        "List-Unsubscribe": f"<{unsubscribe_url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    if structure is not None:
        headers[STRUCTURE_HEADER] = str(structure.pk)
    reply_to = [structure.email] if structure is not None and structure.email else None
    message = EmailMultiAlternatives(
        subject=campaign.subject,
        body=render_to_string("emarketing/email/campaign.txt", context),
        from_email=f'"{sender}" <{from_address}>',
        to=[f'"{name}" <{to}>' if name.strip() else to],
        headers=headers,
        reply_to=reply_to,
    )
    message.attach_alternative(
        render_to_string("emarketing/email/campaign.html", context), "text/html"
    )
    return message


def unsubscribe_url_for(*, structure, campaign_id: int, email: str) -> str:
    token = services.unsubscribe_token(
        structure_id=structure.pk, campaign_id=campaign_id, email=email
    )
    path = reverse("emarketing_public:unsubscribe", args=[token])
    return structure_url(structure=structure, path=path)


class TemporarySendError(Exception):
    """A temporary SMTP problem: the batch task is retried (rows went back to pending)."""


def _permanent(exc: Exception) -> str | None:
    """The reason of a permanent refusal of this address, or None for a temporary problem."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, msg = next(iter(exc.recipients.values()))
        if 500 <= code < 600:
            return f"{code} {msg.decode(errors='replace') if isinstance(msg, bytes) else msg}"
        return None
    if isinstance(exc, smtplib.SMTPResponseException) and 500 <= exc.smtp_code < 600:
        err = exc.smtp_error
        return f"{exc.smtp_code} {err.decode(errors='replace') if isinstance(err, bytes) else err}"
    return None


def batch_send(
    *, structure, campaign_id: int, first_id: int, last_id: int, stale: dt.timedelta = STALE_SENDING
) -> int:
    """Send the batch's recipients (ids first_id..last_id) that are still to send. Returns how
    many emails went out. Safe to run twice, or concurrently: each row is claimed first."""
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None or campaign.state != Campaign.State.SENDING:
        return 0
    ids = list(
        Recipient.objects.filter(
            campaign_id=campaign_id,
            pk__gte=first_id,
            pk__lte=last_id,
            state__in=(Recipient.State.PENDING, Recipient.State.SENDING),
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not ids:
        campaign_finish_if_done(campaign_id=campaign_id)
        return 0
    rate = rate_per_second()
    interval = 1.0 / rate if rate > 0 else 0.0
    smtp = get_connection(fail_silently=False)
    sent = 0
    started = time.monotonic()
    last_progress = started
    try:
        smtp.open()
        for rid in ids:
            if interval:  # throttling, before the claim: a worker waits holding no row
                wait = started + sent * interval - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
            mid = message_id(campaign_id=campaign_id, recipient_id=rid, structure=structure)
            if not _claim(rid, mid=mid, stale=stale):
                continue  # sent or being sent by someone else
            recipient = Recipient.objects.get(pk=rid)
            if not _still_consenting(recipient):
                Recipient.objects.filter(pk=rid).update(state=Recipient.State.UNSUBSCRIBED)
                continue
            message = build_message(
                campaign=campaign,
                structure=structure,
                to=recipient.email,
                name=recipient.name,
                mid=mid,
                unsubscribe_url=unsubscribe_url_for(
                    structure=structure, campaign_id=campaign_id, email=recipient.email
                ),
            )
            message.connection = smtp
            try:
                smtp.send_messages([message])
            except (smtplib.SMTPException, OSError) as exc:
                reason = _permanent(exc)
                if reason is None:
                    Recipient.objects.filter(pk=rid).update(
                        state=Recipient.State.PENDING, error=str(exc)[:300]
                    )
                    raise TemporarySendError(str(exc)) from exc
                Recipient.objects.filter(pk=rid).update(
                    state=Recipient.State.FAILED, error=reason[:300]
                )
                # The server may have dropped the session after a refusal: start a new one.
                smtp.close()
                smtp.open()
                continue
            Recipient.objects.filter(pk=rid).update(
                state=Recipient.State.SENT, sent_at=timezone.now(), error=""
            )
            sent += 1
            if time.monotonic() - last_progress >= PROGRESS_EVERY:
                last_progress = time.monotonic()
                _heartbeat(campaign_id)
    finally:
        try:
            smtp.close()
        except Exception:  # noqa: BLE001 - closing a broken connection
            logger.debug("closing the SMTP connection failed", exc_info=True)
        _heartbeat(campaign_id)
    campaign_finish_if_done(campaign_id=campaign_id)
    return sent


def _heartbeat(campaign_id: int) -> None:
    Campaign.objects.filter(pk=campaign_id).update(heartbeat_at=timezone.now())
    publish_progress(campaign_id=campaign_id)


def campaign_finish_if_done(*, campaign_id: int) -> bool:
    """ "Envoyée" once no recipient is left to send (a conditional UPDATE: finished once)."""
    left = Recipient.objects.filter(
        campaign_id=campaign_id,
        state__in=(Recipient.State.PENDING, Recipient.State.SENDING),
    ).exists()
    if left:
        return False
    done = Campaign.objects.filter(pk=campaign_id, state=Campaign.State.SENDING).update(
        state=Campaign.State.SENT, finished_at=timezone.now()
    )
    if done:
        publish_progress(campaign_id=campaign_id)
    return bool(done)


def campaigns_resume_stalled(*, stale: dt.timedelta = STALE_SENDING) -> list[int]:
    """Campaigns "en cours" that made no progress for `stale` (a worker died, its queued
    batches were lost): enqueue their remaining batches again. Rows are claimed, so a batch
    that still runs somewhere is never sent twice."""
    limit = timezone.now() - stale
    stalled = list(
        Campaign.objects.filter(state=Campaign.State.SENDING)
        .filter(Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lte=limit))
        .values_list("pk", flat=True)
    )
    for campaign_id in stalled:
        Campaign.objects.filter(pk=campaign_id).update(heartbeat_at=timezone.now())
        if not campaign_finish_if_done(campaign_id=campaign_id):
            enqueue_batches(campaign_id=campaign_id, stale_seconds=stale.total_seconds())
    return stalled
