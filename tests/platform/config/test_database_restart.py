"""Issue 17 §3: PostgreSQL restarted under load. The test owns its PostgreSQL (initdb in a
temporary directory, tests/support/faults.py) holding a copy of one structure; two servers use
it as production and `make run` do: gunicorn with persistent connections, daphne with the
connection pool. While clients ask for a shop page (HTML) and the API, the database is shut down
immediately (every backend killed, recovery from the WAL at the next start) and started again.

Requests meanwhile fail cleanly: 503 with Retry-After, a French page or a JSON body under /api/,
never a 500 or a traceback, nothing dropped. Then both servers recover by themselves (the same
processes): once a request succeeds again, every later one does too — no stale connection left
in the pool or kept by a worker (docs/adr/0026)."""

from __future__ import annotations

import http.client
import json
import subprocess
import threading
import time
from dataclasses import dataclass

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from ponton.accounts.services import api_token_issue
from ponton.catalogue.models import Product
from ponton.launcher import daphne_args
from tests.conftest import free_port, host_of
from tests.support.faults import PG_BIN, OwnPostgres, killable_server, own_postgres
from tests.support.sales import published
from tests.support.servers import database_env

DOWN_SECONDS = 3.0
KINDS = ("page", "api")


@dataclass
class Answer:
    server: str
    kind: str
    at: float
    status: int  # 0: no answer (dropped connection)
    content_type: str
    retry_after: str | None
    body: str


