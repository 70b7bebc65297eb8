"""Probe 6 (issue 11): the embedded server under load and odd requests, on a real daphne.

- 150 simultaneous `POST /api/v1/sales/` for 10 seats, from a database role allowed only 5
  connections (our stand-in for max_connections, so the shared PostgreSQL is not exhausted):
  the pool bounds the connections; answers are 201, 400 ("Complet") or 503 with Retry-After
  when a request waited too long for a connection; never a 500, never a dropped connection.
- A pooled connection never keeps another structure's schema.
- A 20 000-character `?q=` gets a 414 with a French page (daphne used to close the socket).
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
from django.db import connection
from django_tenants.utils import schema_context

from ponton.accounts.services import api_token_issue
from ponton.catalogue.models import Product
from ponton.config.db import pool_reset
from ponton.launcher import daphne_args
from ponton.planning.models import Session
from tests.conftest import free_port, host_of
from tests.support.sales import cash_sale, make_shop, published
from tests.support.servers import ROOT, database_env, serving

BUYERS = 150
ROLE_CONNECTIONS = 5
POOL = 3


def _dsn(**changes: str) -> str:
    db = connection.settings_dict
    user = changes.get("user", db["USER"])
    return f"postgres://{user}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.fixture
def limited_role(transactional_db):
    """A login role allowed ROLE_CONNECTIONS connections, with the privileges of the owner."""
    name = f"{connection.settings_dict['NAME']}_burst"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP ROLE IF EXISTS "{name}"')
        cursor.execute(
            f'CREATE ROLE "{name}" LOGIN CONNECTION LIMIT {ROLE_CONNECTIONS} '
            f'IN ROLE "{connection.settings_dict["USER"]}"'
        )
    yield name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", [name]
        )
        cursor.execute(f'DROP ROLE IF EXISTS "{name}"')


def _daphne(port: int, env: dict[str, str], name: str):
    return serving(
        daphne_args("127.0.0.1", port),
        port=port,
        env=env,
        log=ROOT / ".data" / f"daphne-{name}-{port}.log",
    )


def _request(port: int, host: str, method: str, path: str, token: str, body: dict | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Host": host, "Authorization": f"Token {token}"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, dict(response.getheaders()), data


def test_burst_of_sales_gets_answers_never_a_500(limited_role, platform, make_structure):
    structure, owner = make_structure(name="Club de la rafale")
    with schema_context(structure.schema_name):
        shop = make_shop(capacity=10)
    token = api_token_issue(user=owner)
    body = cash_sale(shop)
    port = free_port()
    env = database_env(DB_POOL_MAX_SIZE=str(POOL), DB_POOL_TIMEOUT="1")
    env["DATABASE_URL"] = _dsn(user=limited_role)
    seen_connections: list[int] = []
    done = threading.Event()

    def watch() -> None:
        with psycopg.connect(_dsn(), autocommit=True) as watcher:
            while not done.is_set():
                row = watcher.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE usename = %s", [limited_role]
                ).fetchone()
                seen_connections.append(row[0] if row else 0)
                done.wait(0.05)

    host = host_of(structure)  # read here: the buyers' threads must not open connections
    with _daphne(port, env, "burst"):
        start = threading.Barrier(BUYERS)

        def buy(_index: int):
            start.wait()
            try:
                return _request(port, host, "POST", "/api/v1/sales/", token, body)
            except OSError as exc:  # a dropped connection
                return (0, {}, str(exc).encode())

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        with ThreadPoolExecutor(max_workers=BUYERS) as pool:
            answers = list(pool.map(buy, range(BUYERS)))
        done.set()
        watcher.join(timeout=5)
    statuses = [status for status, _headers, _data in answers]
    dropped = [data.decode() for status, _headers, data in answers if status == 0]
    assert set(statuses) <= {201, 400, 503}, (sorted(set(statuses)), dropped[:3])
    sold = statuses.count(201)
    assert 1 <= sold <= 10
    for status, headers, data in answers:
        if status == 400:
            assert "Complet" in data.decode(), data
        if status == 503:
            assert headers["Retry-After"] == "5"
            assert "Service très demandé" in data.decode()
    assert max(seen_connections) <= POOL, max(seen_connections)
    with schema_context(structure.schema_name):
        assert Session.objects.get(pk=shop.session.pk).sold == sold


def test_a_pooled_connection_never_keeps_another_structures_schema(
    transactional_db, platform, make_structure
):
    """One connection in the pool serves A and B in turn, from four threads at once: each
    answer lists only its own structure's products."""
    tokens, names, hosts = {}, {}, {}
    for key in ("a", "b"):
        structure, owner = make_structure(name=f"Club {key}")
        with schema_context(structure.schema_name):
            published(Product.Kind.SHOP_ITEM, name=f"Produit du club {key}")
            names[key] = set(Product.objects.values_list("name", flat=True))
        tokens[key], hosts[key] = api_token_issue(user=owner), host_of(structure)
    port = free_port()
    with _daphne(port, database_env(DB_POOL_MAX_SIZE="1"), "pool"):

        def products(index: int):
            key = "ab"[index % 2]
            status, _h, data = _request(port, hosts[key], "GET", "/api/v1/products/", tokens[key])
            assert status == 200, data
            listed = json.loads(data)
            listed = listed["results"] if isinstance(listed, dict) else listed
            return key, {item["name"] for item in listed}

        with ThreadPoolExecutor(max_workers=4) as pool:
            answers = list(pool.map(products, range(40)))
    for key, listed in answers:
        assert listed == names[key], (key, listed)


def test_pool_reset_forgets_the_schema(transactional_db):
    with psycopg.connect(_dsn(), autocommit=True) as conn:
        default = conn.execute("SHOW search_path").fetchone()
        conn.execute("SET search_path = s_autre, public")
        pool_reset(conn)
        assert conn.execute("SHOW search_path").fetchone() == default


def _raw(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_too_long_request_line_or_header_gets_a_french_answer(transactional_db, platform):
    port = free_port()
    with _daphne(port, database_env(), "long"):
        query = "a" * 20_000
        answer = _raw(port, f"GET /?q={query} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode())
        head, _sep, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 414 ")
        assert b"Content-Type: text/html; charset=utf-8" in head
        assert "Adresse trop longue" in body.decode()
        answer = _raw(
            port,
            f"GET / HTTP/1.1\r\nHost: localhost\r\nX-Long: {query}\r\n\r\n".encode(),
        )
        assert answer.startswith(b"HTTP/1.1 431 ")
        assert "En-têtes trop longs" in answer.partition(b"\r\n\r\n")[2].decode()
        # A normal request on the same server still gets its page.
        assert (
            _raw(port, b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")[:12]
            == b"HTTP/1.1 200"
        )
