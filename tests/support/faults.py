"""Processes a fault test owns and kills: a server in its own process group (SIGKILL reaches
its workers too), a private PostgreSQL instance, a private redis-server. Each starts on a free
loopback port, is waited for until it accepts connections, and is stopped in `finally`; only
processes started here are ever signalled."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from tests.conftest import free_port
from tests.support.servers import ROOT, wait_listening

PG_BIN = Path(os.environ.get("PONTON_PG_BIN", "/usr/lib/postgresql/15/bin"))
LOGS = ROOT / ".data"


class KillableServer:
    """`python <args>` listening on `port`, in a process group of its own: `kill()` sends
    SIGKILL to the whole group (gunicorn's master and workers at once), `start()` again on the
    same port."""

    def __init__(self, args: list[str], *, port: int, env: dict[str, str], name: str) -> None:
        self.args, self.port, self.env = args, port, env
        self.log = LOGS / f"{name}-{port}.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        LOGS.mkdir(exist_ok=True)
        with open(self.log, "a") as out:
            self.proc = subprocess.Popen(
                [sys.executable, *self.args],
                env=self.env,
                cwd=ROOT,
                stdout=out,
                stderr=out,
                start_new_session=True,
            )
        proc = self.proc
        try:
            wait_listening(
                self.port,
                alive=lambda: proc.poll() is None,
                why=lambda: f"{self.args} is not listening on {self.port}",
            )
        except RuntimeError:
            self.kill()
            raise RuntimeError(self.log.read_text()[-4000:]) from None

    def kill(self) -> None:
        """SIGKILL the group this object started (never anything else), and reap it."""
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        self.proc = None

    def stop(self) -> None:
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
            self.proc = None
        except subprocess.TimeoutExpired:
            self.kill()


@contextlib.contextmanager
def killable_server(
    args: list[str], *, port: int, env: dict[str, str], name: str
) -> Iterator[KillableServer]:
    server = KillableServer(args, port=port, env=env, name=name)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _as_postgres() -> dict:
    """initdb and postgres refuse to run as root: as root, run them as the `postgres` user."""
    if os.geteuid() != 0:
        return {}
    return {"user": "postgres", "group": "postgres"}


class OwnPostgres:
    """A PostgreSQL instance of the test's own (initdb in a temporary directory, a free port,
    fsync off: only its processes are killed, never the machine)."""

    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.data = directory / "data"
        self.port = free_port()
        self.log = LOGS / f"postgres-{self.port}.log"
        self.proc: subprocess.Popen | None = None

    def dsn(self, dbname: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{dbname}"

    def init(self) -> None:
        subprocess.run(
            [PG_BIN / "initdb", "-D", self.data, "-U", "postgres", "-A", "trust", "-E", "UTF8"],
            check=True,
            capture_output=True,
            **_as_postgres(),
        )

    def start(self) -> None:
        LOGS.mkdir(exist_ok=True)
        with open(self.log, "a") as out:
            self.proc = subprocess.Popen(
                [
                    PG_BIN / "postgres",
                    "-D",
                    self.data,
                    "-p",
                    str(self.port),
                    "-c",
                    "listen_addresses=127.0.0.1",
                    "-c",
                    f"unix_socket_directories={self.dir}",
                    "-c",
                    "fsync=off",
                    "-c",
                    "max_connections=60",
                ],
                stdout=out,
                stderr=out,
                start_new_session=True,
                **_as_postgres(),
            )
        proc = self.proc
        wait_listening(
            self.port, alive=lambda: proc.poll() is None, why=lambda: "postgres did not start"
        )
        deadline = time.monotonic() + 60
        while subprocess.run(  # noqa: S603 - our own binary and arguments
            [PG_BIN / "pg_isready", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres"],
            capture_output=True,
        ).returncode:
            if time.monotonic() > deadline:
                raise RuntimeError(self.log.read_text()[-4000:])
            time.sleep(0.1)

    def crash(self) -> None:
        """An immediate shutdown: the postmaster gets SIGQUIT and kills every backend at once,
        without a checkpoint (the next start recovers from the WAL, as after a crash). A
        SIGKILL of the postmaster alone would leave its backends running on."""
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            self.proc.send_signal(signal.SIGQUIT)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)
        self.proc = None

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.send_signal(signal.SIGINT)  # fast shutdown
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)
        self.proc = None


@contextlib.contextmanager
def own_postgres() -> Iterator[OwnPostgres]:
    directory = Path(tempfile.mkdtemp(prefix="ponton-pg-"))
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres", "postgres")
    server = OwnPostgres(directory)
    try:
        server.init()
        server.start()
        yield server
    finally:
        try:
            server.stop()
        finally:
            shutil.rmtree(directory, ignore_errors=True)


class OwnRedis:
    """A redis-server of the test's own: nothing saved to disk, a free port; `kill()` is a
    SIGKILL, `start()` again on the same port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.log = LOGS / f"redis-{self.port}.log"
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        LOGS.mkdir(exist_ok=True)
        with open(self.log, "a") as out:
            self.proc = subprocess.Popen(
                [
                    shutil.which("redis-server") or "/usr/bin/redis-server",
                    "--port",
                    str(self.port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                ],
                stdout=out,
                stderr=out,
                start_new_session=True,
            )
        proc = self.proc
        wait_listening(
            self.port,
            alive=lambda: proc.poll() is None,
            why=lambda: "redis-server did not start",
        )

    def kill(self) -> None:
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)
        self.proc = None


@contextlib.contextmanager
def own_redis() -> Iterator[OwnRedis]:
    server = OwnRedis()
    server.start()
    try:
        yield server
    finally:
        server.kill()
