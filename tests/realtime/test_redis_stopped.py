"""Issue 17 §3: Redis stopped. A daphne (the embedded server) uses a redis-server the test owns
for its cache and its channel layer (REDIS_URL). Redis is SIGKILLed: pages still work (the cache
falls back to the process's memory, docs/adr/0026; sessions are in PostgreSQL), rate-limited
forms still answer, and a notification produced meanwhile (NO-1, a customer's forum message,
FO-1) is stored. Redis is started again on the same port: live updates resume and the
notification centre catches up over HTTP, as its script does when its socket reopens
(realtime/static/realtime/notifications.js)."""

from __future__ import annotations

import http.client
import json
import socket
import time
from urllib.parse import urlencode

import pytest
from django.utils.crypto import get_random_string
from django_tenants.utils import schema_context
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from ponton.launcher import daphne_args
from realtime.consumers import LAYER_LOST
from realtime.models import Notification
from tests.conftest import free_port, host_of
from tests.platform.customers.factories import make_customer
from tests.realtime.ws import session_key
from tests.support.faults import killable_server, own_redis
from tests.support.servers import database_env

CSRF = get_random_string(32)


class Site:
    """HTTP and websockets to the server at 127.0.0.1:port, as the structure's host."""

    def __init__(self, port: int, host: str) -> None:
        self.port, self.host = port, host

    def request(
        self, method: str, path: str, *, session: str | None = None, form=None, data=None, **headers
    ):
        cookies = f"csrftoken={CSRF}" + (f"; sessionid={session}" if session else "")
        headers = {"Host": self.host, "Cookie": cookies, "X-CSRFToken": CSRF, **headers}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if data is not None:
            body = json.dumps(data)
            headers["Content-Type"] = "application/json"
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            return response.status, response.read().decode()
        finally:
            conn.close()

    def customer_writes(self, session: str, text: str) -> None:
        """A customer's forum message (it notifies the structure's staff)."""
        status, body = self.request(
            "POST",
            "/compte/discussions/",
            session=session,
            form={"body": text},
            Accept="application/json",
        )
        assert status == 201, body

    def socket(self, session: str) -> ClientConnection:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=30)
        return connect(
            f"ws://{self.host}/ws/notifications/",
            sock=sock,
            origin=f"http://{self.host}",  # type: ignore[arg-type]
            additional_headers={"Cookie": f"sessionid={session}"},
            open_timeout=30,
        )


def next_notification(ws: ClientConnection, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        message = json.loads(ws.recv(timeout=max(0.1, deadline - time.monotonic())))
        if message["type"] == "notification.created":
            return message["payload"]


@pytest.mark.slow
def test_redis_stopped_pages_work_notifications_kept_then_live_again(
    transactional_db, platform, make_structure
):
    structure, owner = make_structure(name="Club sans Redis")
    customer, customer_user = make_customer(structure)
    staff = session_key(structure, owner)
    client = session_key(structure, customer_user)
    port = free_port()
    site = Site(port, host_of(structure))

    with (
        own_redis() as redis,
        killable_server(
            daphne_args("127.0.0.1", port),
            port=port,
            env=database_env(REDIS_URL=redis.url, REALTIME_HEARTBEAT_SECONDS="1"),
            name="daphne-redis-stopped",
        ),
    ):
        old = site.socket(staff)
        site.customer_writes(client, "Avant la panne")
        before = next_notification(old)
        assert (before["title"], before["body"]) == (
            "Nouveau message de Camille Leroy",
            "Avant la panne",
        )

        redis.kill()
        # Pages still work: the Club Manager, the shop, the login form (rate-limited).
        assert site.request("GET", "/manager/", session=staff)[0] == 200
        assert site.request("GET", "/")[0] == 200
        status, page = site.request(
            "POST", "/connexion/", form={"email": "personne@exemple.fr", "password": "faux"}
        )
        assert status == 200 and "Adresse email ou mot de passe incorrect." in page
        status, answer = site.request(
            "POST",
            "/api/v1/jeton/",
            data={"email": "personne@exemple.fr", "password": "faux"},
        )
        assert status == 400, answer
        # A notification produced meanwhile is stored (its event could not be sent).
        site.customer_writes(client, "Pendant la panne")
        with schema_context(structure.schema_name):
            during = Notification.objects.get(user_id=owner.pk, body="Pendant la panne")
            assert during.read_at is None
        # The open socket is closed (its layer is lost), so that the page reconnects and
        # catches up: left open, it would stay deaf to what was published meanwhile.
        with pytest.raises(ConnectionClosed) as closed:
            next_notification(old)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == LAYER_LOST
        # A socket opened meanwhile is not accepted deaf: it fails, and the script retries.
        with pytest.raises((InvalidStatus, ConnectionClosed, OSError)):
            site.socket(staff).recv(timeout=10)

        redis.start()
        # The page's script reconnects (with backoff) until a socket opens again...
        new = reconnect(site, staff)
        # ...then catches up over HTTP from the last notification it had: the one produced
        # during the outage is there, unread, with the right count.
        status, body = site.request(
            "GET",
            f"/manager/notifications/depuis/?apres={before['id']}",
            session=staff,
            Accept="application/json",
        )
        assert status == 200, body
        caught_up = json.loads(body)
        assert [(n["id"], n["body"], n["read"]) for n in caught_up["notifications"]] == [
            (during.pk, "Pendant la panne", False)
        ]
        assert caught_up["unread_count"] == 2
        # Live updates resume: a new event reaches the socket.
        site.customer_writes(client, "Après la panne")
        after = next_notification(new)
        assert (after["body"], after["unread_count"]) == ("Après la panne", 3)
        new.close()


def reconnect(site: Site, session: str, timeout: float = 60) -> ClientConnection:
    """Open a socket as the script does after a close: retry until one is accepted."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return site.socket(session)
        except (OSError, InvalidStatus, ConnectionClosed):
            assert time.monotonic() < deadline, "no socket accepted after Redis came back"
            time.sleep(0.5)
