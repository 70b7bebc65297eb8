"""A REAL Celery worker process for tests, against Redis, on the test database.

Usage (the test needs `transactional_db`: the worker sees only committed rows)::

    from tests.support.celery_worker import celery_worker_for

    @pytest.fixture
    def celery_worker(transactional_db):
        with celery_worker_for(db=12) as worker:
            yield worker

    def test_x(celery_worker):
        some_task.delay(...)            # goes to Redis, run by the worker process
        celery_worker.kill()            # SIGKILL, as a crash would
        celery_worker.start()           # a new worker process on the same queues

While the block runs, eager mode is OFF in this pytest process (settings and the Celery app's
conf) and in the worker (tests/support/celery_app.py), and both use the same broker: the
environment's CELERY_TEST_BROKER_URL if set (CI), else redis://127.0.0.1:6379/<db>. The worker
also gets REDIS_URL = that URL, so its channel layer (websocket events) is Redis too. The queues
are purged at start; the worker is stopped at the end; its log is in .data/celery-<name>.log.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from django.test import override_settings

from tests.support.servers import ROOT, database_env

DEFAULT_DB = 12


def broker_url(db: int = DEFAULT_DB) -> str:
    """CELERY_TEST_BROKER_URL when set (used as is), else the local Redis database `db`."""
    return os.environ.get("CELERY_TEST_BROKER_URL") or f"redis://127.0.0.1:6379/{db}"


class CeleryProcess:
    """A Celery command (worker, beat) as a child process: start/kill/stop as a test needs.
    Subclasses give its command-line arguments and the log line that says it is ready."""

    kind = "process"
    ready_line = re.compile(r" ready\.")

    def __init__(self, *, url: str, log: Path, env: dict[str, str], name: str) -> None:
        self.url = url
        self.log = log
        self.env = env
        self.name = name
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self._mark = ""

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    def arguments(self) -> list[str]:  # pragma: no cover - abstract
        raise NotImplementedError

    def start(self, timeout: float = 60.0) -> None:
        """Start the process and wait until it says it is ready."""
        self.launch()
        self.wait_ready(timeout)

    def launch(self) -> None:
        """Start the process without waiting (start several, then `wait_ready` each: their
        start-ups overlap)."""
        if self.proc is not None and self.proc.poll() is None:
            raise RuntimeError(f"the Celery {self.kind} is already running")
        self.starts += 1
        self.log.parent.mkdir(exist_ok=True)
        self._mark = f"--- start {self.starts} ---\n"
        with open(self.log, "a") as out:
            out.write(self._mark)
        args = [sys.executable, "-m", "celery", "-A", "tests.support.celery_app", *self.arguments()]
        out = open(self.log, "a")  # noqa: SIM115 - closed when the process ends (kill/stop)
        self.proc = subprocess.Popen(args, env=self.env, cwd=ROOT, stdout=out, stderr=out)
        out.close()

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Wait until the launched process says it is ready (killed if it does not)."""
        assert self.proc is not None, "launch() first"
        deadline = time.monotonic() + timeout
        while True:
            text = self.log.read_text()
            if self.ready_line.search(text[text.rfind(self._mark) :]):
                return
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self._terminate(signal.SIGKILL)
                raise RuntimeError(f"the Celery {self.kind} did not start:\n{text[-4000:]}")
            time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL the process, as a crash or an OOM kill would: no cleanup, no ack."""
        self._terminate(signal.SIGKILL)

    def stop(self) -> None:
        """Stop the process (warm shutdown, then SIGKILL if it hangs)."""
        self._terminate(signal.SIGTERM)

    def _terminate(self, sig: int) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)
        self.proc = None


class CeleryWorker(CeleryProcess):
    """One worker process at a time (`--pool=solo`: a single task runs at once, so a kill
    interrupts exactly one task)."""

    kind = "worker"

    def __init__(
        self, *, url: str, queues: Sequence[str], log: Path, env: dict[str, str], name: str
    ) -> None:
        super().__init__(url=url, log=log, env=env, name=name)
        self.queues = list(queues)

    def arguments(self) -> list[str]:
        return [
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-Q",
            ",".join(self.queues),
            "-n",
            f"{self.name}-{self.starts}@%h",
        ]

    def purge(self) -> int:
        """Drop every message waiting in the worker's queues (and their unacked copies)."""
        from kombu import Connection

        removed = 0
        with Connection(self.url) as conn:
            channel = conn.default_channel
            for queue in self.queues:
                with contextlib.suppress(Exception):  # a queue never declared yet
                    removed += channel.queue_purge(queue) or 0
            client = getattr(channel, "client", None)
            if client is not None:  # Redis: messages a killed worker had taken but not acked
                client.delete("unacked", "unacked_index", "unacked_mutex")
        return removed


@contextlib.contextmanager
def celery_worker_for(
    *,
    db: int = DEFAULT_DB,
    queues: Sequence[str] = ("celery",),
    name: str = "ponton-test",
    extra_env: dict[str, str] | None = None,
    start: bool = True,
) -> Iterator[CeleryWorker]:
    """A real worker on the test database for the duration of the block (see the module doc).
    Call it inside a test that has `transactional_db`."""
    from ponton.config.celery import app

    url = broker_url(db)
    env = database_env(CELERY_BROKER_URL=url, REDIS_URL=url, **(extra_env or {}))
    log = ROOT / ".data" / f"celery-{name}.log"
    log.parent.mkdir(exist_ok=True)
    log.write_text("")
    worker = CeleryWorker(url=url, queues=queues, log=log, env=env, name=name)
    saved = {key: app.conf[key] for key in ("task_always_eager", "broker_url")}
    app.conf.update(task_always_eager=False, broker_url=url)
    _forget_connections(app)
    try:
        with override_settings(CELERY_TASK_ALWAYS_EAGER=False, CELERY_BROKER_URL=url):
            worker.purge()
            if start:
                worker.start()
            try:
                yield worker
            finally:
                worker.stop()
                worker.purge()
    finally:
        app.conf.update(saved)
        _forget_connections(app)


def _forget_connections(app) -> None:
    """The app's producer pools were made for the previous broker URL: let it make new ones
    (kombu keeps pools per connection URL, so the other URL's pool stays usable)."""
    app._pool = None
    with contextlib.suppress(AttributeError, KeyError):
        app.__dict__["amqp"]._producer_pool = None
