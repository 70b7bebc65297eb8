"""The Celery app as a test worker or beat process runs it (`celery -A tests.support.celery_app
worker|beat`): Ponton's own app, with eager mode off and the broker named by the environment
(CELERY_BROKER_URL, set by tests/support/celery_worker.py and celery_beat.py). The test settings
keep eager mode on for every other test; only these processes and the tests that start them
turn it off."""

import os

from ponton.config.celery import app

app.conf.update(
    task_always_eager=False,
    broker_url=os.environ["CELERY_BROKER_URL"],
    # The worker is started and killed by tests: no remote-control chatter between workers.
    worker_hijack_root_logger=False,
)

__all__ = ["app"]
