"""SM-1 with a REAL Celery worker process against Redis (DB 11): the send is queued after
commit, the worker calls the Brevo emulator, which answers 500 once (an outage): the task is
retried and the SMS leaves exactly once, the message going queued -> sent."""

from __future__ import annotations

import time

import pytest
from django_tenants.utils import schema_context

from modules.sms import services
from modules.sms.models import QuotaMovement, SmsMessage
from tenants.services import module_grant
from tests.support.celery_worker import celery_worker_for
from tests.support.sms_providers import BrevoEmulator, start

REDIS_DB = 11


@pytest.fixture
def brevo():
    emulator = start(BrevoEmulator())
    yield emulator
    emulator.stop()


def test_worker_retries_an_outage_and_sends_once(transactional_db, make_structure, brevo):
    """SM-1: real worker, outage (500) then 200: retried, sent once, never lost."""
    structure, _owner = make_structure(name="Club SMS")
    module_grant(structure=structure, label="sms")
    with schema_context(structure.schema_name):
        services.quota_credit(amount=5, reason=QuotaMovement.Reason.GRANT)
        account = services.account_get()
        account.provider = "brevo"
        account.brevo_api_key = brevo.api_key
        account.sender = "ClubVoile"
        account.save()
    brevo.fail_next = 1
    with celery_worker_for(
        db=REDIS_DB, name="sms", extra_env={"SMS_BREVO_BASE_URL": brevo.base_url}
    ):
        with schema_context(structure.schema_name):
            report = services.sms_send(
                structure=structure,
                recipients=[services.Recipient(phone="0612345678")],
                body="Le stage commence à 9 h.",
                source=SmsMessage.Source.CUSTOMER,
            )
        message = report.messages[0]
        deadline = time.monotonic() + 40
        state = "queued"
        while time.monotonic() < deadline:
            with schema_context(structure.schema_name):
                state = SmsMessage.objects.values_list("state", flat=True).get(pk=message.pk)
            if state != "queued":
                break
            time.sleep(0.3)
        time.sleep(1)  # a duplicate delivery would show now
    with schema_context(structure.schema_name):
        message.refresh_from_db()
    assert (message.state, message.attempts) == ("sent", 2)
    assert len(brevo.requests) == 1
    assert brevo.requests[0]["json"]["content"] == "Le stage commence à 9 h."
