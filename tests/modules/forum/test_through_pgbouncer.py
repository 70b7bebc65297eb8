"""FO-1 through PgBouncer (issue 17 §2): a real daphne whose only database is a real pgbouncer
in front of the test PostgreSQL serves the forum's pages and its websocket to two structures,
and a structure's request never sees another structure's schema through the pooler.

POOL_MODE is the production setting (docs/adr/0024): "session". Set it to "transaction" and
`test_each_answer_carries_only_its_own_structures_data` fails: django-tenants sets the
search_path once per connection (TENANT_LIMIT_SET_CALLS), and in transaction mode the next
statement may run on a server connection whose search_path another structure set — which
`test_transaction_mode_gives_a_structure_another_structures_data` shows.

The server opens a database connection per request (no persistent connections), so the
requests of the tests below are more clients than the pooler's POOL_SIZE server connections:
they queue in pgbouncer and take the same server connection in turn.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx
import psycopg
import pytest
from django.db import connection
from django_tenants.utils import schema_context

from modules.forum.models import Message
from modules.forum.services import conversation_open, message_post_by_customer
from ponton.accounts.models import Role, User
from ponton.launcher import daphne_args
from tests.conftest import free_port, host_of
from tests.platform.customers.factories import make_customer
from tests.realtime.ws import session_key
from tests.support import pgbouncer as pgbouncer_support
from tests.support.pgbouncer import PgBouncer, pgbouncer
from tests.support.servers import ROOT, database_env, serving

POOL_MODE = "session"
POOL_SIZE = 1
CSRF = "c" * 32

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@dataclass
class Pooled:
    """A daphne serving the product with DATABASE_URL pointing at a pgbouncer."""

    port: int
    dbname: str
    pooler: PgBouncer


@dataclass
class Club:
    key: str
    structure: object
    staff: User
    customer: object
    customer_user: User
    name: str
    host: str


@contextlib.contextmanager
def pooled_daphne(*, mode: str, pool_size: int, name: str) -> Iterator[Pooled]:
    if not pgbouncer_support.available():
        pytest.fail(f"{pgbouncer_support.BINARY} is missing: install Debian's pgbouncer package")
    dbname = connection.settings_dict["NAME"]  # the test database pytest-django created
    with pgbouncer(mode=mode, pool_size=pool_size, name=name) as pooler:
        port = free_port()
        # One database connection per request, closed after it: no psycopg pool, no reuse.
        env = database_env(DB_CONN_MAX_AGE="0", DB_POOL_MAX_SIZE="0")
        env["DATABASE_URL"] = pooler.dsn(dbname)
        log = ROOT / ".data" / f"daphne-{name}-{port}.log"
        with serving(daphne_args("127.0.0.1", port), port=port, env=env, log=log):
            yield Pooled(port=port, dbname=dbname, pooler=pooler)


@pytest.fixture(scope="module")
def server(django_db_setup) -> Iterator[Pooled]:
    with pooled_daphne(mode=POOL_MODE, pool_size=POOL_SIZE, name="forum-pgbouncer") as pooled:
        yield pooled


@pytest.fixture
def make_pgb_club(make_structure, make_member):
    def _make(key: str) -> Club:
        structure, _owner = make_structure(name=f"Club {key}")
        customer, user = make_customer(structure, first_name=f"Client{key}", last_name="Pooler")
        staff = make_member(structure, Role.STAFF)
        name = f"Client{key} Pooler"
        return Club(key, structure, staff, customer, user, name, host_of(structure))

    return _make


@pytest.fixture
def clubs(make_pgb_club) -> tuple[Club, Club]:
    return make_pgb_club("A"), make_pgb_club("B")


def browser(server: Pooled, club: Club, user: User) -> httpx.Client:
    """An HTTP client on the structure's host, logged in as `user`, with a CSRF token."""
    origin = f"http://{club.host}:{server.port}"
    return httpx.Client(
        base_url=f"http://127.0.0.1:{server.port}",
        headers={"Host": f"{club.host}:{server.port}", "Origin": origin, "X-CSRFToken": CSRF},
        cookies={"sessionid": session_key(club.structure, user), "csrftoken": CSRF},
        timeout=60,
    )


def queries_through(server: Pooled) -> int:
    stats = server.pooler.stats(server.dbname)
    return int(stats.get("total_query_count", 0))


def wait_for_more_queries(server: Pooled, than: int) -> int:
    """pgbouncer refreshes its counters every second: poll until they pass `than`."""
    deadline = time.monotonic() + 15
    while (count := queries_through(server)) <= than and time.monotonic() < deadline:
        time.sleep(0.2)
    return count


