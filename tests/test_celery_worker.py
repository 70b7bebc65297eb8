"""The real Celery worker helper (tests/support/celery_worker.py): a task sent from the test
reaches a separate worker process through Redis and writes in the structure's schema; the worker
can be killed and started again."""

import time

import pytest
from django_tenants.utils import schema_context

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
