"""Several web processes, as production runs them: N daphne processes serving Ponton on the test
database (`ponton.launcher.daphne_args`), all with REDIS_URL set, so their channel layer is
channels-redis (pubsub) on one Redis database and an event sent by one reaches the sockets held
by the others.

    with daphnes_for(2, name="realtime") as (a, b):
        ...  # HTTP to a.port, a websocket on b.port: the event made on A reaches B

The processes start at once and are waited for together; they are stopped at the end (SIGTERM,
then SIGKILL). Logs: .data/daphne-<name>-<i>.log. The Redis database: the environment's
REDIS_URL if set, else redis://127.0.0.1:6379/14.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass

from ponton.launcher import daphne_args
from tests.support.servers import ROOT, database_env

DEFAULT_REDIS_DB = 14


def redis_url() -> str:
    return os.environ.get("REDIS_URL") or f"redis://127.0.0.1:6379/{DEFAULT_REDIS_DB}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Daphne:
    port: int
    proc: subprocess.Popen[bytes]

    @property
    def pid(self) -> int:
        return self.proc.pid

    def accepts(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return True
        except OSError:
            return False


@contextlib.contextmanager
def daphnes_for(
    count: int, *, name: str, extra_env: dict[str, str] | None = None, timeout: float = 90.0
) -> Iterator[list[Daphne]]:
    """`count` daphne processes on the test database and one Redis channel layer."""
    env = database_env(REDIS_URL=redis_url(), **(extra_env or {}))
    (ROOT / ".data").mkdir(exist_ok=True)
    started: list[Daphne] = []
    try:
        for i in range(count):
            port = _free_port()
            with open(ROOT / ".data" / f"daphne-{name}-{i + 1}.log", "w") as out:
                proc = subprocess.Popen(
                    [sys.executable, *daphne_args("127.0.0.1", port)],
                    env=env,
                    cwd=ROOT,
                    stdout=out,
                    stderr=out,
                )
            started.append(Daphne(port=port, proc=proc))
        deadline = time.monotonic() + timeout
        waiting = list(started)
        while waiting:
            waiting = [d for d in waiting if not d.accepts()]
            dead = [d for d in waiting if d.proc.poll() is not None]
            if dead or (waiting and time.monotonic() > deadline):
                raise RuntimeError(f"daphne on port {(dead or waiting)[0].port} did not start")
            if waiting:
                time.sleep(0.2)
        yield started
    finally:
        for daphne in started:
            if daphne.proc.poll() is None:
                daphne.proc.terminate()
        for daphne in started:
            try:
                daphne.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                daphne.proc.kill()
                daphne.proc.wait(timeout=10)