def stored_bodies(club: Club) -> list[str]:
    with schema_context(club.structure.schema_name):
        return list(Message.objects.order_by("id").values_list("body", flat=True))


def test_forum_pages_of_two_structures_through_the_pooler(server, clubs):
    """FO-1 pages, served through PgBouncer: each customer writes from "Mes discussions", each
    staff sees their own structure's conversation and not the other's."""
    before = queries_through(server)
    for club, other in (clubs, reversed(clubs)):
        with browser(server, club, club.customer_user) as customer:
            page = customer.get("/compte/discussions/")
            assert page.status_code == 200
            assert "<h1>Mes discussions</h1>" in page.text
            sent = customer.post(
                "/compte/discussions/",
                data={"body": f"Bonjour du club {club.key}"},
                headers={"Accept": "application/json"},
            )
            assert sent.status_code == 201, sent.text
            assert sent.json()["message"]["body"] == f"Bonjour du club {club.key}"
        with browser(server, club, club.staff) as staff:
            listing = staff.get("/manager/m/forum/")
            assert listing.status_code == 200
            assert club.name in listing.text
            assert other.name not in listing.text
            thread = staff.get(f"/manager/m/forum/clients/{club.customer.pk}/")
            assert thread.status_code == 200
            assert f"Bonjour du club {club.key}" in thread.text
            assert f"Bonjour du club {other.key}" not in thread.text
    for club in clubs:
        assert stored_bodies(club) == [f"Bonjour du club {club.key}"]
    assert wait_for_more_queries(server, before) > before  # they went through the pooler
    pools = [row for row in server.pooler.show("POOLS") if row["database"] == server.dbname]
    assert [row["pool_mode"] for row in pools] == [POOL_MODE]


async def open_socket(server: Pooled, club: Club, user_session: str, conversation_id: int):
    import websockets

    return await websockets.connect(
        f"ws://{club.host}:{server.port}/ws/forum/{conversation_id}/",
        host="127.0.0.1",
        port=server.port,
        additional_headers={
            "Origin": f"http://{club.host}:{server.port}",
            "Cookie": f"sessionid={user_session}",
        },
        open_timeout=60,
        ping_interval=None,
    )


async def next_message(socket, timeout: float = 30) -> dict:
    return json.loads(await asyncio.wait_for(socket.recv(), timeout=timeout))


def test_forum_websocket_of_two_structures_through_the_pooler(server, clubs):
    """FO-1 websocket, served through PgBouncer: the handshake's checks (session, structure,
    membership, conversation) run in the right schema; a customer's message reaches their
    structure's staff socket and not the other structure's; a foreign staff member is refused."""
    import websockets

    a, b = clubs
    conversations, keys = {}, {}
    for club in clubs:
        with schema_context(club.structure.schema_name):
            conversations[club.key] = conversation_open(customer=club.customer).pk
        keys[club.key] = session_key(club.structure, club.staff)
    intruder = session_key(b.structure, b.staff)
    customers = {club.key: browser(server, club, club.customer_user) for club in clubs}

    async def scenario():
        sockets = {
            club.key: await open_socket(server, club, keys[club.key], conversations[club.key])
            for club in clubs
        }
        with pytest.raises(websockets.exceptions.InvalidStatus) as refused:
            await open_socket(server, a, intruder, conversations["A"])  # B's staff on A
        received = {}
        for club, other in ((a, b), (b, a)):
            sent = await asyncio.to_thread(
                customers[club.key].post,
                "/compte/discussions/",
                data={"body": f"En direct du club {club.key}"},
                headers={"Accept": "application/json"},
            )
            assert sent.status_code == 201, sent.text
            received[club.key] = (sent.json()["message"], await next_message(sockets[club.key]))
            with pytest.raises(TimeoutError):  # nothing for the other structure's staff
                await next_message(sockets[other.key], timeout=0.5)
        for socket in sockets.values():
            await socket.close()
        return refused.value.response.status_code, received

    try:
        status, received = asyncio.run(scenario())
    finally:
        for customer in customers.values():
            customer.close()
    assert status == 403
    for club in clubs:
        message, event = received[club.key]
        assert event == {"type": "forum.message", "payload": message}
        assert message["body"] == f"En direct du club {club.key}"
        assert message["conversation_id"] == conversations[club.key]
        assert stored_bodies(club) == [f"En direct du club {club.key}"]


# --- Why transaction mode is refused -----------------------------------------------------------


