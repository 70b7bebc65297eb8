"""Live availability benchmark (MP-1).

availability_push_ms / availability_push_ms_max: 200 shop pages hold the anonymous socket
`ws/disponibilites/` on one daphne process (Redis channel layer, as in production: the sale is
made by this process, the sockets are served by daphne); a staff sale (`order_create`) is
committed, and for each of the 200 sockets the time from the commit to the socket receiving the
new free-seat count is measured. Ten sales; the median and the maximum over all 2,000
deliveries. Goal: both ≤ 200 ms.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time

from tests.bench.realtime import Daphne, bench_structure, use_redis_layer_in_process

SOCKETS = 200
SALES = 10
GOAL_MS = 200


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


async def _open(port: int, host: str):
    import websockets

    # An anonymous shop page: the page's own Origin, no cookie.
    return await websockets.connect(
        f"ws://{host}:{port}/ws/disponibilites/",
        host="127.0.0.1",
        port=port,
        additional_headers={"Origin": f"http://{host}:{port}"},
        open_timeout=30,
        ping_interval=None,
        max_queue=None,
    )


async def _until_free(sock, session_key: str, free: int) -> float:
    """Wait for the event giving `free` seats for the session; the moment it arrived."""
    while True:
        message = json.loads(await asyncio.wait_for(sock.recv(), timeout=30))
        seats = message.get("payload", {}).get("sessions", {}).get(session_key)
        if message.get("type") == "availability.changed" and seats and seats["free"] == free:
            return time.perf_counter()


def bench_availability_push_ms(*, env: dict[str, str], emit) -> None:
    from django.db import connection, transaction
    from django_tenants.utils import schema_context

    from ponton.sales.services import LineRequest, order_create
    from tests.support.sales import STAFF, make_shop

    use_redis_layer_in_process()
    structure, _owner = bench_structure("dispo")
    host = structure.get_primary_domain().domain
    with schema_context(structure.schema_name):
        shop = make_shop(capacity=SALES + 10)

    def sell() -> float:
        """One staff order of one seat; returns the moment its transaction committed (the
        first of its commit hooks, registered before the sale's own)."""
        committed: list[float] = []
        try:
            with schema_context(structure.schema_name), transaction.atomic():
                transaction.on_commit(lambda: committed.append(time.perf_counter()))
                order_create(
                    payer=shop.payer,
                    lines=[
                        LineRequest(
                            product=shop.activity,
                            session=shop.session,
                            rate=shop.adult,
                            consumer=shop.payer,
                        )
                    ],
                    actor=STAFF,
                )
        finally:
            connection.close()  # a worker thread's connection
        return committed[0]

    with Daphne(env) as daphne:

        async def run() -> list[float]:
            sockets = []
            for start in range(0, SOCKETS, 50):
                sockets += await asyncio.gather(
                    *[_open(daphne.port, host) for _ in range(start, min(start + 50, SOCKETS))]
                )
            await asyncio.sleep(1)  # every socket has joined the group
            latencies: list[float] = []
            key = str(shop.session.pk)
            for sale in range(SALES):
                free = shop.session.capacity - (sale + 1)
                waiting = [asyncio.create_task(_until_free(s, key, free)) for s in sockets]
                committed = await asyncio.to_thread(sell)
                received = await asyncio.gather(*waiting)
                latencies += [(at - committed) * 1000 for at in received]
                log(
                    f"sale {sale + 1}: median {statistics.median(latencies[-SOCKETS:]):.1f} ms, "
                    f"last socket {max(latencies[-SOCKETS:]):.1f} ms"
                )
                await asyncio.sleep(0.2)
            await asyncio.gather(*[s.close() for s in sockets], return_exceptions=True)
            return latencies

        latencies = asyncio.run(run())
    median, worst = statistics.median(latencies), max(latencies)
    log(f"availability push to {SOCKETS} sockets: median {median:.1f} ms, max {worst:.1f} ms")
    extra = {"sockets": SOCKETS, "sales": SALES, "deliveries": len(latencies)}
    emit("availability_push_ms", round(median, 1), "ms", GOAL_MS, **extra)
    emit("availability_push_ms_max", round(worst, 1), "ms", GOAL_MS, **extra)
