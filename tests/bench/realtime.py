"""Realtime benchmarks: one daphne process with the Redis channel layer, real websocket clients.

ws_clients_held / ws_server_rss_mb: 1,000 simultaneous notification sockets on one daphne.
fanout_200_ms: one notification to 200 connected staff sockets, until the last receives it.
forum_latency_p95_ms: a customer's message (HTTP POST) until the staff socket receives it.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Daphne:
    """A daphne process serving the product on the bench database with Redis."""

    def __init__(self, env: dict[str, str]):
        self.port = free_port()
        # Persistent database connections, as in production (each socket's handshake reads
        # the session, the user, the structure and the membership).
        self.env = dict(
            env, REDIS_URL=REDIS_URL, PUBLIC_PORT_SUFFIX=f":{self.port}", DB_CONN_MAX_AGE="60"
        )
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> Daphne:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "daphne",
                "-b",
                "127.0.0.1",
                "-p",
                str(self.port),
                "ponton.config.asgi:application",
            ],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=sys.stderr,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("daphne did not start")

    def __exit__(self, *exc) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    def rss_mb(self) -> float:
        import psutil

        return psutil.Process(self.proc.pid).memory_info().rss / (1024 * 1024)


def use_redis_layer_in_process() -> None:
    """Events published by this process must reach daphne: same Redis layer."""
    from django.conf import settings

    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }


def session_for(user) -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


async def open_socket(port: int, host: str, path: str, session_key: str):
    import websockets

    # The URI carries the structure's host (Host header); the TCP connection goes to loopback.
    return await websockets.connect(
        f"ws://{host}:{port}{path}",
        host="127.0.0.1",
        port=port,
        additional_headers={
            "Origin": f"http://{host}:{port}",
            "Cookie": f"sessionid={session_key}",
        },
        open_timeout=30,
        ping_interval=None,
        max_queue=None,
    )


def bench_structure(prefix: str):
    from tenants.services import StructureData, structure_create

    stamp = int(time.time() * 1000) % 10_000_000
    structure, owner = structure_create(
        data=StructureData(
            name=f"Banc {prefix}", slug=f"{prefix}{stamp}", owner_email=f"o{stamp}@{prefix}.test"
        )
    )
    return structure, owner


def bench_ws_clients_held(*, env: dict[str, str], emit) -> None:
    """1,000 notification sockets held at once by one daphne process, and its memory."""
    use_redis_layer_in_process()
    structure, owner = bench_structure("held")
    key = session_for(owner)
    host = structure.get_primary_domain().domain
    target = 1000

    with Daphne(env) as daphne:
        rss_before = daphne.rss_mb()

        async def run() -> tuple[int, float]:
            sockets = []
            for start in range(0, target, 100):
                batch = await asyncio.gather(
                    *[
                        open_socket(daphne.port, host, "/ws/notifications/", key)
                        for _ in range(start, min(start + 100, target))
                    ],
                    return_exceptions=True,
                )
                sockets.extend(s for s in batch if not isinstance(s, BaseException))
                errors = [s for s in batch if isinstance(s, BaseException)]
                if errors:
                    log(f"{len(errors)} refused, e.g. {errors[0]!r}")
            await asyncio.sleep(3)
            held = sum(1 for s in sockets if s.state.name == "OPEN")
            rss = daphne.rss_mb()
            await asyncio.gather(*[s.close() for s in sockets], return_exceptions=True)
            return held, rss

        held, rss = asyncio.run(run())
    log(f"held {held}/{target} sockets; daphne RSS {rss_before:.0f} -> {rss:.0f} MB")
    emit("ws_clients_held", held, "sockets", target, better="higher")
    emit("ws_server_rss_mb", round(rss, 1), "MB", 1024, idle_mb=round(rss_before, 1))


def bench_fanout_200_ms(*, env: dict[str, str], emit) -> None:
    """One notification to 200 connected staff members: time until the last socket has it."""
    from django_tenants.utils import schema_context

    from ponton.accounts.models import Membership, Role, User
    from realtime.services import notification_create

    use_redis_layer_in_process()
    structure, _owner = bench_structure("fanout")
    host = structure.get_primary_domain().domain
    users = [User.objects.create_user(email=f"staff{i}@{structure.slug}.test") for i in range(200)]
    Membership.objects.bulk_create(
        [Membership(user=u, structure=structure, role=Role.STAFF) for u in users]
    )
    keys = [session_for(u) for u in users]
    rounds = 10

    with Daphne(env) as daphne:

        async def run() -> list[float]:
            sockets = []
            for start in range(0, len(keys), 50):
                sockets += await asyncio.gather(
                    *[
                        open_socket(daphne.port, host, "/ws/notifications/", k)
                        for k in keys[start : start + 50]
                    ]
                )
            results = []
            for r in range(rounds):
                started = time.perf_counter()
                await asyncio.to_thread(_notify, structure, r)
                await asyncio.gather(*[_until_event(s, "notification.created") for s in sockets])
                results.append((time.perf_counter() - started) * 1000)
            await asyncio.gather(*[s.close() for s in sockets], return_exceptions=True)
            return results

        def _notify(structure, r):
            with schema_context(structure.schema_name):
                notification_create(
                    structure=structure, kind="bench", title=f"Annonce {r}", roles=[Role.STAFF]
                )

        times = asyncio.run(run())
    log(f"fanout to 200: {', '.join(f'{t:.0f}' for t in times)} ms")
    emit(
        "fanout_200_ms",
        round(statistics.median(times), 1),
        "ms",
        200,
        max=round(max(times), 1),
        rounds=rounds,
    )


async def _until_event(sock, event_type: str) -> dict:
    while True:
        message = json.loads(await asyncio.wait_for(sock.recv(), timeout=30))
        if message.get("type") == event_type:
            return message


def bench_forum_latency_p95_ms(*, env: dict[str, str], emit) -> None:
    """1,000 customer messages, one after the other: from the customer's POST until the staff
    socket watching the conversation has the event."""
    import httpx
    from django_tenants.utils import schema_context

    from modules.forum.services import conversation_open
    from ponton.customers.services import customer_create, customer_invite

    use_redis_layer_in_process()
    structure, owner = bench_structure("forum")
    host = structure.get_primary_domain().domain
    with schema_context(structure.schema_name):
        customer = customer_create(first_name="Léa", last_name="Banc", email=f"lea@{host}.test")
        account = customer_invite(structure=structure, customer=customer)
        conversation = conversation_open(customer=customer)
    staff_key, customer_key = session_for(owner), session_for(account)
    count = 1000
    server_env = dict(env, RATELIMIT_FORUM_MESSAGE=f"{count * 2}/60")

    with Daphne(server_env) as daphne:
        base = f"http://127.0.0.1:{daphne.port}"
        origin = f"http://{host}:{daphne.port}"

        async def run() -> list[float]:
            staff = await open_socket(daphne.port, host, f"/ws/forum/{conversation.pk}/", staff_key)
            csrf = "b" * 32
            headers = {
                "Host": f"{host}:{daphne.port}",
                "Origin": origin,
                "Referer": f"{origin}/compte/discussions/",
                "X-CSRFToken": csrf,
                "Accept": "application/json",
            }
            cookies = {"sessionid": customer_key, "csrftoken": csrf}
            latencies = []
            async with httpx.AsyncClient(base_url=base, headers=headers, cookies=cookies) as http:
                for i in range(count):
                    started = time.perf_counter()
                    response = await http.post(
                        "/compte/discussions/", data={"body": f"Message {i}"}
                    )
                    if response.status_code != 201:
                        raise RuntimeError(
                            f"POST answered {response.status_code}: {response.text[:200]}"
                        )
                    sent_id = response.json()["message"]["id"]
                    while True:
                        event = await _until_event(staff, "forum.message")
                        if event["payload"]["id"] == sent_id:
                            break
                    latencies.append((time.perf_counter() - started) * 1000)
            await staff.close()
            return latencies

        times = asyncio.run(run())
    ordered = sorted(times)
    p95 = ordered[int(0.95 * len(ordered)) - 1]
    log(
        f"forum latency: median {statistics.median(times):.1f} ms, p95 {p95:.1f} ms, "
        f"max {max(times):.1f} ms"
    )
    emit(
        "forum_latency_p95_ms",
        round(p95, 1),
        "ms",
        50,
        median=round(statistics.median(times), 1),
        messages=count,
    )
