"""The production tier as deploy/k8s/web.yaml starts it, on loopback, for tests and benchmarks.

    with production_tier(database_url=..., redis_url=..., secret_key=..., name="race") as tier:
        tier.web_port       # gunicorn (`ponton.config.wsgi`, sync workers): HTTP
        tier.ws_port        # daphne (`ponton.config.asgi`): websockets
        tier.kill_worker()  # SIGKILL one gunicorn worker; its master starts another
        tier.crash_web()    # SIGKILL the master and its workers (a pod that dies)
        tier.start_web()    # a new gunicorn on the same port (the pod restarted)

The commands and the environment are read from the manifest (the `web` and `realtime`
containers' args and env, the ConfigMap's settings module and connection age): only the
addresses (0.0.0.0:8000 -> 127.0.0.1:<free port>), the secrets and hosts (test values), the
data directory (static files collected there as the image's build does) and the SMTP host
(loopback) are changed. Both servers reach PostgreSQL through a real PgBouncer in session mode
(tests/support/pgbouncer.py) and share Redis (cache, channel layer). Every process is started
in a session of its own and only those are killed. Logs: .data/prod-<name>-*.log.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import psutil
import yaml

from tests.conftest import free_port
from tests.support.pgbouncer import PgBouncer, pgbouncer
from tests.support.servers import ROOT, wait_listening

MANIFESTS = ROOT / "deploy" / "k8s"
# Server connections PgBouncer opens to PostgreSQL for the tier's database: one per gunicorn
# worker, the daphne pool's eight, and room for the workers a master starts again while the
# killed ones' connections are being closed.
POOLER_SIZE = 20
START_TIMEOUT_S = 90
# The tier's data directory (PONTON_DATA_DIR, /data in the image): static files collected
# as the image's build does, kept between runs while their sources do not change.
DATA_DIR = ROOT / ".data" / "prod-tier"


def _container(manifest: str, deployment: str, name: str) -> dict:
    for document in yaml.safe_load_all((MANIFESTS / manifest).read_text()):
        if (
            document
            and document["kind"] == "Deployment"
            and document["metadata"]["name"] == (deployment)
        ):
            for container in document["spec"]["template"]["spec"]["containers"]:
                if container["name"] == name:
                    return container
    raise LookupError(f"{manifest}: no container {name} in {deployment}")


def _config_map() -> dict[str, str]:
    for document in yaml.safe_load_all((MANIFESTS / "config.yaml").read_text()):
        if document and document["kind"] == "ConfigMap":
            return {key: str(value) for key, value in document["data"].items()}
    raise LookupError("config.yaml: no ConfigMap")


def _on_loopback(args: list[str], port: int) -> list[str]:
    """The container's command with its listening address moved to 127.0.0.1:<port>, run by
    this interpreter (`python -m gunicorn|daphne`)."""
    program, *rest = args
    moved = []
    for arg in rest:
        if arg == "0.0.0.0:8000":
            arg = f"127.0.0.1:{port}"
        elif arg == "0.0.0.0":
            arg = "127.0.0.1"
        elif arg == "8000":
            arg = str(port)
        moved.append(arg)
    if f"127.0.0.1:{port}" not in moved and str(port) not in moved:
        raise ValueError(f"{program}: no listening address in {args}")
    return ["-m", program, *moved]


def manifest_commands() -> dict[str, tuple[list[str], dict[str, str]]]:
    """{"web": (args, env), "realtime": (args, env)} as the manifest gives them."""
    shared = _config_map()
    found = {}
    for deployment, name in (("ponton-web", "web"), ("ponton-realtime", "realtime")):
        container = _container("web.yaml", deployment, name)
        env = {
            "DJANGO_SETTINGS_MODULE": shared["DJANGO_SETTINGS_MODULE"],
            "DB_CONN_MAX_AGE": shared["DB_CONN_MAX_AGE"],
        }
        env.update({item["name"]: str(item["value"]) for item in container.get("env", [])})
        found[name] = (list(container.get("command", [])) + list(container["args"]), env)
    return found


def _wait_listening(port: int, proc: subprocess.Popen, log: Path) -> None:
    wait_listening(
        port,
        alive=lambda: proc.poll() is None,
        why=lambda: log.read_text()[-4000:],
        timeout=START_TIMEOUT_S,
    )


def _static_sources_fingerprint() -> str:
    """Changes when a static file of the project or an installed distribution changes."""
    import hashlib
    import sysconfig

    digest = hashlib.sha256()
    for top in ("platform", "tenants", "modules", "realtime"):
        for path in sorted((ROOT / top).rglob("static/**/*")):
            if path.is_file():
                stat = path.stat()
                digest.update(
                    f"{path.relative_to(ROOT)}:{stat.st_size}:{stat.st_mtime_ns}".encode()
                )
    site = Path(sysconfig.get_paths()["purelib"])
    digest.update(" ".join(sorted(p.name for p in site.glob("*.dist-info"))).encode())
    return digest.hexdigest()


def collect_static(env: dict[str, str]) -> None:
    """`manage.py collectstatic` with the tier's settings into DATA_DIR/static, as the image's
    build does (the production settings serve hashed names from its manifest), unless the
    sources are those of the last collection (it costs ~15 s)."""
    stamp = DATA_DIR / "static.fingerprint"
    fingerprint = _static_sources_fingerprint()
    if stamp.exists() and stamp.read_text() == fingerprint:
        return
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--clear", "-v", "0"],
        env=env,
        cwd=ROOT,
        check=True,
    )
    stamp.write_text(fingerprint)


@dataclass
class ProductionTier:
    name: str
    web_port: int
    ws_port: int
    web_args: list[str]
    web_env: dict[str, str]
    workers: int
    pooler: PgBouncer
    database_url: str  # straight to PostgreSQL, for watching it
    log_dir: Path
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    web_starts: int = 0

    # --- gunicorn ---------------------------------------------------------------------------

    def start_web(self) -> None:
        """A gunicorn master (a session of its own: its workers are its group) on web_port,
        waited for until every worker has booted and answers."""
        self.web_starts += 1
        log = self.log_dir / f"prod-{self.name}-gunicorn-{self.web_starts}.log"
        with open(log, "w") as out:
            proc = subprocess.Popen(
                [sys.executable, *_on_loopback(self.web_args, self.web_port)],
                env=self.web_env,
                cwd=ROOT,
                stdout=out,
                stderr=out,
                start_new_session=True,
            )
        self.procs["web"] = proc
        _wait_listening(self.web_port, proc, log)
        self.wait_workers()

    def worker_pids(self) -> list[int]:
        try:
            return [child.pid for child in psutil.Process(self.procs["web"].pid).children()]
        except psutil.NoSuchProcess:
            return []

    def wait_workers(self) -> None:
        """Until the master has all its workers and the tier answers: `workers` x 2 requests
        at once, each answered (a worker loads the application after it is forked)."""
        deadline = time.monotonic() + START_TIMEOUT_S
        while len(self.worker_pids()) < self.workers:
            if self.procs["web"].poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn has {len(self.worker_pids())} workers")
            time.sleep(0.1)
        with ThreadPoolExecutor(max_workers=self.workers * 2) as pool:
            answers = list(pool.map(lambda _i: self._probe(), range(self.workers * 2)))
        if 0 in answers:
            raise RuntimeError(f"gunicorn did not answer: {answers}")

    def _probe(self) -> int:
        """The platform's host, an API path that needs a token: 401 once a worker runs."""
        status, _headers, _body = request(
            self.web_port, "GET", self.web_env["PLATFORM_DOMAIN"], "/api/v1/", token=None
        )
        return status

    def serving_workers(self) -> list[int]:
        """The workers holding a connection to the pooler: those that have served requests
        (persistent connections, DB_CONN_MAX_AGE)."""
        serving = []
        for pid in self.worker_pids():
            with contextlib.suppress(psutil.NoSuchProcess):
                remote = [c.raddr for c in psutil.Process(pid).net_connections("tcp") if c.raddr]
                if any(address.port == self.pooler.port for address in remote):
                    serving.append(pid)
        return serving

    def worker_in_transaction(self, *, timeout: float = 10) -> int | None:
        """A worker whose database session is inside a transaction at this moment, found from
        PostgreSQL's side: a backend of the tier's database with a transaction open
        (pg_stat_activity), the PgBouncer server connection of that backend (SHOW SERVERS'
        remote_pid), the client linked to it (SHOW CLIENTS), the worker whose socket is that
        client. None when no such worker was seen within `timeout` seconds."""
        import psycopg

        deadline = time.monotonic() + timeout
        with psycopg.connect(self.database_url, autocommit=True) as watcher:
            while time.monotonic() < deadline:
                backends = {
                    row[0]
                    for row in watcher.execute(
                        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                        "AND xact_start IS NOT NULL AND pid <> pg_backend_pid()"
                    ).fetchall()
                }
                if backends:
                    links = {
                        row["link"]
                        for row in self.pooler.show("SERVERS")
                        if row.get("remote_pid") in backends and row.get("link")
                    }
                    ports = {
                        row["port"] for row in self.pooler.show("CLIENTS") if row["ptr"] in links
                    }
                    for pid in self.worker_pids():
                        with contextlib.suppress(psutil.NoSuchProcess):
                            local = {
                                c.laddr.port
                                for c in psutil.Process(pid).net_connections("tcp")
                                if c.raddr and c.raddr.port == self.pooler.port
                            }
                            if local & ports:
                                return pid
                time.sleep(0.005)
        return None

    def kill_worker(self, pid: int | None = None) -> int:
        """SIGKILL one of this master's workers (the first by default); its pid."""
        pid = pid or self.worker_pids()[0]
        if pid not in self.worker_pids():
            raise ValueError(f"{pid} is not a worker of this tier")
        os.kill(pid, signal.SIGKILL)
        return pid

    def crash_web(self) -> None:
        """SIGKILL the master and its workers at once (its own process group)."""
        proc = self.procs.pop("web")
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)

    # --- both -------------------------------------------------------------------------------

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=15)
        self.procs.clear()


