"""FO-1 websockets, /ws/forum/<conversation_id>/, through the real ASGI application (tenant
middleware, sessions, module gate, consumer): new messages reach every open page of the
conversation after commit, both ways; everyone else is refused.

Run with the in-memory layer and with Redis (REDIS_URL=redis://127.0.0.1:6379/4).
"""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from django_tenants.utils import schema_context

from modules.forum.models import Conversation, Message
from tenants.services import module_set_enabled
from tests.conftest import host_of
from tests.platform.customers.factories import make_customer

pytestmark = pytest.mark.django_db(transaction=True)

JSON = {"HTTP_ACCEPT": "application/json"}
DISCUSSIONS = "/compte/discussions/"


def run(scenario):
    return async_to_sync(scenario)()


async def db(fn, *args, **kwargs):
    return await sync_to_async(fn, thread_sensitive=True)(*args, **kwargs)


def logged_in(structure, user) -> Client:
    client = Client(HTTP_HOST=host_of(structure))
    client.force_login(user)
    return client


async def open_socket(host: str, path: str, *, session: str | None, origin: str | None = None):
    from ponton.config.asgi import application

    headers = [(b"host", host.encode()), (b"origin", (origin or f"http://{host}").encode())]
    if session is not None:
        headers.append((b"cookie", f"sessionid={session}".encode()))
    communicator = WebsocketCommunicator(application, path, headers=headers)
    accepted, detail = await communicator.connect(timeout=5)
    return communicator, accepted, (None if accepted else detail)


def conversation_of(club) -> Conversation:
    """The customer's conversation, started by a first customer message."""
    logged_in(club.structure, club.customer_user).post(DISCUSSIONS, {"body": "Bonjour"}, **JSON)
    with schema_context(club.structure.schema_name):
        return Conversation.objects.get(customer=club.customer)


def path_of(conversation) -> str:
    return f"/ws/forum/{conversation.pk}/"


def test_staff_pages_receive_the_customer_message_after_it_is_stored(club):
    """FO-1: every staff member looking at the conversation receives the customer's message,
    which is already in the database when they are told."""
    conversation = conversation_of(club)
    customer = logged_in(club.structure, club.customer_user)
    host = host_of(club.structure)

    async def scenario():
        sockets = []
        for user in (club.staff, club.owner):
            key = (await db(logged_in, club.structure, user)).cookies["sessionid"].value
            socket, accepted, code = await open_socket(host, path_of(conversation), session=key)
            assert accepted, code
            sockets.append(socket)
        response = await db(
            customer.post, DISCUSSIONS, {"body": "Le stage est-il complet ?"}, **JSON
        )
        assert response.status_code == 201
        events = [await s.receive_json_from(timeout=5) for s in sockets]
        stored = await db(stored_bodies, club.structure, events[0]["payload"]["id"])
        for s in sockets:
            await s.disconnect()
        return response.json()["message"], events, stored

    message, events, stored = run(scenario)
    assert events == [{"type": "forum.message", "payload": message}] * 2
    assert message["author_kind"] == "customer"
    assert stored == ["Le stage est-il complet ?"]


def stored_bodies(structure, message_id: int) -> list[str]:
    with schema_context(structure.schema_name):
        return list(Message.objects.filter(pk=message_id).values_list("body", flat=True))


def test_the_customer_receives_the_staff_answer(club):
    """FO-1: the staff answer appears at once on the customer's page."""
    conversation = conversation_of(club)
    staff = logged_in(club.structure, club.staff)
    host = host_of(club.structure)

    async def scenario():
        key = (await db(logged_in, club.structure, club.customer_user)).cookies["sessionid"].value
        socket, accepted, code = await open_socket(host, path_of(conversation), session=key)
        assert accepted, code
        url = f"/manager/m/forum/clients/{club.customer.pk}/"
        response = await db(staff.post, url, {"body": "Il reste deux places."}, **JSON)
        event = await socket.receive_json_from(timeout=5)
        assert await socket.receive_nothing(timeout=0.2)
        await socket.disconnect()
        return response.json()["message"], event

    message, event = run(scenario)
    assert event == {"type": "forum.message", "payload": message}
    assert (message["author_kind"], message["body"]) == ("staff", "Il reste deux places.")


