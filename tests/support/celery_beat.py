"""A REAL `celery beat` process for tests, beside a real worker (tests/support/celery_worker.py),
sending the production schedule's tasks through Redis at a pace a test can wait for.

Usage (inside a test, or a module fixture, that has a worker on the same Redis database)::

    from tests.support.celery_beat import celery_beat_for
    from tests.support.celery_worker import celery_worker_for

    with celery_worker_for(name="x") as worker, celery_beat_for(
        schedule={"release-expired-holds": 1.0}, name="x"
    ) as beat:
        ...  # every second beat sends release_expired_holds_task, the worker runs it

`schedule` names entries of the production schedule (settings' CELERY_BEAT_SCHEDULE and what
modules add) with their interval in seconds; the others are left out (`ShortScheduler`, which
the beat process uses, reads them from CELERY_TEST_BEAT_SCHEDULE): the same tasks as
production, more often. Beat's state file lives in a temporary directory removed at the end;
its log is in .data/celery-beat-<name>.log.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

from celery.beat import PersistentScheduler

from tests.support.celery_worker import DEFAULT_DB, CeleryProcess, broker_url
from tests.support.servers import ROOT, database_env

SCHEDULE_ENV = "CELERY_TEST_BEAT_SCHEDULE"
READY = "beat: test schedule"
logger = logging.getLogger("celery.beat")


def short_schedule(production: dict, wanted: dict[str, float]) -> dict:
    """The entries of `production` named in `wanted`, each due every so many seconds; a name
    that is not in `production` is refused (a renamed entry must fail the test)."""
    unknown = sorted(set(wanted) - set(production))
    if unknown:
        raise KeyError(f"not in the beat schedule: {', '.join(unknown)}")
    return {name: {**production[name], "schedule": float(every)} for name, every in wanted.items()}


class ShortScheduler(PersistentScheduler):
    """Beat's usual scheduler (its state in the `--schedule` file) on the test schedule of
    CELERY_TEST_BEAT_SCHEDULE (JSON: entry name -> seconds). Beat builds it after importing the
    task modules, so the entries that modules add are there too; an unknown name stops beat."""

    def setup_schedule(self) -> None:
        wanted = os.environ.get(SCHEDULE_ENV)
        if wanted:
            production = dict(self.app.conf.beat_schedule)
            self.app.conf.beat_schedule = short_schedule(production, json.loads(wanted))
        super().setup_schedule()
        every = {name: entry["schedule"] for name, entry in self.app.conf.beat_schedule.items()}
        logger.info("%s %s", READY, json.dumps(every, sort_keys=True))


class CeleryBeat(CeleryProcess):
    """The one beat process of a deployment (two would send every periodic task twice)."""

    kind = "beat"
    ready_line = re.compile(re.escape(READY))

    def __init__(self, *, url: str, log: Path, env: dict[str, str], name: str, state: Path):
        super().__init__(url=url, log=log, env=env, name=name)
        self.state = state

    def arguments(self) -> list[str]:
        return [
            "beat",
            "--loglevel=INFO",
            "--scheduler=tests.support.celery_beat:ShortScheduler",
            f"--schedule={self.state}",
            "--max-interval=1",  # wake up at least every second to look at the schedule
        ]

    def sent(self, entry: str) -> int:
        """How many times this beat sent the entry's task (its log says so at each send)."""
        return self.log.read_text().count(f"Sending due task {entry} ")


@contextlib.contextmanager
def celery_beat_for(
    *,
    schedule: dict[str, float],
    db: int = DEFAULT_DB,
    name: str = "ponton-test",
    extra_env: dict[str, str] | None = None,
    start: bool = True,
) -> Iterator[CeleryBeat]:
    """A real beat process for the duration of the block, on the broker of
    `celery_worker_for(db=...)`, sending only the entries of `schedule` (name -> seconds).
    `start=False`: the caller starts it (`launch()` + `wait_ready()`, beside a worker's)."""
    from ponton.config.celery import app

    app.loader.import_default_modules()  # the entries that task modules add, as beat sees them
    short_schedule(dict(app.conf.beat_schedule), schedule)  # an unknown name fails here at once
    url = broker_url(db)
    env = database_env(
        CELERY_BROKER_URL=url,
        REDIS_URL=url,
        **{SCHEDULE_ENV: json.dumps(schedule)},
        **(extra_env or {}),
    )
    log = ROOT / ".data" / f"celery-beat-{name}.log"
    log.parent.mkdir(exist_ok=True)
    log.write_text("")
    with tempfile.TemporaryDirectory(prefix="ponton-beat-") as folder:
        beat = CeleryBeat(
            url=url, log=log, env=env, name=name, state=Path(folder) / "celerybeat-schedule"
        )
        if start:
            beat.start()
        try:
            yield beat
        finally:
            beat.stop()
