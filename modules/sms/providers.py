"""SM-1 providers: one small adapter interface, three implementations.

- `LocalProvider` (embedded default, no provider configured): the SMS is kept on the local
  outbox page (/outbox/ and Paramètres > Emails envoyés), like the emails.
- `OvhProvider`: OVHcloud SMS API, `POST /sms/{serviceName}/jobs` with the `ovh` client
  (application key / secret + consumer key, signed requests).
- `BrevoProvider`: Brevo transactional SMS, `POST /v3/transactionalSMS/sms` with the
  `brevo-python` SDK (`api-key` header).

`send` returns the provider's message id, or raises `ProviderUnavailableError` (outage, 5xx,
timeout: the message stays "en attente" and the task retries) or `ProviderRefusedError` (the
provider said no for good: bad number, bad credentials; the message fails and its SMS are
given back). The base URLs can be pointed elsewhere with the SMS_OVH_BASE_URL and
SMS_BREVO_BASE_URL settings (the tests' loopback emulators, tests/support/sms_providers.py)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings

from modules.sms.models import SmsAccount, SmsMessage


def _base_url(name: str) -> str:
    """A provider's API elsewhere than its public host: the setting, else the environment
    variable of the same name (a test's worker process gets the loopback emulator's)."""
    return getattr(settings, name, "") or os.environ.get(name, "")


class ProviderUnavailableError(Exception):
    """Try again later."""


class ProviderRefusedError(Exception):
    """Never try again."""


@dataclass(frozen=True, slots=True)
class SendResult:
    provider_id: str
    delivered: bool = False  # the local provider delivers at once


class SmsProvider(Protocol):
    name: str

    def send(self, *, message: SmsMessage, callback_url: str) -> SendResult: ...


class LocalProvider:
    name = "local"

    def __init__(self, *, structure_id: int | None):
        self.structure_id = structure_id

    def send(self, *, message: SmsMessage, callback_url: str) -> SendResult:
        from django_tenants.utils import schema_context

        from ponton.web.models import OutboxEmail

        with schema_context("public"):
            row = OutboxEmail.objects.create(
                structure_id=self.structure_id,
                to=message.to,
                subject=f"SMS de {message.sender or 'Ponton'} ({message.segments} SMS)",
                body=message.body,
            )
        return SendResult(provider_id=f"local-{row.pk}", delivered=True)


class OvhProvider:
    name = "ovh"

    def __init__(self, account: SmsAccount):
        self.account = account

    def _client(self):
        import ovh

        client = ovh.Client(
            endpoint=self.account.ovh_endpoint or "ovh-eu",
            application_key=self.account.ovh_application_key,
            application_secret=self.account.ovh_application_secret,
            consumer_key=self.account.ovh_consumer_key,
            timeout=(5, 15),
        )
        base = _base_url("SMS_OVH_BASE_URL")
        if base:
            # The client only knows OVHcloud's regions; the tests' emulator is on loopback.
            client._endpoint = base.rstrip("/")
        return client

    def send(self, *, message: SmsMessage, callback_url: str) -> SendResult:
        import ovh.exceptions as ovh_errors
        import requests

        data = {
            "message": message.body,
            "receivers": [message.to],
            "sender": message.sender,
            "senderForResponse": not message.sender,
            "noStopClause": message.kind != SmsMessage.Kind.PROMOTIONAL,
            "coding": "7bit" if message.encoding == "gsm" else "8bit",
            "charset": "UTF-8",
            "priority": "high",
            "tag": message.idempotency_key.hex,
        }
        try:
            answer = self._client().post(f"/sms/{self.account.ovh_service_name}/jobs", **data)
        except (
            ovh_errors.BadParametersError,
            ovh_errors.InvalidKey,
            ovh_errors.InvalidCredential,
            ovh_errors.NotCredential,
            ovh_errors.NotGrantedCall,
            ovh_errors.Forbidden,
            ovh_errors.ResourceNotFoundError,
        ) as exc:
            raise ProviderRefusedError(f"OVHcloud : {exc}") from exc
        except (ovh_errors.APIError, requests.RequestException) as exc:
            raise ProviderUnavailableError(f"OVHcloud : {exc}") from exc
        ids = answer.get("ids") or []
        if not ids:
            invalid = ", ".join(answer.get("invalidReceivers") or [])
            raise ProviderRefusedError(f"OVHcloud : numéro refusé {invalid}".strip())
        return SendResult(provider_id=str(ids[0]))


class BrevoProvider:
    name = "brevo"

    def __init__(self, account: SmsAccount):
        self.account = account

    def send(self, *, message: SmsMessage, callback_url: str) -> SendResult:
        import httpx
        from brevo import Brevo
        from brevo.core.api_error import ApiError

        client = Brevo(
            api_key=self.account.brevo_api_key,
            base_url=_base_url("SMS_BREVO_BASE_URL") or None,
            timeout=15.0,
            max_retries=0,  # our task retries; the SDK must not send twice on its own
        )
        try:
            answer = client.transactional_sms.send_transac_sms(
                recipient=message.to.lstrip("+"),
                sender=message.sender or "Ponton",
                content=message.body,
                type=(
                    "marketing" if message.kind == SmsMessage.Kind.PROMOTIONAL else "transactional"
                ),
                unicode_enabled=message.encoding == "ucs2",
                web_url=callback_url,
                tag=message.idempotency_key.hex,
            )
        except ApiError as exc:
            if exc.status_code is not None and (exc.status_code >= 500 or exc.status_code == 429):
                raise ProviderUnavailableError(f"Brevo : {exc.status_code}") from exc
            raise ProviderRefusedError(f"Brevo : {exc.status_code} {exc.body}") from exc
        except httpx.HTTPError as exc:
            raise ProviderUnavailableError(f"Brevo : {exc}") from exc
        return SendResult(provider_id=str(answer.message_id))


def provider_for(account: SmsAccount, *, structure_id: int | None) -> SmsProvider:
    if account.provider == SmsAccount.Provider.OVH:
        return OvhProvider(account)
    if account.provider == SmsAccount.Provider.BREVO:
        return BrevoProvider(account)
    return LocalProvider(structure_id=structure_id)
