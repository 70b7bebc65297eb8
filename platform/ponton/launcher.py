"""`make run`: start (or reuse) the database, migrate, seed the demo, serve with daphne.

Without DATABASE_URL a private PostgreSQL (pgserver) runs under .data/pg and is stopped when
this process ends (Ctrl-C), leaving no PostgreSQL process behind. Without REDIS_URL the
in-memory channel layer and in-process tasks are used (settings).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


# Twisted listens with a backlog of 50: a burst of simultaneous clients beyond it had connections
# reset by the kernel. The endpoint string raises it (the kernel caps it at net.core.somaxconn).
BACKLOG = 1024


def daphne_args(bind: str, port: str | int) -> list[str]:
    """The arguments of `python -m daphne` serving Ponton on bind:port."""
    endpoint = f"tcp:port={port}:interface={bind}:backlog={BACKLOG}"
    return ["-m", "daphne", "-e", endpoint, "ponton.config.asgi:application"]


def _run(args: list[str], env: dict) -> None:
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], env=env, check=True)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _ffvoile_emulator(env: dict) -> subprocess.Popen | None:
    """Without FFVOILE_BASE_URL, the federation's licence service is emulated on loopback
    (modules/ffvoile/emulator.py) so that licences can be tried in the browser."""
    if env.get("FFVOILE_BASE_URL"):
        return None
    port = _free_port()
    env["FFVOILE_BASE_URL"] = f"http://127.0.0.1:{port}"
    print(f"Émulateur FF Voile : {env['FFVOILE_BASE_URL']}", flush=True)
    return subprocess.Popen(
        [sys.executable, "-m", "modules.ffvoile.emulator", "--port", str(port)],
        env=env,
        cwd=ROOT,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
    )


def main() -> int:
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "ponton.config.settings.dev")
    port = env.get("PORT", "8000")
    env.setdefault("PUBLIC_PORT_SUFFIX", f":{port}")
    server = None
    if not env.get("DATABASE_URL"):
        import pgserver

        data_dir = Path(env.get("PONTON_DATA_DIR", ROOT / ".data"))
        pgdata = data_dir / "pg"
        pgdata.mkdir(parents=True, exist_ok=True)
        print(f"Base de données privée : {pgdata}", flush=True)
        server = pgserver.get_server(pgdata, cleanup_mode="stop")
        exists = server.psql("SELECT 1 FROM pg_database WHERE datname = 'ponton';")
        if "1 row" not in exists:
            server.psql("CREATE DATABASE ponton;")
        env["DATABASE_URL"] = server.get_uri("ponton")
    daphne = None
    releaser = None
    emulator = None
    try:
        emulator = _ffvoile_emulator(env)
        _run(["migrate", "--noinput", "-v", "0"], env)
        # The demo's emails go to the outbox page, not between the startup lines.
        _run(["seed_demo"], dict(env, OUTBOX_ECHO="0"))
        # Expired online baskets give their seats back every minute (Celery beat's job in
        # production; here a small loop beside the server). Its own session: Ctrl-C reaches
        # this launcher, which stops it before PostgreSQL; one connection, no pool.
        releaser = subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), "release_expired_holds", "--every", "60"],
            env=dict(env, DB_POOL_MAX_SIZE="0"),
            cwd=ROOT,
            start_new_session=True,
        )
        daphne = subprocess.Popen(
            [sys.executable, *daphne_args(env.get("BIND", "127.0.0.1"), port)],
            env=env,
            cwd=ROOT,
        )
        return daphne.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        # A second Ctrl-C must not cut the clean-up short and leave PostgreSQL running.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if releaser is not None and releaser.poll() is None:
            releaser.kill()  # it holds nothing a kill could lose (each release is one commit)
            releaser.wait(timeout=10)
        if emulator is not None and emulator.poll() is None:
            emulator.kill()  # stateless: licences it issued are recorded by Ponton
            emulator.wait(timeout=10)
        if daphne is not None and daphne.poll() is None:
            # SIGTERM, not SIGINT: a process started in the background by a shell inherits
            # SIGINT ignored, but daphne always stops cleanly on SIGTERM.
            daphne.send_signal(signal.SIGTERM)
            try:
                daphne.wait(timeout=10)
            except subprocess.TimeoutExpired:
                daphne.kill()
        if server is not None:
            server.cleanup()
            print("Base de données arrêtée.", flush=True)


if __name__ == "__main__":
    # Ctrl-C (SIGINT) and SIGTERM both stop everything cleanly, even when this process was
    # started with SIGINT ignored (a parent that ignores it passes that on to its children).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    sys.exit(main())
