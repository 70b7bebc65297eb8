"""The newcomer's path: `make run` on a machine with nothing but Python (docs/adr/0004).

Runs the launcher exactly as `make run` does, without DATABASE_URL or REDIS_URL: it must start
its private PostgreSQL (pgserver) under PONTON_DATA_DIR, migrate, seed the demo, serve, print
the demo login, stop everything on Ctrl-C leaving no PostgreSQL behind, and reuse the data on
the next start. We run as root here and in CI: pgserver then runs PostgreSQL as its own
`pgserver` system user.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import psycopg
import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"
START_TIMEOUT = 120
DEMO_LOGIN = "demo@ponton.test"
# Settings a newcomer does not have: the launcher must work without any of them.
UNSET = (
    "DATABASE_URL",
    "REDIS_URL",
    "DJANGO_SETTINGS_MODULE",  # pytest-django sets the test settings; `make run` uses dev
    "PLATFORM_DOMAIN",
    "PUBLIC_PORT_SUFFIX",
    "ALLOWED_HOSTS",
    "SECRET_KEY",
    "EMAIL_HOST",
    "BIND",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(port: int, path: str, host: str, timeout: float = 10) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    conn.request("GET", path, headers={"Host": host})
    response = conn.getresponse()
    response.body = response.read()  # type: ignore[attr-defined]
    conn.close()
    return response


@dataclass
class Launcher:
    """`make run` in a subprocess, in its own process group (as a terminal would run it)."""

    data_dir: Path
    port: int
    proc: subprocess.Popen | None = None
    output: list[str] = field(default_factory=list)

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if k not in UNSET}
        env.update(PONTON_DATA_DIR=str(self.data_dir), PORT=str(self.port))
        python = VENV_PYTHON if VENV_PYTHON.exists() else Path(sys.executable)
        self.proc = subprocess.Popen(
            [str(python), "platform/ponton/launcher.py"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        for line in self.proc.stdout:
            self.output.append(line)

    @property
    def text(self) -> str:
        return "".join(self.output)

    def wait_until_serving(self) -> float:
        """Seconds until the platform answers 200 on its host."""
        assert self.proc is not None
        started = time.monotonic()
        while time.monotonic() - started < START_TIMEOUT:
            if self.proc.poll() is not None:
                pytest.fail(f"the launcher exited ({self.proc.returncode}):\n{self.text}")
            try:
                if http_get(self.port, "/", "localhost").status == 200:
                    return time.monotonic() - started
            except OSError:
                pass
            time.sleep(0.25)
        pytest.fail(f"nothing answered on port {self.port} in {START_TIMEOUT} s:\n{self.text}")

    def ctrl_c(self) -> int:
        """SIGINT to the whole process group, like Ctrl-C in a terminal; the exit code."""
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGINT)
        try:
            return self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            alive = [
                " ".join(p.cmdline()[:4]) for p in psutil.Process(self.proc.pid).children(True)
            ]
            pytest.fail(
                f"Ctrl-C did not stop make run in 60 s; alive: {alive}\n{self.text[-3000:]}"
            )

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(timeout=10)


def pgdata(data_dir: Path) -> Path:
    return data_dir / "pg"


def postmaster(data_dir: Path) -> tuple[int, str]:
    """(pid, socket directory) of the running private PostgreSQL, from postmaster.pid."""
    lines = (pgdata(data_dir) / "postmaster.pid").read_text().splitlines()
    return int(lines[0]), lines[4]


def postgres_processes_of(data_dir: Path) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if str(data_dir) in cmdline and "postgres" in cmdline:
            found.append(proc)
    return found


def alive(pids: set[int]) -> list[int]:
    left = []
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                left.append(pid)
        except psutil.NoSuchProcess:
            pass
    return left


def query(socket_dir: str, sql: str, params: tuple = ()) -> list[tuple]:
    with psycopg.connect(dbname="ponton", user="postgres", host=socket_dir) as conn:
        return conn.execute(sql, params).fetchall()


def demo_facts(data_dir: Path) -> dict[str, object]:
    _pid, socket_dir = postmaster(data_dir)
    return {
        "cluster": query(socket_dir, "SELECT system_identifier FROM pg_control_system()"),
        "demo": query(
            socket_dir, "SELECT id, schema_name FROM tenants_structure WHERE slug = 'demo'"
        ),
        "demo_schemas": query(
            socket_dir, "SELECT count(*) FROM pg_namespace WHERE nspname = 's_demo'"
        ),
        "demo_owner": query(
            socket_dir, "SELECT count(*) FROM accounts_user WHERE email = %s", (DEMO_LOGIN,)
        ),
        "structures": query(socket_dir, "SELECT count(*) FROM tenants_structure"),
    }


def check_serving(launcher: Launcher) -> None:
    platform = http_get(launcher.port, "/", "localhost")
    assert platform.status == 200
    manager = http_get(launcher.port, "/manager/", "demo.localhost")
    assert manager.status == 302
    assert manager.getheader("Location") == "/connexion/?next=/manager/"
    # Bug 5 (issue 11): facing customers, no debug page: the product's French 404, no URL
    # pattern listed; static files are still served with DEBUG off.
    missing = http_get(launcher.port, "/compte/nexiste-pas/", "demo.localhost")
    assert missing.status == 404
    page = missing.body.decode()
    assert "Page introuvable" in page
    assert "URLconf" not in page and "urlpatterns" not in page and "manager/" not in page
    css = http_get(launcher.port, "/static/ponton/ponton.css", "demo.localhost")
    assert css.status == 200
    assert b"Ponton design system" in css.body
    deadline = time.monotonic() + 5
    while DEMO_LOGIN not in launcher.text and time.monotonic() < deadline:
        time.sleep(0.1)
    assert DEMO_LOGIN in launcher.text
    assert f"http://demo.localhost:{launcher.port}/manager/" in launcher.text


def check_burst(launcher: Launcher, requests: int = 200) -> None:
    """Probe 6 (issue 11): 200 simultaneous requests, more than the private PostgreSQL's 100
    connections: the pool bounds them; every request gets its page (or a 503 with
    Retry-After), never a 500 "too many clients" nor a dropped connection."""
    from concurrent.futures import ThreadPoolExecutor

    start = threading.Barrier(requests)

    def get(_index: int) -> tuple[int, str | None]:
        start.wait()
        try:
            response = http_get(launcher.port, "/", "demo.localhost", timeout=60)
        except OSError as exc:
            return 0, str(exc)
        return response.status, response.getheader("Retry-After")

    with ThreadPoolExecutor(max_workers=requests) as pool:
        answers = list(pool.map(get, range(requests)))
    statuses = {status for status, _retry in answers}
    assert statuses <= {200, 503}, answers
    assert all(retry == "5" for status, retry in answers if status == 503)
    assert "too many clients" not in launcher.text


def stop_and_check_nothing_left(launcher: Launcher) -> None:
    pid, _socket_dir = postmaster(launcher.data_dir)
    server_pids = {pid} | {child.pid for child in psutil.Process(pid).children(recursive=True)}
    assert launcher.ctrl_c() == 0
    assert "Base de données arrêtée." in launcher.text
    assert alive(server_pids) == []
    assert postgres_processes_of(launcher.data_dir) == []
    assert not (pgdata(launcher.data_dir) / "postmaster.pid").exists()


def test_make_run_without_services_starts_serves_stops_and_reuses_its_data(tmp_path_factory):
    """`make run` with no DATABASE_URL/REDIS_URL: embedded PostgreSQL, demo, clean Ctrl-C."""
    data_dir = tmp_path_factory.mktemp("run")
    launchers: list[Launcher] = []
    try:
        first = Launcher(data_dir=data_dir, port=free_port())
        launchers.append(first)
        first.start()
        first_start = first.wait_until_serving()
        check_serving(first)
        check_burst(first)
        assert f"Base de données privée : {pgdata(data_dir)}" in first.text
        before = demo_facts(data_dir)
        assert before["demo_schemas"] == [(1,)]
        assert before["demo_owner"] == [(1,)]
        stop_and_check_nothing_left(first)

        second = Launcher(data_dir=data_dir, port=free_port())
        launchers.append(second)
        second.start()
        second_start = second.wait_until_serving()
        check_serving(second)
        after = demo_facts(data_dir)
        # Same cluster, same demo structure, nothing created twice.
        assert after == before
        assert second_start < first_start, (first_start, second_start)
        stop_and_check_nothing_left(second)
    finally:
        for launcher in launchers:
            launcher.kill()
        for proc in postgres_processes_of(data_dir):
            proc.kill()
