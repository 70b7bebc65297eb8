"""Issue 17 §2, several web processes: two daphne processes (A and B) on the test database
behind the Redis channel layer (channels-redis pubsub, REDIS_URL set for both), real HTTP and
real websocket clients (`httpx`, `websockets`) from this process. An event produced by a request
served by one process reaches the sockets held by the other.

- MP-1 live availability: seats taken in the shop through A; an anonymous availability socket
  on B (and one on A) receives the exact free seats.
- FO-1 / NO-1: a customer writes through A; the staff member's conversation socket and
  notification-centre socket, both on B, receive the message and the notification; the staff
  answer through B reaches the customer's socket on A.
"""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
import websockets
from django_tenants.utils import schema_context

from modules.forum.services import conversation_open
from ponton.accounts.models import Role
from tests.conftest import host_of
from tests.platform.customers.factories import make_customer
from tests.realtime.ws import ANY_VERSION, session_key
from tests.support.daphnes import Daphne, daphnes_for
from tests.support.files import forget_media_root
from tests.support.shop import open_shop

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

TIMEOUT = 20  # seconds for an event to cross processes on a loaded machine


@pytest.fixture(scope="module")
def web(django_db_setup, tmp_path_factory):
    """Daphne A and daphne B for the whole module (media in a folder shared with this
    process: the shop's CGV)."""
    from django.test import override_settings

    data = tmp_path_factory.mktemp("data")
    with (
        override_settings(MEDIA_ROOT=data / "media"),
        daphnes_for(2, name="two", extra_env={"PONTON_DATA_DIR": str(data)}) as pair,
    ):
        forget_media_root()
        try:
            yield pair
        finally:
            forget_media_root()


def http(daphne: Daphne, host: str, session: str | None = None) -> httpx.AsyncClient:
    """A browser-like HTTP client of one process, on the structure's host (cookies kept)."""
    client = httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{daphne.port}",
        headers={"Host": host},
        timeout=30,
        follow_redirects=False,
    )
    if session is not None:
        client.cookies.set("sessionid", session)
    return client


async def post_form(client: httpx.AsyncClient, page: str, url: str, data: dict, **headers):
    """GET `page` (its form sets the CSRF cookie), then POST `url` with the token."""
    shown = await client.get(page, follow_redirects=True)
    assert shown.status_code == 200, shown.text[:500]
    token = client.cookies["csrftoken"]
    return await client.post(url, data=data, headers={"X-CSRFToken": token, **headers})


async def open_socket(daphne: Daphne, host: str, path: str, session: str | None = None):
    """A websocket on one process, from a page of the structure's host (same Origin)."""
    headers = {"Origin": f"http://{host}:{daphne.port}"}
    if session is not None:
        headers["Cookie"] = f"sessionid={session}"
    return await websockets.connect(
        f"ws://{host}:{daphne.port}{path}",
        host="127.0.0.1",
        port=daphne.port,
        additional_headers=headers,
        open_timeout=30,
        ping_interval=None,
    )


async def receive(socket) -> dict:
    return json.loads(await asyncio.wait_for(socket.recv(), timeout=TIMEOUT))


def test_mp1_seats_taken_through_a_reach_the_availability_socket_on_b(web, make_structure):
    """MP-1: 3 of 10 seats put in a basket through daphne A: the anonymous availability
    sockets on B and on A both receive {free: 7, capacity: 10} for that session."""
    a, b = web
    structure, _owner = make_structure(name="Club du Port")
    shop = open_shop(structure, capacity=10)
    host = host_of(structure)
    expected = {
        "type": "availability.changed",
        "payload": {
            "sessions": {str(shop.session.pk): {"free": 7, "capacity": 10}},
            "version": ANY_VERSION,
        },
    }

    async def scenario():
        on_b = await open_socket(b, host, "/ws/disponibilites/")
        on_a = await open_socket(a, host, "/ws/disponibilites/")
        async with http(a, host) as browser:
            response = await post_form(
                browser,
                f"/activites/{shop.activity.pk}/",
                "/panier/ajouter/",
                {
                    "product": shop.activity.pk,
                    "session": shop.session.pk,
                    "rate": shop.adult.pk,
                    "quantity": 3,
                },
            )
            assert (response.status_code, response.headers["location"]) == (302, "/panier/")
        events = [await receive(on_b), await receive(on_a)]
        await on_b.close()
        await on_a.close()
        return events

    assert asyncio.run(scenario()) == [expected, expected]
    with schema_context(structure.schema_name):
        shop.session.refresh_from_db()
        assert shop.session.sold == 3


def test_fo1_no1_a_forum_message_through_a_reaches_the_staff_sockets_on_b(
    web, make_structure, make_member
):
    """FO-1 / NO-1: the customer's message, posted through A, reaches the staff member's
    conversation socket and notification socket on B (stored first: its id comes back);
    the staff answer, posted through B, reaches the customer's conversation socket on A."""
    a, b = web
    structure, _owner = make_structure(name="Club des Glénan")
    staff = make_member(structure, Role.STAFF)
    customer, customer_user = make_customer(structure, first_name="Camille", last_name="Leroy")
    with schema_context(structure.schema_name):
        conversation = conversation_open(customer=customer)
    host = host_of(structure)
    staff_key = session_key(structure, staff)
    customer_key = session_key(structure, customer_user)
    forum = f"/ws/forum/{conversation.pk}/"
    staff_page = f"/manager/m/forum/clients/{customer.pk}/"
    as_json = {"Accept": "application/json"}

    async def scenario():
        staff_forum = await open_socket(b, host, forum, staff_key)
        staff_bell = await open_socket(b, host, "/ws/notifications/", staff_key)
        customer_forum = await open_socket(a, host, forum, customer_key)
        async with http(a, host, customer_key) as customer_browser:
            sent = await post_form(
                customer_browser,
                "/compte/discussions/",
                "/compte/discussions/",
                {"body": "Reste-t-il de la place samedi ?"},
                **as_json,
            )
        assert sent.status_code == 201, sent.text[:500]
        message = sent.json()["message"]
        on_b = [await receive(staff_forum), await receive(staff_bell)]
        mine = await receive(customer_forum)  # the customer's other tabs see it too
        async with http(b, host, staff_key) as staff_browser:
            answered = await post_form(
                staff_browser, staff_page, staff_page, {"body": "Oui, deux places."}, **as_json
            )
        assert answered.status_code in (200, 201), answered.text[:500]
        answer = answered.json()["message"]
        on_a = await receive(customer_forum)
        for socket in (staff_forum, staff_bell, customer_forum):
            await socket.close()
        return message, on_b, mine, answer, on_a

    message, (forum_event, bell_event), mine, answer, on_a = asyncio.run(scenario())
    assert forum_event == mine == {"type": "forum.message", "payload": message}
    assert (message["author_kind"], message["body"]) == (
        "customer",
        "Reste-t-il de la place samedi ?",
    )
    assert bell_event["type"] == "notification.created"
    assert bell_event["payload"]["title"] == "Nouveau message de Camille Leroy"
    assert bell_event["payload"]["body"] == "Reste-t-il de la place samedi ?"
    assert on_a == {"type": "forum.message", "payload": answer}
    assert (answer["author_kind"], answer["body"]) == ("staff", "Oui, deux places.")