def post_messages(clubs: tuple[Club, ...]) -> dict[str, list[str]]:
    """Two messages in each structure's conversation -> the bodies each must read back."""
    expected = {}
    for club in clubs:
        with schema_context(club.structure.schema_name):
            conversation_open(customer=club.customer)
            for n in (1, 2):
                message_post_by_customer(
                    structure=club.structure, customer=club.customer, body=f"{club.key}-{n}"
                )
        expected[club.key] = [f"{club.key}-1", f"{club.key}-2"]
    return expected


def interleaved_reads(
    server: Pooled, clubs: tuple[Club, ...], *, requests: int = 60, threads: int = 6
) -> list[tuple[str, int, list[str] | str]]:
    """The staff's catch-up of each structure's conversation, requests of both structures
    alternating from `threads` clients at once -> (structure, status, bodies read)."""
    readers = {
        club.key: (club.host, session_key(club.structure, club.staff), club.customer.pk)
        for club in clubs
    }

    def read(index: int) -> tuple[str, int, list[str] | str]:
        key = clubs[index % len(clubs)].key
        host, session, customer_id = readers[key]
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
        try:
            conn.request(
                "GET",
                f"/manager/m/forum/clients/{customer_id}/messages/",
                headers={
                    "Host": host,
                    "Cookie": f"sessionid={session}",
                    "Accept": "application/json",
                },
            )
            response = conn.getresponse()
            data = response.read().decode()
        finally:
            conn.close()
        if response.status != 200:
            return key, response.status, data[:200]
        return key, 200, [m["body"] for m in json.loads(data)["messages"]]

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(read, range(requests)))


def crossed(answers, expected: dict[str, list[str]]) -> list[tuple[str, list[str]]]:
    """The answers of one structure that carry another structure's messages."""
    return [
        (key, got)
        for key, status, got in answers
        if status == 200 and any(got == expected[other] for other in expected if other != key)
    ]


def test_each_answer_carries_only_its_own_structures_data(server, clubs):
    """Through the pooler in POOL_MODE with fewer server connections than clients, 60
    interleaved requests of two structures: every answer is its own structure's messages."""
    expected = post_messages(clubs)
    answers = interleaved_reads(server, clubs)
    wrong = [(key, status, got) for key, status, got in answers if got != expected[key]]
    assert wrong == [], f"{len(wrong)} of {len(answers)} answers were not their own: {wrong[:5]}"
    assert sorted(key for key, _status, _got in answers) == ["A"] * 30 + ["B"] * 30
    # The mechanism: a client's search_path ends with its session; the next client that gets
    # the same server connection starts from the default one.
    a = clubs[0]
    with psycopg.connect(server.pooler.dsn(server.dbname), autocommit=True) as first:
        default = first.execute("SHOW search_path").fetchone()
        first.execute(f'SET search_path = "{a.structure.schema_name}", public')
        backend = first.execute("SELECT pg_backend_pid()").fetchone()
    with psycopg.connect(server.pooler.dsn(server.dbname), autocommit=True) as second:
        assert second.execute("SELECT pg_backend_pid()").fetchone() == backend  # same server
        assert second.execute("SHOW search_path").fetchone() == default


def test_transaction_mode_gives_a_structure_another_structures_data(clubs):
    """Why transaction mode is refused (docs/adr/0024): the same requests through a pgbouncer in
    transaction mode come back with the other structure's messages or fail; and the mechanism,
    shown directly: a search_path set by one client is what the next client's query uses."""
    expected = post_messages(clubs)
    a, b = clubs
    with pooled_daphne(mode="transaction", pool_size=POOL_SIZE, name="forum-transaction") as srv:
        with (
            psycopg.connect(srv.pooler.dsn(srv.dbname), autocommit=True) as first,
            psycopg.connect(srv.pooler.dsn(srv.dbname), autocommit=True) as second,
        ):
            first.execute(f'SET search_path = "{a.structure.schema_name}", public')
            second.execute(f'SET search_path = "{b.structure.schema_name}", public')
            read = first.execute("SELECT body FROM forum_message ORDER BY id").fetchall()
            assert [body for (body,) in read] == expected["B"]  # A's client read B's schema
        answers = interleaved_reads(srv, clubs)
        for _retry in range(3):  # it needs an interleaving; 40 of 60 answers cross, usually
            if crossed(answers, expected):
                break
            answers += interleaved_reads(srv, clubs)
    assert crossed(answers, expected), f"no answer crossed structures: {answers[:10]}"
