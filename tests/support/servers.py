"""Real servers started by tests on the test database: a process on a free loopback port,
waited for until it accepts connections, stopped at the end."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
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


@contextlib.contextmanager
def serving(
    args: list[str], *, port: int, log: Path, env: dict[str, str] | None = None
) -> Iterator[int]:
    """Run `python <args>` listening on `port` (its output in `log`) until the block ends."""
    log.parent.mkdir(exist_ok=True)
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, *args], env=env, cwd=ROOT, stdout=out, stderr=out)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                        break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(log.read_text()) from None
                    time.sleep(0.2)
            yield port
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
