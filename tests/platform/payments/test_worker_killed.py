"""Issue 17 §3: the Celery worker killed mid-task — the task runs again and its effect happens
once (ADR 0027). A real worker process (Redis broker, `--pool=solo`), SIGKILLed at chosen
moments, the real SMTP server, the Brevo SMS API emulator.

OR-9 Click & Pay by email and by SMS: the payer receives exactly one email and the SMS
provider exactly one request, although the worker was killed
- while the mail server was taking the email (before it accepted it): the task runs again
  and the email leaves;
- after the email left and after the send SMS task made its message, before either was
  acknowledged: the task runs again and sends nothing more."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
import redis
from django_tenants.utils import schema_context

from modules.sms import services as sms
from modules.sms.models import QuotaMovement, SmsAccount, SmsMessage
from ponton.billing import services as billing
from ponton.payments.models import PaymentRequest
from ponton.payments.services import payment_request_create
from ponton.sales import services as sales
from ponton.sales.services import LineRequest
from ponton.web.models import EmailDelivery
from tenants.services import module_grant
from tests.support.celery_worker import CeleryWorker, celery_worker_for
from tests.support.sales import STAFF, make_shop
from tests.support.sms_providers import BrevoEmulator, start

pytestmark = pytest.mark.django_db(transaction=True)

VISIBILITY = 2  # seconds: Redis hands an unacknowledged message again after this
EMAIL_TASK = "ponton.web.tasks.send_email_task"
SMS_TASK = "ponton.payments.tasks.send_sms_task"
DELIVER_TASK = "modules.sms.tasks.sms_deliver_task"


def _wait(predicate, what: str, timeout: float = 60.0, step: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"timed out waiting for {what}")


def _restart_when_visible(worker: CeleryWorker) -> None:
    """Start a new worker once every unacknowledged message is older than the visibility
    timeout: the new worker's first sweep hands them again."""
    client = redis.Redis.from_url(worker.url)
    try:

        def all_visible() -> bool:
            scores = [s for _tag, s in client.zrange("unacked_index", 0, -1, withscores=True)]
            return all(s < time.time() - VISIBILITY - 0.2 for s in scores)

        _wait(all_visible, "the unacknowledged messages to be visible again")
    finally:
        client.close()
    worker.start()


def _log_lines(worker: CeleryWorker, task: str, event: str) -> list[str]:
    return re.findall(rf"Task {re.escape(task)}\[[^\]]+\] {event}[^\n]*", worker.log.read_text())


def _queues_empty(worker: CeleryWorker) -> bool:
    client = redis.Redis.from_url(worker.url)
    try:
        return client.llen("celery") == 0 and client.zcard("unacked_index") == 0
    finally:
        client.close()


@pytest.fixture
def brevo():
    emulator = start(BrevoEmulator())
    yield emulator
    emulator.stop()


@pytest.fixture
def club(make_structure, brevo):
    """A club with the SMS module (Brevo, 10 SMS of quota) and two invoices to pay."""
    structure, _owner = make_structure(name="Club des faucheurs")
    module_grant(structure=structure, label="sms")
    with schema_context(structure.schema_name):
        sms.quota_credit(amount=10, reason=QuotaMovement.Reason.GRANT)
        account = sms.account_get()
        account.provider = "brevo"
        account.brevo_api_key = brevo.api_key
        account.sender = "ClubVoile"
        account.save()
        shop = make_shop()
        shop.payer.mobile = "0612345678"
        shop.payer.save(update_fields=["mobile"])
        bills = []
        for session in (shop.session, shop.later_session):
            order = sales.order_create(
                payer=shop.payer,
                lines=[
                    LineRequest(
                        product=shop.activity,
                        session=session,
                        rate=shop.adult,
                        consumer=shop.child_customer,
                    )
                ],
                actor=STAFF,
            )
            bills.append(
                billing.invoice_issue(
                    structure=structure,
                    order=order,
                    line_ids=[line.pk for line in order.lines.all()],
                    actor=STAFF,
                )
            )
    return structure, bills