@contextlib.contextmanager
def production_tier(
    *, database_url: str, redis_url: str, secret_key: str, platform_domain: str, name: str
) -> Iterator[ProductionTier]:
    """Start PgBouncer (session mode), gunicorn and daphne as the manifest does, on
    `database_url`'s database and `redis_url`; stop them all when the block ends."""
    commands = manifest_commands()
    web_args, web_only = commands["web"]
    ws_args, ws_only = commands["realtime"]
    log_dir = ROOT / ".data"
    log_dir.mkdir(exist_ok=True)
    db = urlsplit(database_url)
    upstream = (db.hostname or "127.0.0.1", db.port or 5432, db.username or "postgres")
    with pgbouncer(
        mode="session",
        pool_size=POOLER_SIZE,
        name=f"prod-{name}",
        upstream=upstream,
    ) as pooler:
        base = dict(os.environ)
        base.update(
            PYTHONPATH=f"{ROOT / 'platform'}:{ROOT}",
            DATABASE_URL=pooler.dsn(db.path.lstrip("/")),
            REDIS_URL=redis_url,
            SECRET_KEY=secret_key,
            PLATFORM_DOMAIN=platform_domain,
            ALLOWED_HOSTS=f"{platform_domain},.{platform_domain}",
            EMAIL_HOST="127.0.0.1",
            PONTON_DATA_DIR=str(DATA_DIR),
        )
        for variable in ("DB_POOL_MAX_SIZE", "DB_CONN_MAX_AGE", "WEB_CONCURRENCY"):
            base.pop(variable, None)
        web_env = {**base, **web_only}
        collect_static(web_env)
        tier = ProductionTier(
            name=name,
            web_port=free_port(),
            ws_port=free_port(),
            web_args=web_args,
            web_env=web_env,
            workers=int(web_env.get("WEB_CONCURRENCY", "1")),
            pooler=pooler,
            database_url=database_url,
            log_dir=log_dir,
        )
        try:
            log = log_dir / f"prod-{name}-daphne.log"
            with open(log, "w") as out:
                tier.procs["ws"] = subprocess.Popen(
                    [sys.executable, *_on_loopback(ws_args, tier.ws_port)],
                    env={**base, **ws_only},
                    cwd=ROOT,
                    stdout=out,
                    stderr=out,
                    start_new_session=True,
                )
            tier.start_web()
            _wait_listening(tier.ws_port, tier.procs["ws"], log)
            yield tier
        finally:
            tier.stop()


# --- a client of the tier --------------------------------------------------------------------


def request(
    port: int,
    method: str,
    host: str,
    path: str,
    *,
    token: str | None,
    body: bytes | None = None,
    timeout: float = 120,
    extra_headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """One request on its own connection, as the TLS proxy passes it on: (status, headers,
    body), or (0, {}, the error) when the connection dropped or was refused."""
    headers = {"Host": host, "X-Forwarded-Proto": "https", "X-Forwarded-For": "127.0.0.1"}
    headers.update(extra_headers or {})
    if token:
        headers["Authorization"] = f"Token {token}"
    if body is not None:
        headers["Content-Type"] = "application/json"
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    except (OSError, http.client.HTTPException) as exc:
        return 0, {}, repr(exc).encode()
    finally:
        conn.close()
