"""EM-1 with the real parts: a real Celery worker process (Redis broker), the real SMTP server.

A worker SIGKILLed in the middle of a campaign: a new worker and the resume check finish it,
every recipient gets the campaign exactly once, nobody is skipped. An unsubscribe made while
the campaign is sending is honoured for the emails not yet sent."""

from __future__ import annotations

import collections
import time

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from modules.emarketing.models import Campaign, Consent, Recipient
from modules.emarketing.services import CampaignData, campaign_save, campaign_send_now
from modules.emarketing.tasks import tick_task
from ponton.customers.models import Customer
from tenants.services import module_grant
from tests.support.celery_worker import celery_worker_for

pytestmark = pytest.mark.django_db(transaction=True)


def _customers(n: int) -> list[str]:
    now = timezone.now()
    customers = Customer.objects.bulk_create(
        Customer(first_name=f"Client{i:03d}", last_name="Test", email=f"c{i:03d}@client.test")
        for i in range(n)
    )
    Consent.objects.bulk_create(
        Consent(customer=c, consented=True, source=Consent.Source.IMPORT, changed_at=now)
        for c in customers
    )
    return [c.email for c in customers]


def _campaign() -> Campaign:
    campaign = campaign_save(
        data=CampaignData(
            name="Régate d'automne",
            sender_name="Club",
            subject="Inscriptions ouvertes",
            body="<p>Venez naviguer !</p>",
            audience="rules",
            audience_rules={"combine": "and", "rules": [{"type": "has_email"}]},
        )
    )
    return campaign_send_now(campaign=campaign)


def _wait(predicate, timeout: float = 60.0, step: float = 0.005):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError("timed out")


def _sent_count(schema_name: str, campaign_id: int) -> int:
    with schema_context(schema_name):
        return Recipient.objects.filter(campaign_id=campaign_id, state="sent").count()


@pytest.fixture
def em_structure_tx(make_structure):
    structure, owner = make_structure(name="Société des régates")
    module_grant(structure=structure, label="emarketing")
    return structure


def _worker(smtp_server, *, rate: str, batch: str):
    return celery_worker_for(
        name="emarketing",
        extra_env={
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp_server.port),
            "EMARKETING_RATE_PER_SECOND": rate,
            "EMARKETING_BATCH_SIZE": batch,
        },
    )


def test_a_worker_killed_mid_campaign_resumes_nobody_twice_nobody_skipped(
    em_structure_tx, smtp_server
):
    """EM-1: SIGKILL of the real worker during a campaign of 120 (batches of 25, 40 emails/s);
    a new worker plus the resume check (`emarketing.tick`) finish it; the SMTP server received
    each of the 120 addresses exactly once, every row is "sent"."""
    structure = em_structure_tx
    schema = structure.schema_name
    with schema_context(schema):
        emails = _customers(120)
    with _worker(smtp_server, rate="40", batch="25") as worker:
        with schema_context(schema):
            campaign = _campaign()
        # Kill once 30 emails are sent and recorded: a batch is half done, others wait.
        _wait(lambda: _sent_count(schema, campaign.pk) >= 30)
        worker.kill()
        received_at_kill = len(smtp_server.messages)
        with schema_context(schema):
            campaign.refresh_from_db()
            assert campaign.state == Campaign.State.SENDING
            left = Recipient.objects.filter(campaign=campaign).exclude(state="sent").count()
        assert 0 < received_at_kill < 120 and left > 0

        worker.start()
        tick_task.delay(stale_seconds=0)  # what beat's periodic check does after a crash

        def finished():
            with schema_context(schema):
                return Campaign.objects.get(pk=campaign.pk).state == Campaign.State.SENT

        _wait(finished, timeout=90, step=0.1)
    time.sleep(0.3)  # nothing more arrives after the end
    per_address = collections.Counter(m["X-Rcpt-To"] for m in smtp_server.messages)
    assert sorted(per_address) == sorted(emails)  # nobody skipped
    assert set(per_address.values()) == {1}  # nobody twice
    with schema_context(schema):
        states = collections.Counter(
            Recipient.objects.filter(campaign=campaign).values_list("state", flat=True)
        )
    assert states == {"sent": 120}


def test_unsubscribe_during_a_campaign_is_honoured_at_once(em_structure_tx, smtp_server):
    """EM-1: the batch task re-checks each address just before its email: an address that
    unsubscribes while the campaign is sending gets nothing more; the results say so."""
    from modules.emarketing.services import UnsubscribeRequest, unsubscribe

    structure = em_structure_tx
    schema = structure.schema_name
    with schema_context(schema):
        emails = _customers(40)
    with _worker(smtp_server, rate="20", batch="10"):
        with schema_context(schema):
            campaign = _campaign()
        _wait(lambda: _sent_count(schema, campaign.pk) >= 3)
        with schema_context(schema):
            unsubscribe(request=UnsubscribeRequest(campaign_id=campaign.pk, email=emails[-1]))

        def finished():
            with schema_context(schema):
                return Campaign.objects.get(pk=campaign.pk).state == Campaign.State.SENT

        _wait(finished, timeout=60, step=0.1)
    received = sorted(m["X-Rcpt-To"] for m in smtp_server.messages)
    assert received == sorted(emails[:-1])
    with schema_context(schema):
        assert Recipient.objects.get(campaign=campaign, email=emails[-1]).state == "unsubscribed"


def test_the_in_doubt_row_is_sent_again_with_the_same_message_id(em_structure_tx, smtp_server):
    """EM-1, the documented rule for a row left "sending" (ADR 0019): the worker is killed
    while it waits for the server's answer to the 10th email, which the server did accept.
    That row is sent again after the resume, with the SAME Message-ID (at-least-once for the
    one row in doubt; mail systems show one message per Message-ID); every other address gets
    exactly one email, nobody is skipped."""
    structure = em_structure_tx
    schema = structure.schema_name
    with schema_context(schema):
        emails = _customers(30)
    collector = smtp_server._collector
    original = collector.handle_DATA
    holder: dict = {}

    async def handle_data(server, session, envelope):
        answer = await original(server, session, envelope)
        if len(collector.messages) == 10 and "worker" in holder:
            holder.pop("worker").kill()  # the 250 never reaches the worker
            holder["killed"] = envelope.rcpt_tos[0]
        return answer

    collector.handle_DATA = handle_data
    with _worker(smtp_server, rate="50", batch="10") as worker:
        holder["worker"] = worker
        with schema_context(schema):
            campaign = _campaign()
        _wait(lambda: "killed" in holder, timeout=60, step=0.05)
        with schema_context(schema):
            in_doubt = Recipient.objects.get(campaign=campaign, email=holder["killed"])
        assert in_doubt.state == "sending" and in_doubt.message_id

        worker.start()
        tick_task.delay(stale_seconds=0)

        def finished():
            with schema_context(schema):
                return Campaign.objects.get(pk=campaign.pk).state == Campaign.State.SENT

        _wait(finished, timeout=60, step=0.1)
    time.sleep(0.3)
    by_address = collections.defaultdict(list)
    for message in smtp_server.messages:
        by_address[message["X-Rcpt-To"]].append(message["Message-ID"])
    assert sorted(by_address) == sorted(emails)
    assert by_address[holder["killed"]] == [in_doubt.message_id, in_doubt.message_id]
    assert all(len(ids) == 1 for address, ids in by_address.items() if address != holder["killed"])
    with schema_context(schema):
        in_doubt.refresh_from_db()
        assert (in_doubt.state, in_doubt.attempts) == ("sent", 2)
        assert Recipient.objects.filter(campaign=campaign).exclude(state="sent").count() == 0