def test_click_and_pay_email_and_sms_once_though_the_worker_is_killed(
    club, smtp_server, brevo, tmp_path: Path
):
    structure, (by_email, by_sms) = club
    schema = structure.schema_name
    collector = smtp_server._collector
    holder: dict = {}

    async def handle_rcpt(server, session, envelope, address, rcpt_options):
        if "worker" in holder:  # the first attempt: the worker dies mid-conversation
            holder.pop("worker").kill()
            holder["killed"] = True
        envelope.rcpt_tos.append(address)
        return "250 OK"

    collector.handle_RCPT = handle_rcpt
    with celery_worker_for(
        name="killed",
        extra_env={
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp_server.port),
            "SMS_BREVO_BASE_URL": brevo.base_url,
            "TASK_VISIBILITY_TIMEOUT": str(VISIBILITY),
            "PONTON_TEST_STALL": f"after:{EMAIL_TASK},after:{SMS_TASK}",
            "PONTON_TEST_STALL_DIR": str(tmp_path),
        },
    ) as worker:
        # 1. Killed while the mail server takes the email (it never accepts it).
        holder["worker"] = worker
        with schema_context(schema):
            payment_request_create(document=by_email, actor=STAFF)
        _wait(lambda: "killed" in holder, "the kill during the SMTP conversation")
        del collector.handle_RCPT
        assert smtp_server.messages == []
        # Its key went with the rolled-back send.
        assert not EmailDelivery.objects.filter(subject__contains=by_email.number).exists()

        # 2. The task runs again in a new worker and the email leaves; that worker is killed
        #    after the send, before the ack.
        _restart_when_visible(worker)
        _wait(lambda: (tmp_path / f"after-{EMAIL_TASK}").exists(), "the email sent")
        assert len(smtp_server.messages) == 1
        # Meanwhile the Click & Pay by SMS is asked (its task waits for a worker).
        with schema_context(schema):
            payment_request_create(document=by_sms, actor=STAFF, channel="sms")
        worker.kill()

        # 3. The email task runs a third time and sends nothing; the SMS task makes its message
        #    and that worker is killed before the ack.
        _restart_when_visible(worker)
        _wait(lambda: (tmp_path / f"after-{SMS_TASK}").exists(), "the SMS task's message")
        worker.kill()

        # 4. The SMS task runs again (no second message); the message is delivered once.
        _restart_when_visible(worker)
        _wait(lambda: _log_lines(worker, DELIVER_TASK, "succeeded"), "the SMS delivery")
        _wait(lambda: _queues_empty(worker), "nothing left to run")

    # The email: received by 3 workers; the 2nd sent it (True, logged before its kill), the
    # 3rd found its key and sent nothing (False).
    assert len(_log_lines(worker, EMAIL_TASK, "received")) == 3
    assert [line.rsplit(": ", 1)[1] for line in _log_lines(worker, EMAIL_TASK, "succeeded")] == [
        "True",
        "False",
    ]
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["X-Rcpt-To"] == "claire@exemple.fr"
    assert by_email.number in message["Subject"]
    assert EmailDelivery.objects.filter(subject__contains=by_email.number).count() == 1
    # The SMS: its task received twice, one message, one quota movement, one provider request.
    assert len(_log_lines(worker, SMS_TASK, "received")) == 2
    with schema_context(schema):
        messages = list(SmsMessage.objects.values_list("state", "source", "to"))
        assert messages == [("sent", "click_pay", "+33612345678")]
        assert QuotaMovement.objects.filter(reason=QuotaMovement.Reason.SEND).count() == 1
        assert SmsAccount.objects.get().balance == 10 - 1
        assert PaymentRequest.objects.filter(state=PaymentRequest.State.ACTIVE).count() == 2
    assert len(brevo.requests) == 1
    assert "/payer/" in brevo.requests[0]["json"]["content"]