def test_sockets_of_other_conversations_receive_nothing(make_club):
    """FO-1/security: a message goes to its own conversation's sockets only."""
    club = make_club()
    other, other_user = make_customer(club.structure, first_name="Noé")
    logged_in(club.structure, other_user).post(DISCUSSIONS, {"body": "Moi"}, **JSON)
    with schema_context(club.structure.schema_name):
        other_conversation = Conversation.objects.get(customer=other)
    customer = logged_in(club.structure, club.customer_user)
    host = host_of(club.structure)

    async def scenario():
        key = (await db(logged_in, club.structure, other_user)).cookies["sessionid"].value
        socket, accepted, _ = await open_socket(host, path_of(other_conversation), session=key)
        assert accepted
        await db(customer.post, DISCUSSIONS, {"body": "Pas pour Noé"}, **JSON)
        nothing = await socket.receive_nothing(timeout=0.5)
        await socket.disconnect()
        return nothing

    assert run(scenario) is True


def refusal(structure, user, path: str, *, host: str | None = None, origin: str | None = None):
    """Close code of a socket of `user` (None: no session) that must be refused."""
    host = host or host_of(structure)

    async def scenario():
        key = None
        if user is not None:
            key = (await db(logged_in, structure, user)).cookies["sessionid"].value
        socket, accepted, code = await open_socket(host, path, session=key, origin=origin)
        if accepted:
            await socket.disconnect()
        return accepted, code

    accepted, code = run(scenario)
    assert accepted is False
    return code


def test_refused_sockets(make_club):
    """FO-1/security: refused: a customer of another conversation, staff of another structure
    (their host, or this host), no session, a foreign Origin, a role without module use, an
    unknown conversation."""
    a = make_club("Club A")
    b = make_club("Club B")
    _other, other_user = make_customer(a.structure, first_name="Noé")
    conversation = conversation_of(a)
    path = path_of(conversation)
    assert refusal(a.structure, other_user, path) == 4403  # another customer of A
    assert refusal(a.structure, b.owner, path) == 4403  # staff of B on A's host
    assert refusal(b.structure, b.owner, path, host=host_of(b.structure)) == 4403  # B's host
    assert refusal(b.structure, a.owner, path, host=host_of(b.structure)) == 4403  # A's staff on B
    assert refusal(a.structure, None, path) == 4401  # no session
    assert refusal(a.structure, a.staff, path, origin="http://evil.test") == 4403
    assert refusal(a.structure, a.accountant, path) == 4403  # no "module.use"
    assert refusal(a.structure, a.staff, "/ws/forum/999999/") == 4403
    assert refusal(a.structure, a.staff, path, host="inconnue.localhost") == 4404


def test_module_off_refuses_the_socket_and_on_again_accepts_it(club):
    """FO-1 point 5: with "Forum client" off the socket is refused (4404) for staff and
    customer; switched on again, it connects."""
    conversation = conversation_of(club)
    path = path_of(conversation)
    module_set_enabled(structure=club.structure, label="forum", enabled=False)
    assert refusal(club.structure, club.staff, path) == 4404
    assert refusal(club.structure, club.customer_user, path) == 4404
    module_set_enabled(structure=club.structure, label="forum", enabled=True)
    host = host_of(club.structure)

    async def scenario():
        key = (await db(logged_in, club.structure, club.customer_user)).cookies["sessionid"].value
        socket, accepted, code = await open_socket(host, path, session=key)
        if accepted:
            await socket.disconnect()
        return accepted

    assert run(scenario) is True


def test_the_socket_only_receives(club):
    """FO-1: sending goes through HTTP; whatever a client writes on the socket is ignored."""
    conversation = conversation_of(club)
    host = host_of(club.structure)

    async def scenario():
        key = (await db(logged_in, club.structure, club.customer_user)).cookies["sessionid"].value
        socket, accepted, _ = await open_socket(host, path_of(conversation), session=key)
        assert accepted
        await socket.send_json_to({"body": "par le socket"})
        nothing = await socket.receive_nothing(timeout=0.3)
        await socket.disconnect()
        return nothing

    assert run(scenario) is True
    with schema_context(club.structure.schema_name):
        assert list(Message.objects.values_list("body", flat=True)) == ["Bonjour"]
