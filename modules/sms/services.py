"""SM-1 writes: the quota (atomic), sending (validation, consent, hours, then a task after
commit), delivery (one provider call per message, never twice), receipts and STOP replies."""

from __future__ import annotations

import datetime as dt
import functools
import logging
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from modules.sms.models import QuotaMovement, SmsAccount, SmsConsent, SmsMessage
from modules.sms.phones import InvalidMobileError, mobile_display, mobile_e164
from modules.sms.providers import ProviderRefusedError, ProviderUnavailableError, provider_for
from modules.sms.segments import MAX_SEGMENTS, count_segments
from modules.sms.window import next_allowed

logger = logging.getLogger("ponton.sms")


class SmsError(Exception):
    """A refusal, in French, for the person who asked."""


@dataclass(frozen=True, slots=True)
class Recipient:
    phone: str  # as typed on the customer card
    name: str = ""
    customer_id: int | None = None


@dataclass
class SendReport:
    messages: list[SmsMessage] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # one French line per recipient left out
    waits_until: dt.datetime | None = None  # promotional SMS held until the allowed hours
    balance: int = 0


def message_key(key: str) -> uuid.UUID:
    """The message's idempotency key for a caller's key (a task id): the same key, the same
    message, whatever the number of runs."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"ponton:sms:{key}")


# --- the account and its quota ----------------------------------------------------------------


def account_get() -> SmsAccount:
    account = SmsAccount.objects.order_by("pk").first()
    if account is None:
        account, _created = SmsAccount.objects.get_or_create(pk=1)
    return account


@transaction.atomic
def quota_credit(*, amount: int, reason: str = QuotaMovement.Reason.TOPUP, by: str = "") -> int:
    """Add `amount` SMS to the balance (grant or top-up by the platform); the new balance."""
    if amount <= 0:
        raise SmsError(_("Le nombre de SMS à créditer doit être positif."))
    account = account_get()
    SmsAccount.objects.filter(pk=account.pk).update(balance=F("balance") + amount)
    balance = SmsAccount.objects.values_list("balance", flat=True).get(pk=account.pk)
    QuotaMovement.objects.create(delta=amount, balance_after=balance, reason=reason, by=by)
    return balance


def _quota_take(*, account: SmsAccount, amount: int) -> int | None:
    """Take `amount` SMS in one conditional UPDATE (parallel sends never overdraw): the new
    balance, or None when the balance is short (nothing taken)."""
    taken = SmsAccount.objects.filter(pk=account.pk, balance__gte=amount).update(
        balance=F("balance") - amount
    )
    if not taken:
        return None
    return SmsAccount.objects.values_list("balance", flat=True).get(pk=account.pk)


def _quota_give_back(*, message: SmsMessage) -> None:
    account = account_get()
    SmsAccount.objects.filter(pk=account.pk).update(balance=F("balance") + message.segments)
    balance = SmsAccount.objects.values_list("balance", flat=True).get(pk=account.pk)
    QuotaMovement.objects.create(
        delta=message.segments,
        balance_after=balance,
        reason=QuotaMovement.Reason.REFUND,
        message=message,
    )


# --- consent --------------------------------------------------------------------------------


def consent_record(*, phone: str, source: str, customer_id: int | None = None) -> SmsConsent:
    e164 = mobile_e164(phone)
    consent, _created = SmsConsent.objects.update_or_create(
        phone=e164,
        defaults={
            "customer_id": customer_id,
            "consented_at": timezone.now(),
            "consent_source": source[:100],
            "opted_out_at": None,
            "opt_out_source": "",
        },
    )
    return consent


def consent_opt_out(*, phone: str, source: str, customer_id: int | None = None) -> SmsConsent:
    e164 = mobile_e164(phone)
    consent, created = SmsConsent.objects.get_or_create(
        phone=e164, defaults={"customer_id": customer_id}
    )
    if consent.opted_out_at is None:
        consent.opted_out_at = timezone.now()
        consent.opt_out_source = source[:100]
        consent.save(update_fields=["opted_out_at", "opt_out_source"])
    return consent


# --- sending --------------------------------------------------------------------------------


def message_text(*, body: str, promotional: bool, account: SmsAccount) -> str:
    """The text that leaves: line ends as the phone shows them, the opt-out mention added to a
    promotional SMS; refused when empty or longer than MAX_SEGMENTS SMS."""
    text = (body or "").replace("\r\n", "\n").strip()
    if not text:
        raise SmsError(_("Le message est vide."))
    if promotional and account.stop_mention.lower() not in text.lower():
        text = f"{text}\n{account.stop_mention}"
    count = count_segments(text)
    if count.segments > MAX_SEGMENTS:
        raise SmsError(
            _("Le message est trop long : %(segments)s SMS, %(max)s au plus.")
            % {"segments": count.segments, "max": MAX_SEGMENTS}
        )
    return text


def sms_send(
    *,
    structure,
    recipients: list[Recipient],
    body: str,
    source: str,
    by: str = "",
    promotional: bool = False,
    now: dt.datetime | None = None,
    key: str = "",
) -> SendReport:
    """Send one SMS to each recipient: mobiles only, promotional SMS only to those who
    consented and did not opt out, the quota taken at once for all of them (or nothing is
    sent), then one delivery task per message after commit.

    `key` (one recipient only; a task's id): a second send with the same key takes no quota
    and makes no message; the report holds the first one (the message row's unique
    idempotency key settles two runs at once)."""
    send = functools.partial(
        _sms_send,
        structure=structure,
        recipients=recipients,
        body=body,
        source=source,
        by=by,
        promotional=promotional,
        now=now,
    )
    if not key:
        return send()
    if len(recipients) != 1:
        raise ValueError("a keyed send has one recipient")
    earlier = SmsMessage.objects.filter(idempotency_key=message_key(key)).first()
    if earlier is not None:
        return SendReport(messages=[earlier])
    try:
        return send(key=key)
    except IntegrityError:  # the same key's other run committed first
        return SendReport(messages=[SmsMessage.objects.get(idempotency_key=message_key(key))])


def _sms_send(
    *,
    structure,
    recipients: list[Recipient],
    body: str,
    source: str,
    by: str,
    promotional: bool,
    now: dt.datetime | None,
    key: str = "",
) -> SendReport:
    account = account_get()
    text = message_text(body=body, promotional=promotional, account=account)
    count = count_segments(text)
    report = SendReport()
    chosen: dict[str, Recipient] = {}
    for recipient in recipients:
        label = recipient.name or recipient.phone
        try:
            e164 = mobile_e164(recipient.phone)
        except InvalidMobileError as exc:
            report.refused.append(f"{label} : {exc}" if recipient.name else str(exc))
            continue
        chosen.setdefault(e164, recipient)
    if promotional and chosen:
        consents = {c.phone: c for c in SmsConsent.objects.filter(phone__in=list(chosen))}
        for e164 in list(chosen):
            consent = consents.get(e164)
            label = chosen[e164].name or mobile_display(e164)
            if consent is not None and consent.opted_out_at is not None:
                report.refused.append(
                    _(
                        "%(name)s s'est désinscrit des SMS promotionnels (STOP) : rien ne "
                        "lui est envoyé."
                    )
                    % {"name": label}
                )
                del chosen[e164]
            elif consent is None or consent.consented_at is None:
                report.refused.append(
                    _("%(name)s n'a pas consenti aux SMS promotionnels : rien ne lui est envoyé.")
                    % {"name": label}
                )
                del chosen[e164]
    if not chosen:
        raise SmsError(" ".join(report.refused) or _("Aucun destinataire."))
    moment = now or timezone.now()
    not_before = None
    if promotional:
        allowed = next_allowed(moment, sundays_and_holidays=account.marketing_on_days_off)
        if allowed > moment:
            not_before = report.waits_until = allowed
    needed = count.segments * len(chosen)
    with transaction.atomic():
        balance = _quota_take(account=account, amount=needed)
        if balance is None:
            left = SmsAccount.objects.values_list("balance", flat=True).get(pk=account.pk)
            raise SmsError(
                _(
                    "Quota de SMS insuffisant : cet envoi demande %(needed)s SMS, il vous en "
                    "reste %(left)s. Rien n'a été envoyé."
                )
                % {"needed": needed, "left": left}
            )
        for e164, recipient in chosen.items():
            message = SmsMessage.objects.create(
                to=e164,
                customer_id=recipient.customer_id,
                body=text,
                encoding=count.encoding,
                segments=count.segments,
                kind=SmsMessage.Kind.PROMOTIONAL if promotional else SmsMessage.Kind.TRANSACTIONAL,
                source=source,
                sender=account.sender,
                not_before=not_before,
                created_by=by,
                **({"idempotency_key": message_key(key)} if key else {}),
            )
            report.messages.append(message)
        running = balance + needed  # the balance after each message, in order
        for message in report.messages:
            running -= message.segments
            QuotaMovement.objects.create(
                delta=-message.segments,
                balance_after=running,
                reason=QuotaMovement.Reason.SEND,
                by=by,
                message=message,
            )
        report.balance = balance
        _deliver_after_commit(structure=structure, messages=report.messages)
    return report


def refusal_record(
    *, to: str, body: str, source: str, reason: str, by: str = "", key: str = ""
) -> SmsMessage:
    """Keep a refused send in the history ("Échec" with the reason) when nobody saw the
    refusal on a page (Click & Pay by SMS runs in a background task): nothing is sent and no
    SMS is taken. With `key`, one record per key."""
    count = count_segments((body or "").replace("\r\n", "\n").strip())
    values = {
        "to": to[:20],
        "body": body,
        "encoding": count.encoding,
        "segments": count.segments,
        "source": source,
        "state": SmsMessage.State.FAILED,
        "error": reason[:1000],
        "created_by": by,
    }
    if key:
        message, _created = SmsMessage.objects.get_or_create(
            idempotency_key=message_key(key), defaults=values
        )
        return message
    return SmsMessage.objects.create(**values)


def _deliver_after_commit(*, structure, messages: list[SmsMessage]) -> None:
    schema_name = structure.schema_name
    items = [(m.pk, m.not_before) for m in messages]

    def _enqueue() -> None:
        from modules.sms.tasks import sms_deliver_task
        from ponton.config.celery import BROKER_ERRORS

        # The broker holds a message with an ETA unacknowledged, and Redis hands it again each
        # visibility timeout (ADR 0027): a wait longer than that is left to the periodic
        # sms_send_due_task (every minute), like every wait when tasks run in-process.
        horizon = timezone.now() + dt.timedelta(seconds=settings.TASK_VISIBILITY_TIMEOUT)
        for pk, not_before in items:
            if not_before is not None and (
                settings.CELERY_TASK_ALWAYS_EAGER or not_before > horizon
            ):
                continue
            try:
                sms_deliver_task.apply_async(
                    kwargs={"schema_name": schema_name, "message_id": pk}, eta=not_before
                )
            except BROKER_ERRORS as exc:
                # The broker is down (a task without a wait then runs in this process,
                # ponton.config.celery): the message stays "en attente" for the sweep.
                logger.warning("SMS %s laissé à la tâche périodique : %s", pk, exc)

    transaction.on_commit(_enqueue)


def callback_url(*, structure, account: SmsAccount, provider: str) -> str:
    from django.urls import reverse

    from tenants.selectors import structure_url

    path = reverse(
        "sms_site:callback",
        kwargs={"token": account.callback_token, "provider": provider},
        urlconf=settings.ROOT_URLCONF,
    )
    return structure_url(structure=structure, path=path)


def message_deliver(*, structure, message_id: int, now: dt.datetime | None = None) -> SmsMessage:
    """Hand one message to the structure's provider, once: the row is locked and only a
    message still "en attente" leaves, so a task delivered twice sends once. An outage
    leaves it "en attente" and raises ProviderUnavailableError (the task retries); a refusal fails
    it for good and gives its SMS back."""
    outage: ProviderUnavailableError | None = None
    with transaction.atomic():
        message = SmsMessage.objects.select_for_update().get(pk=message_id)
        moment = now or timezone.now()
        if message.state != SmsMessage.State.QUEUED:
            return message
        if message.not_before is not None and message.not_before > moment:
            return message
        account = account_get()
        provider = provider_for(account, structure_id=structure.pk)
        message.attempts += 1
        message.provider = provider.name
        try:
            result = provider.send(
                message=message,
                callback_url=callback_url(
                    structure=structure, account=account, provider=provider.name
                ),
            )
        except ProviderUnavailableError as exc:
            message.error = str(exc)[:1000]
            message.save(update_fields=["attempts", "provider", "error"])
            outage = exc
        except ProviderRefusedError as exc:
            message.error = str(exc)[:1000]
            message.state = SmsMessage.State.FAILED
            message.save(update_fields=["attempts", "provider", "error", "state"])
            _quota_give_back(message=message)
        else:
            message.provider_id = result.provider_id
            message.state = (
                SmsMessage.State.DELIVERED if result.delivered else SmsMessage.State.SENT
            )
            message.sent_at = moment
            message.delivered_at = moment if result.delivered else None
            message.error = ""
            message.save(
                update_fields=[
                    "attempts",
                    "provider",
                    "provider_id",
                    "state",
                    "sent_at",
                    "delivered_at",
                    "error",
                ]
            )
    if outage is not None:
        raise outage
    return message


# --- receipts and replies (the provider's callback) ------------------------------------------

FINAL = {SmsMessage.State.DELIVERED, SmsMessage.State.FAILED}


def delivery_receipt(*, provider: str, provider_id: str, state: str, error: str = "") -> bool:
    """Record a delivery receipt; idempotent (a final state never changes, a repeated receipt
    changes nothing). False when no message of this structure has that id."""
    with transaction.atomic():
        message = (
            SmsMessage.objects.select_for_update()
            .filter(provider=provider, provider_id=provider_id)
            .first()
        )
        if message is None:
            return False
        if message.state in FINAL or state == message.state:
            return True
        if state == SmsMessage.State.SENT and message.state != SmsMessage.State.QUEUED:
            return True
        message.state = state
        fields = ["state"]
        if state == SmsMessage.State.DELIVERED:
            message.delivered_at = timezone.now()
            fields.append("delivered_at")
        if state == SmsMessage.State.FAILED:
            message.error = error[:1000]
            fields.append("error")
        message.save(update_fields=fields)
    return True


def reply_received(*, phone: str, text: str) -> bool:
    """A reply from a customer: "STOP" records the opt-out of promotional SMS. True when it
    was an opt-out."""
    if not text.strip().upper().startswith("STOP"):
        return False
    try:
        consent_opt_out(phone=phone, source=_("Réponse STOP par SMS"))
    except InvalidMobileError:
        return False
    return True
