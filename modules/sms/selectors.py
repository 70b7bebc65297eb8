"""SM-1 reads: balance, history, consent of a number."""

from __future__ import annotations

from django.db.models import QuerySet

from modules.sms.models import QuotaMovement, SmsConsent, SmsMessage
from modules.sms.phones import InvalidMobileError, mobile_e164


def messages_recent(*, limit: int = 100) -> QuerySet[SmsMessage]:
    return SmsMessage.objects.select_related("customer").order_by("-created_at", "-id")[:limit]


def movements_recent(*, limit: int = 50) -> QuerySet[QuotaMovement]:
    return QuotaMovement.objects.order_by("-created_at", "-id")[:limit]


def consent_of(*, phone: str) -> SmsConsent | None:
    try:
        e164 = mobile_e164(phone)
    except InvalidMobileError:
        return None
    return SmsConsent.objects.filter(phone=e164).first()
