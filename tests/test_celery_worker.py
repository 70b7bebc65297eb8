"""The real Celery worker helper (tests/support/celery_worker.py): a task sent from the test
reaches a separate worker process through Redis and writes in the structure's schema; the worker
can be killed and started again."""

import logging
import time

import pytest
from django_tenants.utils import schema_context

from ponton.config.celery import SKIPPED
from tenants.services import structure_suspend
from tests.support.celery_worker import celery_worker_for
from tests.support.testmodule.models import Note
from tests.support.testmodule.tasks import note_add_task


def _wait_for_notes(schema_name: str, count: int, timeout: float = 30.0) -> list[str]:
    deadline = time.monotonic() + timeout
    while True:
        with schema_context(schema_name):
            texts = list(Note.objects.order_by("id").values_list("text", flat=True))
        if len(texts) >= count or time.monotonic() > deadline:
            return texts
        time.sleep(0.1)


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_task_and_survives_a_kill(make_structure):
    """EM-1 / SM-1 infrastructure: eager mode is off, the task runs in another process."""
    structure, _ = make_structure(modules=["testmodule"])
    with celery_worker_for(name="helper-test") as worker:
        first_pid = worker.pid
        result = note_add_task.delay(schema_name=structure.schema_name, text="premier")
        assert _wait_for_notes(structure.schema_name, 1) == ["premier"]
        assert type(result).__name__ == "AsyncResult"  # a message through Redis, not eager

        worker.kill()
        assert worker.pid is None
        note_add_task.delay(schema_name=structure.schema_name, text="pendant la panne")
        time.sleep(0.5)
        assert _wait_for_notes(structure.schema_name, 2, timeout=0.1) == ["premier"]

        worker.start()  # the message waited in Redis for the new worker
        assert worker.pid != first_pid
        assert _wait_for_notes(structure.schema_name, 2) == ["premier", "pendant la panne"]

        # Issue 17 §2: a task sent for a structure that is then suspended does nothing in the
        # worker and says so in its log (the structure's schema travels in the message).
        structure_suspend(structure=structure, reason="impayé")
        with schema_context(structure.schema_name):
            note_add_task.delay(schema_name=structure.schema_name, text="après la suspension")
        deadline = time.monotonic() + 30
        while "ignorée" not in worker.log.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert (
            "Tâche testmodule.note_add ignorée : la structure « Club de voile » est suspendue."
            in (worker.log.read_text())
        )
        assert _wait_for_notes(structure.schema_name, 3, timeout=0.1) == [
            "premier",
            "pendant la panne",
        ]


@pytest.mark.django_db
def test_a_task_of_a_deleted_or_suspended_structure_does_nothing_and_says_so(
    make_structure, caplog
):
    """Issue 17 §2: tenant-schemas-celery would run the task of a deleted structure on the public
    schema (its lookup fails in a signal handler whose error Celery only logs): ours skips it."""
    structure, _ = make_structure(modules=["testmodule"])
    caplog.set_level(logging.WARNING, logger="ponton.tasks")
    result = note_add_task.apply(
        kwargs={"schema_name": structure.schema_name, "text": "fantôme"},
        headers={"_schema_name": "club_disparu"},
    )
    assert result.get() == SKIPPED
    assert (
        "Tâche testmodule.note_add ignorée : la structure du schéma club_disparu n'existe plus."
        in (caplog.text)
    )
    with schema_context(structure.schema_name):
        assert not Note.objects.exists()
        ran = note_add_task.apply(kwargs={"schema_name": structure.schema_name, "text": "ici"})
        assert ran.get() != SKIPPED and Note.objects.count() == 1
    structure_suspend(structure=structure, reason="impayé")
    with schema_context(structure.schema_name):
        skipped = note_add_task.apply(kwargs={"schema_name": structure.schema_name, "text": "non"})
        assert skipped.get() == SKIPPED and Note.objects.count() == 1


def test_a_task_asked_for_while_redis_is_down_runs_in_the_process_and_is_not_lost(
    structure_a, settings, caplog, django_capture_on_commit_callbacks
):
    """ADR 0026: the broker (Redis) cannot be reached when a committed action asks for its
    task (here an email after commit, and a structure's task): each runs in the asking process
    instead, so the email is sent and the request does not fail after its data was saved; a
    delayed task (a retry) is not run early."""
    from kombu.exceptions import OperationalError

    from ponton.config.celery import app
    from ponton.web.mail import email_send
    from ponton.web.models import OutboxEmail
    from tests.conftest import free_port
    from tests.support.celery_worker import _forget_connections

    structure, owner = structure_a
    settings.EMAIL_BACKEND = "ponton.web.mail.OutboxBackend"
    settings.OUTBOX_ECHO = False
    saved = {key: app.conf[key] for key in ("task_always_eager", "broker_url")}
    app.conf.update(task_always_eager=False, broker_url=f"redis://127.0.0.1:{free_port()}/0")
    _forget_connections(app)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    try:
        with caplog.at_level(logging.ERROR, logger="ponton.tasks"):
            with schema_context(structure.schema_name):
                with django_capture_on_commit_callbacks(execute=True):
                    email_send(
                        to=["marin@a.test"],
                        subject="Votre réservation",
                        template="accounts/email/invitation",
                        context={"user": owner, "structure": structure, "link": "http://x"},
                    )
                note_add_task.delay(schema_name=structure.schema_name, text="sans courtier")
                assert list(Note.objects.values_list("text", flat=True)) == ["sans courtier"]
                with pytest.raises(OperationalError):
                    note_add_task.apply_async(
                        kwargs={"schema_name": structure.schema_name, "text": "plus tard"},
                        countdown=30,
                    )
                assert Note.objects.count() == 1
        assert OutboxEmail.objects.filter(to="marin@a.test", subject="Votre réservation").exists()
        assert "Courtier des tâches injoignable" in caplog.text
    finally:
        app.conf.update(saved)
        _forget_connections(app)
