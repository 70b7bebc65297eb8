"""Real servers started by tests on the test database: a process on a free loopback port,
waited for until it accepts connections, stopped at the end."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def database_env(**extra: str) -> dict[str, str]:
    """The environment of a server on the test database, with the test settings."""
    db = connection.settings_dict
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="ponton.config.settings.test",
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        PYTHONPATH=f"{ROOT / 'platform'}:{ROOT}",
        **extra,
    )
    return env


def wait_listening(
    port: int, *, alive: Callable[[], bool], why: Callable[[], str], timeout: float = 60
) -> None:
    """Poll until something accepts connections on 127.0.0.1:`port`. When `alive()` turns
    False (the process died) or `timeout` seconds pass: RuntimeError(why()), e.g. its log."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            if not alive() or time.monotonic() > deadline:
                raise RuntimeError(why()) from None
            time.sleep(0.1)


@contextlib.contextmanager
def serving(
    args: list[str], *, port: int, log: Path, env: dict[str, str] | None = None
) -> Iterator[int]:
    """Run `python <args>` listening on `port` (its output in `log`) until the block ends."""
    log.parent.mkdir(exist_ok=True)
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, *args], env=env, cwd=ROOT, stdout=out, stderr=out)
        try:
            wait_listening(port, alive=lambda: proc.poll() is None, why=log.read_text)
            yield port
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
