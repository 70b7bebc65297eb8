"""EM-1 sending: batches of recipients, each row claimed atomically before its email goes out.

The rule (docs/adr/0019-emarketing-campaign-delivery.md):

1. claim: `UPDATE … SET state='sending', claimed_at=now(), attempts=attempts+1,
   message_id=<deterministic> WHERE id=… AND (state='pending' OR (state='sending' AND
   claimed_at < now() - STALE_SENDING))` — one worker wins a row, nobody else sends it;
2. re-check the unsubscribe/consent of that address (an unsubscribe is honoured at once, even
   during a campaign that is already sending);
3. SMTP send with the recorded Message-ID (`<em.{campaign}.{recipient}@{domain}>`);
4. `state='sent'`, written with the next row's claim (one round trip per email), or `failed`
   with the SMTP server's reason for a permanent refusal; a temporary error or a lost
   connection gives the row back to `pending` and the task retries.

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
from dataclasses import dataclass
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from modules.emarketing import services
from modules.emarketing.events import publish_progress
from modules.emarketing.models import Campaign, Consent, Recipient, SmtpSettings, Unsubscribe
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


@dataclass(frozen=True)
class Claimed:
    email: str
    name: str
    customer_id: int | None
    consenting: bool


def _claim(
    recipient_id: int, *, mid: str, stale: dt.timedelta, sent_before: int | None = None
) -> Claimed | None:
    """One round trip per email:

    - the previous email of this worker (`sent_before`, accepted by the SMTP server) is marked
      sent;
    - this row goes pending → sending (or `sending` older than `stale`), its Message-ID
      recorded, by a conditional UPDATE: the row is this worker's, or left alone;
    - the address is checked again: no unsubscribe, and the customer's consent still given.
    """
    table = Recipient._meta.db_table
    unsubscribes = Unsubscribe._meta.db_table
    consents = Consent._meta.db_table
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH done AS (UPDATE \"{table}\" SET state = %s, sent_at = %s, error = '' "  # noqa: S608 - our tables
            "WHERE id = %s AND state = %s RETURNING id) "
            f'UPDATE "{table}" AS r SET state = %s, claimed_at = %s, attempts = r.attempts + 1, '
            "message_id = %s WHERE r.id = %s AND (r.state = %s OR (r.state = %s AND "
            "r.claimed_at < %s)) RETURNING r.email, r.name, r.customer_id, "
            f'NOT EXISTS (SELECT 1 FROM "{unsubscribes}" u WHERE u.email = lower(r.email)) '
            f'AND (r.customer_id IS NULL OR EXISTS (SELECT 1 FROM "{consents}" c '
            "WHERE c.customer_id = r.customer_id AND c.consented))",
            [
                Recipient.State.SENT,
                now,
                sent_before,
                Recipient.State.SENDING,
                Recipient.State.SENDING,
                now,
                mid,
                recipient_id,
                Recipient.State.PENDING,
                Recipient.State.SENDING,
                now - stale,
            ],
        )
        row = cursor.fetchone()
    return Claimed(*row) if row else None


def _mark_sent(recipient_id: int) -> None:
    Recipient.objects.filter(pk=recipient_id, state=Recipient.State.SENDING).update(
        state=Recipient.State.SENT, sent_at=timezone.now(), error=""
    )


UNSUBSCRIBE_MARK = "https://unsubscribe.invalid/MARK"


def smtp_settings() -> SmtpSettings | None:
    """The structure's own mail server (current schema), None when it has none."""
    found = SmtpSettings.objects.first()
    return found if found is not None and found.host else None


def smtp_connection(server: SmtpSettings | None = None):
    """An SMTP connection to the structure's own server when it has one, else the platform's."""
    server = server if server is not None else smtp_settings()
    if server is None:
        return get_connection(fail_silently=False)
    return get_connection(
        "django.core.mail.backends.smtp.EmailBackend",
        fail_silently=False,
        host=server.host,
        port=server.port,
        username=server.username or None,
        password=server.password or None,
        use_tls=server.security == SmtpSettings.Security.STARTTLS,
        use_ssl=server.security == SmtpSettings.Security.SSL,
        timeout=30,
    )


