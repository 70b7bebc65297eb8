"""The Celery app as a test worker or beat process runs it (`celery -A tests.support.celery_app
worker|beat`): Ponton's own app, with eager mode off and the broker named by the environment
(CELERY_BROKER_URL, set by tests/support/celery_worker.py and celery_beat.py). The test settings
keep eager mode on for every other test; only these processes and the tests that start them
turn it off.

A test that must kill the worker at a precise moment names it in PONTON_TEST_STALL:
`after:<task name>` (the task's body returned, its message not yet acknowledged) or
`before:<task name>` (nothing of the body ran), comma-separated. The worker then writes the
file PONTON_TEST_STALL_DIR/<when>-<task name> and sleeps until it is killed; once the file
exists (a later worker, the task run again) it does not stall again."""

import os
import time
from pathlib import Path

from celery.signals import task_postrun, task_prerun

from ponton.config.celery import app

app.conf.update(
    task_always_eager=False,
    broker_url=os.environ["CELERY_BROKER_URL"],
    # The worker is started and killed by tests: no remote-control chatter between workers.
    worker_hijack_root_logger=False,
)

STALLS = {s.strip() for s in os.environ.get("PONTON_TEST_STALL", "").split(",") if s.strip()}
STALL_DIR = Path(os.environ.get("PONTON_TEST_STALL_DIR", "."))


def _maybe_stall(when: str, task) -> None:
    if f"{when}:{task.name}" not in STALLS:
        return
    mark = STALL_DIR / f"{when}-{task.name}"
    try:
        mark.touch(exist_ok=False)
    except FileExistsError:
        return  # stalled once already: the task runs through this time
    while True:  # until the test SIGKILLs this worker
        time.sleep(1)


if STALLS:

    @task_prerun.connect(weak=False)
    def _stall_before(sender=None, task=None, **kwargs):
        _maybe_stall("before", task)

    @task_postrun.connect(weak=False)
    def _stall_after(sender=None, task=None, **kwargs):
        _maybe_stall("after", task)


__all__ = ["app"]