def copy_structure(*, schema_name: str, into: OwnPostgres, dbname: str) -> None:
    """The public schema and one structure's schema of the test database, copied (pg_dump |
    psql) into a new database of the test's own PostgreSQL."""
    db = connection.settings_dict
    subprocess.run(  # noqa: S603 - our own binaries and arguments
        [PG_BIN / "createdb", "-h", "127.0.0.1", "-p", str(into.port), "-U", "postgres", dbname],
        check=True,
    )
    # The dump creates the public schema itself.
    subprocess.run(  # noqa: S603
        [PG_BIN / "psql", "-q", "-c", "DROP SCHEMA public", into.dsn(dbname)], check=True
    )
    dump = subprocess.Popen(  # noqa: S603
        [
            PG_BIN / "pg_dump",
            "-h",
            db["HOST"],
            "-p",
            str(db["PORT"]),
            "-U",
            db["USER"],
            "--no-owner",
            "--extension=*",  # btree_gist (docs/adr/0020), in the public schema
            "-n",
            "public",
            "-n",
            schema_name,
            db["NAME"],
        ],
        stdout=subprocess.PIPE,
    )
    restore = subprocess.Popen(  # noqa: S603
        [PG_BIN / "psql", "-q", "-v", "ON_ERROR_STOP=1", into.dsn(dbname)],
        stdin=dump.stdout,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    dump.stdout.close()  # type: ignore[union-attr]  # psql has it: a failed psql stops pg_dump
    output = restore.communicate(timeout=120)[0]
    assert restore.returncode == 0, output[-2000:]
    assert dump.wait(timeout=120) == 0


class Load:
    """Per server, one thread per kind asking in a loop; every answer is recorded."""

    def __init__(self, ports: dict[str, int], host: str, token: str) -> None:
        self.ports, self.host, self.token = ports, host, token
        self.answers: list[Answer] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads = [
            threading.Thread(target=self._ask, args=(server, kind), daemon=True)
            for server in ports
            for kind in KINDS
        ]

    def _get(self, server: str, kind: str) -> Answer:
        headers = {"Host": self.host}
        if kind == "api":
            path, headers["Authorization"] = "/api/v1/products/", f"Token {self.token}"
        else:
            path = "/"
        conn = http.client.HTTPConnection("127.0.0.1", self.ports[server], timeout=60)
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            body = response.read().decode()
            return Answer(
                server,
                kind,
                time.monotonic(),
                response.status,
                response.getheader("Content-Type", ""),
                response.getheader("Retry-After"),
                body,
            )
        except (OSError, http.client.HTTPException) as exc:
            return Answer(server, kind, time.monotonic(), 0, "", None, repr(exc))
        finally:
            conn.close()

    def _ask(self, server: str, kind: str) -> None:
        while not self.stopping.is_set():
            answer = self._get(server, kind)
            with self.lock:
                self.answers.append(answer)
            time.sleep(0.05)

    def seen(self, status: int, *, after: float) -> set[tuple[str, str]]:
        with self.lock:
            return {(a.server, a.kind) for a in self.answers if a.status == status and a.at > after}

    def wait_until_all(self, status: int, *, after: float, timeout: float = 90) -> None:
        everyone = {(server, kind) for server in self.ports for kind in KINDS}
        deadline = time.monotonic() + timeout
        while self.seen(status, after=after) != everyone:
            assert time.monotonic() < deadline, (status, self.seen(status, after=after))
            time.sleep(0.05)


def _check_clean_failure(answer: Answer) -> None:
    assert answer.retry_after == "5", answer
    assert "Traceback" not in answer.body and "django" not in answer.body.lower(), answer
    if answer.kind == "api":
        assert answer.content_type == "application/json", answer
        detail = json.loads(answer.body)["detail"]
        assert detail.startswith(("Service momentanément indisponible", "Service très demandé"))
    else:
        assert answer.content_type.startswith("text/html"), answer
        assert '<html lang="fr"' in answer.body, answer.body[:300]
        assert "Service momentanément indisponible" in answer.body or (
            "Service très demandé" in answer.body
        )


@pytest.mark.slow
def test_postgresql_restarted_under_load_fails_cleanly_then_recovers(
    transactional_db, platform, make_structure
):
    structure, owner = make_structure(name="Club du redémarrage")
    with schema_context(structure.schema_name):
        published(Product.Kind.SHOP_ITEM, name="Bouée tractée")
    token = api_token_issue(user=owner)
    host = host_of(structure)
    with own_postgres() as pg:
        copy_structure(schema_name=structure.schema_name, into=pg, dbname="ponton")
        ports = {"gunicorn": free_port(), "daphne": free_port()}
        base = database_env()
        base["DATABASE_URL"] = pg.dsn("ponton")
        gunicorn = ["-m", "gunicorn", "--workers", "1", "--bind", f"127.0.0.1:{ports['gunicorn']}"]
        with (
            killable_server(
                [*gunicorn, "ponton.config.wsgi:application"],
                port=ports["gunicorn"],
                env={**base, "DB_CONN_MAX_AGE": "60"},
                name="gunicorn-pg-restart",
            ) as web,
            killable_server(
                daphne_args("127.0.0.1", ports["daphne"]),
                port=ports["daphne"],
                env={**base, "DB_POOL_MAX_SIZE": "4", "DB_POOL_TIMEOUT": "2"},
                name="daphne-pg-restart",
            ) as asgi,
        ):
            pids = (web.proc.pid, asgi.proc.pid)
            load = Load(ports, host, token)
            for thread in load.threads:
                thread.start()
            try:
                load.wait_until_all(200, after=0)
                down_at = time.monotonic()
                pg.crash()
                time.sleep(DOWN_SECONDS)
                load.wait_until_all(503, after=down_at)
                pg.start()
                up_at = time.monotonic()
                load.wait_until_all(200, after=up_at)
                time.sleep(1.0)  # more answers after recovery: none may fail
            finally:
                load.stopping.set()
                for thread in load.threads:
                    thread.join(timeout=90)
            assert (web.proc.pid, asgi.proc.pid) == pids  # recovered without a restart
    answers = load.answers
    assert {a.status for a in answers} == {200, 503}, {a.status: a.body[:200] for a in answers}
    for answer in answers:
        if answer.status == 503:
            _check_clean_failure(answer)
        else:
            assert "Bouée tractée" in answer.body or answer.kind == "page"
    # Recovered for good: from its first success after the restart, each client only succeeds.
    for server in ports:
        for kind in KINDS:
            after = [a for a in answers if (a.server, a.kind) == (server, kind) and a.at > up_at]
            first_ok = next(i for i, a in enumerate(after) if a.status == 200)
            assert {a.status for a in after[first_ok:]} == {200}, (server, kind)
