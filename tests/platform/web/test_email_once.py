"""An email sent by a task leaves once per task id (ADR 0027), on the real SMTP server.

The worker-killed cases (a real worker SIGKILLed after the send, before the ack) are in
tests/platform/payments/test_worker_killed.py; here the same guard is exercised in-process."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from ponton.web.mail import deliver, email_deliveries_purge
from ponton.web.models import EmailDelivery
from ponton.web.tasks import send_email_task
from tests.conftest import free_port

pytestmark = pytest.mark.django_db


def test_a_task_run_twice_sends_its_email_once(smtp_server):
    """The same task id twice (a task handed again by the broker): one email, one key row; the
    second run says it sent nothing."""
    kwargs = {"to": ["payeur@client.test"], "subject": "Votre lien", "body": "Payez ici."}
    first = send_email_task.apply(kwargs=kwargs, task_id="task-1").get()
    second = send_email_task.apply(kwargs=kwargs, task_id="task-1").get()
    other = send_email_task.apply(kwargs=kwargs, task_id="task-2").get()
    assert (first, second, other) == (True, False, True)
    assert [m["Message-ID"] for m in smtp_server.messages] == [
        "<task-1@ponton.test>",
        "<task-2@ponton.test>",
    ]
    assert sorted(EmailDelivery.objects.values_list("key", flat=True)) == ["task-1", "task-2"]
    row = EmailDelivery.objects.get(key="task-1")
    assert (row.to, row.subject) == ("payeur@client.test", "Votre lien")


def test_a_send_the_server_refused_leaves_no_key_and_is_sent_by_the_retry(smtp_server, settings):
    """The mail server unreachable: the error reaches the task (which retries), no key is
    kept; the next run with the same key sends the email."""
    port = smtp_server.port
    settings.EMAIL_PORT = free_port()  # nothing listens there
    with pytest.raises(OSError):
        deliver(to=["a@client.test"], subject="Facture", body="Corps", key="task-3")
    assert not EmailDelivery.objects.filter(key="task-3").exists()
    assert smtp_server.messages == []
    settings.EMAIL_PORT = port
    assert deliver(to=["a@client.test"], subject="Facture", body="Corps", key="task-3") is True
    assert len(smtp_server.messages) == 1
    assert EmailDelivery.objects.filter(key="task-3").count() == 1


def test_without_a_key_every_call_sends(smtp_server):
    for _ in range(2):
        assert deliver(to=["b@client.test"], subject="Test", body="Corps") is True
    assert len(smtp_server.messages) == 2
    assert EmailDelivery.objects.count() == 0


def test_keys_older_than_30_days_are_forgotten():
    now = timezone.now()
    EmailDelivery.objects.create(key="old", to="x", subject="s", sent_at=now - dt.timedelta(31))
    EmailDelivery.objects.create(key="new", to="x", subject="s", sent_at=now - dt.timedelta(29))
    assert email_deliveries_purge(now=now) == 1
    assert list(EmailDelivery.objects.values_list("key", flat=True)) == ["new"]