class Composer:
    """Builds a campaign's emails: the templates are rendered once per batch, with a mark where
    each address's unsubscribe link goes."""

    def __init__(self, *, campaign: Campaign, structure) -> None:
        self.campaign = campaign
        self.structure = structure
        domain = structure.get_primary_domain() if structure is not None else None
        self.domain = domain.domain if domain is not None else "ponton"
        self.site = structure_url(structure=structure, path="") if structure is not None else ""
        logo_url = ""
        if structure is not None and getattr(structure, "logo", None):
            logo_url = self.site + structure.logo.url
        context = {
            "campaign": campaign,
            "structure": structure,
            "logo_url": logo_url,
            "unsubscribe_url": UNSUBSCRIBE_MARK,
            "body_text": services.body_text(campaign.body_html),
        }
        self.text = render_to_string("emarketing/email/campaign.txt", context)
        self.html = render_to_string("emarketing/email/campaign.html", context)
        self.smtp = smtp_settings()
        from_address = settings.DEFAULT_FROM_EMAIL
        if "<" in from_address:
            from_address = from_address.split("<", 1)[1].rstrip(">")
        if self.smtp is not None and self.smtp.from_email:
            from_address = self.smtp.from_email
        sender = campaign.sender_name.replace('"', "").replace("\n", " ")
        self.from_email = f'"{sender}" <{from_address}>'
        self.reply_to = [structure.email] if structure is not None and structure.email else None

    def message_id(self, recipient_id: int) -> str:
        return f"<em.{self.campaign.pk}.{recipient_id}@{self.domain}>"

    def unsubscribe_url(self, email: str) -> str:
        token = services.unsubscribe_token(
            structure_id=self.structure.pk, campaign_id=self.campaign.pk, email=email
        )
        return self.site + reverse("emarketing_public:unsubscribe", args=[token])

    def message(
        self, *, to: str, name: str, mid: str, url: str | None = None
    ) -> EmailMultiAlternatives:
        """The campaign's email for one address: HTML and text, one-click unsubscribe headers
        (RFC 8058), the structure's logo and a visible unsubscribe link."""
        url = url or self.unsubscribe_url(to)
        headers = {
            "Message-ID": mid,
            "List-Unsubscribe": f"<{url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
        if self.structure is not None:
            headers[STRUCTURE_HEADER] = str(self.structure.pk)
        clean_name = name.replace('"', "").strip()
        message = EmailMultiAlternatives(
            subject=self.campaign.subject,
            body=self.text.replace(UNSUBSCRIBE_MARK, url),
            from_email=self.from_email,
            to=[f'"{clean_name}" <{to}>' if clean_name else to],
            headers=headers,
            reply_to=self.reply_to,
        )
        message.attach_alternative(self.html.replace(UNSUBSCRIBE_MARK, url), "text/html")
        return message

    # Fast path of the batches: the whole MIME message is built once, then each email is that
    # template with its address, Message-ID and unsubscribe link put in (the parts are 8-bit
    # UTF-8, so the marks stay intact; otherwise each email is built in full).
    TO_MARK = "destinataire@marque.invalid"
    MID_MARK = "<marque@marque.invalid>"

    def raw_template(self) -> bytes | None:
        if not hasattr(self, "_raw"):
            message = self.message(
                to=self.TO_MARK, name="", mid=self.MID_MARK, url=UNSUBSCRIBE_MARK
            )
            raw = message.message().as_bytes(linesep="\r\n")
            ok = (
                raw.count(b"To: " + self.TO_MARK.encode() + b"\r\n") == 1
                and raw.count(self.MID_MARK.encode()) == 1
                and raw.count(UNSUBSCRIBE_MARK.encode()) == 3
            )
            self._raw = raw if ok else None
        return self._raw

    def raw(self, *, to: str, name: str, mid: str) -> bytes | None:
        """The email for one address as bytes, from the template (None: no template)."""
        template = self.raw_template()
        if template is None or not to.isascii():  # an internationalised address: in full
            return None
        header = formataddr((name.replace('"', "").strip(), to), charset="utf-8")
        return (
            template.replace(
                b"To: " + self.TO_MARK.encode() + b"\r\n", f"To: {header}\r\n".encode()
            )
            .replace(self.MID_MARK.encode(), mid.encode())
            .replace(UNSUBSCRIBE_MARK.encode(), self.unsubscribe_url(to).encode())
        )

    @property
    def envelope_from(self) -> str:
        return parseaddr(self.from_email)[1]


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
    composer = Composer(campaign=campaign, structure=structure)
    smtp = smtp_connection(composer.smtp)
    sent = 0
    started = time.monotonic()
    last_progress = started
    sent_before: int | None = None  # accepted by the server, recorded with the next claim
    try:
        smtp.open()
        for rid in ids:
            mid = composer.message_id(rid)
            claimed = _claim(rid, mid=mid, stale=stale, sent_before=sent_before)
            sent_before = None
            if claimed is None:
                continue  # sent or being sent by someone else
            if not claimed.consenting:
                Recipient.objects.filter(pk=rid).update(state=Recipient.State.UNSUBSCRIBED)
                continue
            if interval:  # throttling: a kill while waiting leaves a row that was not sent
                wait = started + sent * interval - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
            raw = composer.raw(to=claimed.email, name=claimed.name, mid=mid)
            try:
                session = getattr(smtp, "connection", None)  # smtplib.SMTP of the SMTP backend
                if raw is not None and session is not None:
                    session.sendmail(composer.envelope_from, [claimed.email], raw)
                else:
                    message = composer.message(to=claimed.email, name=claimed.name, mid=mid)
                    message.connection = smtp
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
            sent_before = rid
            sent += 1
            if time.monotonic() - last_progress >= PROGRESS_EVERY:
                last_progress = time.monotonic()
                _mark_sent(rid)
                sent_before = None
                _heartbeat(campaign_id)
    finally:
        if sent_before is not None:
            _mark_sent(sent_before)
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
