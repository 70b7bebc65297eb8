"""SM-1 providers: the REAL OVHcloud (`ovh`) and Brevo (`brevo-python`) adapters against our
loopback emulators of their documented APIs (tests/support/sms_providers.py), requests
checked field by field; keys sealed in the database; an outage leaves the message "en
attente" and a later attempt sends it once; a refusal fails it and gives its SMS back."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from modules.sms import services
from modules.sms.models import SmsAccount, SmsMessage
from modules.sms.providers import ProviderUnavailableError
from tests.support.sms_providers import BrevoEmulator, OvhEmulator, start


@pytest.fixture
def ovh(settings):
    emulator = start(OvhEmulator())
    settings.SMS_OVH_BASE_URL = emulator.base_url
    yield emulator
    emulator.stop()


@pytest.fixture
def brevo(settings):
    emulator = start(BrevoEmulator())
    settings.SMS_BREVO_BASE_URL = emulator.base_url
    yield emulator
    emulator.stop()


def _configure(structure, **fields) -> SmsAccount:
    with schema_context(structure.schema_name):
        account = services.account_get()
        for name, value in fields.items():
            setattr(account, name, value)
        account.sender = "ClubVoile"
        account.save()
        return account


def _send(structure, body: str = "Séance maintenue demain 9h30.", promotional: bool = False):
    with schema_context(structure.schema_name):
        if promotional:
            services.consent_record(phone="0612345678", source="test")
        report = services.sms_send(
            structure=structure,
            recipients=[services.Recipient(phone="06 12 34 56 78")],
            body=body,
            source=SmsMessage.Source.CUSTOMER,
            promotional=promotional,
            now=dt.datetime(2026, 12, 7, 10, 0, tzinfo=ZoneInfo("Europe/Paris")),  # a Monday
        )
        return report.messages[0]


def test_ovh_adapter_signs_and_posts_the_job(sms_club, ovh, django_capture_on_commit_callbacks):
    """SM-1: OVHcloud POST /sms/{serviceName}/jobs, signed (X-Ovh-Application, -Timestamp,
    -Signature, -Consumer), body checked field by field; the message is "Envoyé" with
    OVHcloud's id; the secrets are sealed in the database."""
    structure, _owner = sms_club
    _configure(
        structure,
        provider="ovh",
        ovh_service_name=ovh.service_name,
        ovh_application_key=ovh.application_key,
        ovh_application_secret=ovh.application_secret,
        ovh_consumer_key=ovh.consumer_key,
    )
    with django_capture_on_commit_callbacks(execute=True):
        message = _send(structure, body="Sortie annulée : vent trop fort.")
    [request] = ovh.requests
    headers, body = request["headers"], request["json"]
    assert headers["X-Ovh-Application"] == "ak-test"
    assert headers["X-Ovh-Consumer"] == "ck-test"
    assert headers["X-Ovh-Signature"].startswith("$1$") and len(headers["X-Ovh-Signature"]) == 43
    assert body == {
        "message": "Sortie annulée : vent trop fort.",
        "receivers": ["+33612345678"],
        "sender": "ClubVoile",
        "senderForResponse": False,
        "noStopClause": True,
        "coding": "7bit",
        "charset": "UTF-8",
        "priority": "high",
        "tag": message.idempotency_key.hex,
    }
    with schema_context(structure.schema_name):
        message.refresh_from_db()
        assert (message.state, message.provider) == ("sent", "ovh")
        assert message.provider_id.isdigit()
    with connection.cursor() as cursor:
        table = f'"{structure.schema_name}".sms_smsaccount'
        cursor.execute(f"SELECT ovh_application_secret, ovh_consumer_key FROM {table}")  # noqa: S608
        secret, consumer = cursor.fetchone()
    assert secret.startswith("sealed:") and "as-test" not in secret
    assert consumer.startswith("sealed:") and "ck-test" not in consumer
    assert ovh.refused == []


def test_brevo_adapter_posts_transactional_sms(sms_club, brevo, django_capture_on_commit_callbacks):
    """SM-1: Brevo POST /v3/transactionalSMS/sms with the api-key header and its JSON body;
    a promotional SMS is type "marketing" and carries the STOP mention; UCS-2 text is unicode."""
    structure, _owner = sms_club
    _configure(structure, provider="brevo", brevo_api_key=brevo.api_key)
    with django_capture_on_commit_callbacks(execute=True):
        message = _send(structure, body="Soirée crêpes samedi !", promotional=True)
    [request] = brevo.requests
    assert request["headers"]["api-key"] == "xkeysib-test"
    callback = request["json"].pop("webUrl")
    with schema_context(structure.schema_name):
        token = SmsAccount.objects.get().callback_token
    assert callback.endswith(f"/sms/rappel/{token}/brevo/")
    assert request["json"] == {
        "recipient": "33612345678",
        "sender": "ClubVoile",
        "content": "Soirée crêpes samedi !\nSTOP au 36111",
        "type": "marketing",
        "unicodeEnabled": True,
        "tag": message.idempotency_key.hex,
    }
    with schema_context(structure.schema_name):
        message.refresh_from_db()
        assert (message.state, message.provider, message.encoding) == ("sent", "brevo", "ucs2")


def test_outage_leaves_the_message_waiting_then_it_is_sent_once(sms_club, brevo):
    """SM-1: the provider answers 500: the message stays "en attente" (never lost); the next
    attempt sends it; a third attempt (a duplicate task) sends nothing more."""
    structure, _owner = sms_club
    _configure(structure, provider="brevo", brevo_api_key=brevo.api_key)
    message = _send(structure)  # not delivered yet: no on_commit run
    brevo.fail_next = 1
    with schema_context(structure.schema_name):
        with pytest.raises(ProviderUnavailableError):
            services.message_deliver(structure=structure, message_id=message.pk)
        message.refresh_from_db()
        assert (message.state, message.attempts) == ("queued", 1)
        assert "500" in message.error
        services.message_deliver(structure=structure, message_id=message.pk)
        services.message_deliver(structure=structure, message_id=message.pk)
        message.refresh_from_db()
        assert (message.state, message.attempts) == ("sent", 2)
        assert SmsAccount.objects.get().balance == 19
    assert len(brevo.requests) == 1


def test_refused_by_the_provider_fails_and_gives_the_sms_back(sms_club, brevo):
    """SM-1: bad credentials: the message is "Échec" and its SMS return to the quota."""
    structure, _owner = sms_club
    _configure(structure, provider="brevo", brevo_api_key="wrong-key")
    message = _send(structure)
    with schema_context(structure.schema_name):
        services.message_deliver(structure=structure, message_id=message.pk)
        message.refresh_from_db()
        assert message.state == "failed" and "401" in message.error
        assert SmsAccount.objects.get().balance == 20
    assert brevo.requests == []
