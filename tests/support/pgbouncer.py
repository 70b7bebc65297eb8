"""A REAL PgBouncer process for tests, in front of the test PostgreSQL server.

Usage::

    from tests.support.pgbouncer import pgbouncer

    with pgbouncer(mode="session", pool_size=5) as pgb:
        pgb.port                       # a free loopback port
        pgb.dsn("ponton_test")         # postgres://postgres@127.0.0.1:<port>/ponton_test
        pgb.stats("ponton_test")       # the admin console's SHOW STATS row of that database

The process gets a generated ini and userlist in a temporary directory, listens on 127.0.0.1
only (no Unix socket), forwards every database name to the same name on the upstream server
(by default the one Django's connection uses), and logs to .data/pgbouncer-<name>.log. It is
waited for until it accepts connections and stopped when the block ends (SIGKILL if SIGTERM
hangs). `mode` is PgBouncer's pool_mode: "session", "transaction" or "statement".

Clients and PgBouncer authenticate with `trust` (the test server trusts loopback too).
Debian's package is /usr/sbin/pgbouncer (scripts/test.sh installs it where it can); the tests
that need it fail with a clear message when it is absent, as for Chromium. PgBouncer refuses
to run as root: as root it is started with `-u postgres` (its files are made readable to that
user; the log is this process's redirected stderr).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.support.servers import ROOT, wait_listening

BINARY = os.environ.get("PGBOUNCER_BIN") or shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
MODES = ("session", "transaction", "statement")


def available() -> bool:
    """Whether the pgbouncer binary is installed here."""
    return os.access(BINARY, os.X_OK)


@dataclass
class PgBouncer:
    """A running pgbouncer: where it listens and how to reach a database through it."""

    port: int
    mode: str
    pool_size: int
    user: str
    log: Path
    proc: subprocess.Popen[bytes]

    def dsn(self, dbname: str) -> str:
        """A DATABASE_URL for `dbname` through the pooler."""
        return f"postgres://{self.user}@127.0.0.1:{self.port}/{dbname}"

    @property
    def pid(self) -> int:
        return self.proc.pid

    def show(self, what: str) -> list[dict]:
        """Rows of the admin console's `SHOW <what>` (POOLS, STATS, SERVERS, CLIENTS...)."""
        import psycopg

        if not what.replace("_", "").isalpha():
            raise ValueError(what)
        with psycopg.connect(self.dsn("pgbouncer"), autocommit=True) as admin:
            cursor = admin.execute(f"SHOW {what}")
            names = [column.name for column in cursor.description or []]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def stats(self, dbname: str) -> dict:
        """SHOW STATS for one database (an empty dict before its first client)."""
        return next((row for row in self.show("STATS") if row["database"] == dbname), {})


def _upstream() -> tuple[str, int, str]:
    """(host, port, user) of the PostgreSQL server Django's test connection uses."""
    from django.db import connection

    db = connection.settings_dict
    return db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432), db["USER"] or "postgres"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ini(
    *,
    port: int,
    mode: str,
    pool_size: int,
    max_client_conn: int,
    host: str,
    pg_port: int,
    user: str,
) -> str:
    return "\n".join(
        [
            "[databases]",
            # Any database name goes to the same name upstream (the test DB pytest-django made).
            f"* = host={host} port={pg_port}",
            "[pgbouncer]",
            "listen_addr = 127.0.0.1",
            f"listen_port = {port}",
            "unix_socket_dir =",
            "auth_type = trust",
            "auth_file = userlist.txt",
            f"admin_users = {user}",
            f"pool_mode = {mode}",
            f"default_pool_size = {pool_size}",
            "min_pool_size = 0",
            "reserve_pool_size = 0",
            f"max_client_conn = {max_client_conn}",
            # Session mode: a server connection given back is reset (search_path included).
            "server_reset_query = DISCARD ALL",
            "ignore_startup_parameters = extra_float_digits",
            "stats_period = 1",  # SHOW STATS totals refreshed every second
            "log_connections = 0",
            "log_disconnections = 0",
            "",
        ]
    )


@contextlib.contextmanager
def pgbouncer(
    *,
    mode: str = "session",
    pool_size: int = 5,
    max_client_conn: int = 200,
    name: str | None = None,
    upstream: tuple[str, int, str] | None = None,
    timeout: float = 30.0,
) -> Iterator[PgBouncer]:
    """Run a pgbouncer in `mode` with `pool_size` server connections per (database, user)
    until the block ends. `upstream` = (host, port, user); default: Django's connection."""
    if mode not in MODES:
        raise ValueError(f"pool_mode must be one of {MODES}, not {mode!r}")
    if not available():
        raise RuntimeError(f"pgbouncer is not installed ({BINARY})")
    host, pg_port, user = upstream or _upstream()
    port = _free_port()
    log = ROOT / ".data" / f"pgbouncer-{name or port}.log"
    log.parent.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="pgbouncer-") as tmp:
        conf_dir = Path(tmp)
        (conf_dir / "pgbouncer.ini").write_text(
            _ini(
                port=port,
                mode=mode,
                pool_size=pool_size,
                max_client_conn=max_client_conn,
                host=host,
                pg_port=pg_port,
                user=user,
            )
        )
        (conf_dir / "userlist.txt").write_text(f'"{user}" ""\n')
        args = [BINARY]
        if os.geteuid() == 0:  # pgbouncer will not run as root
            run_as = os.environ.get("PGBOUNCER_RUN_AS", "postgres")
            pwd.getpwnam(run_as)  # KeyError at once if that user does not exist
            for path in (conf_dir, *conf_dir.iterdir()):
                path.chmod(0o755 if path.is_dir() else 0o644)
            args += ["-u", run_as]
        args.append(str(conf_dir / "pgbouncer.ini"))
        with open(log, "w") as out:
            proc = subprocess.Popen(args, cwd=conf_dir, stdout=out, stderr=out)
        try:
            # On failure the `finally` below stops it.
            wait_listening(
                port,
                alive=lambda: proc.poll() is None,
                why=lambda: f"pgbouncer did not start:\n{log.read_text()[-4000:]}",
                timeout=timeout,
            )
            yield PgBouncer(
                port=port, mode=mode, pool_size=pool_size, user=user, log=log, proc=proc
            )
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)  # immediate shutdown
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=10)
