"""MP-1 live availability: the anonymous, read-only socket `ws/disponibilites/`, through the real
ASGI application (tenant middleware from the Host, Origin check), with the channel layer of the
settings (in-memory, or Redis when REDIS_URL is set)."""

from __future__ import annotations

import re

import pytest
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ponton.accounts.models import Role
from realtime.groups import availability_group, staff_group, user_group
from realtime.services import notification_create
from tenants.services import structure_suspend
from tests.conftest import host_of
from tests.realtime.ws import db, open_socket, receive_event, run, session_key

pytestmark = pytest.mark.django_db(transaction=True)

AVAILABILITY = "/ws/disponibilites/"


async def anonymous(structure, **kwargs):
    host = await db(host_of, structure)
    return await open_socket(host, path=AVAILABILITY, **kwargs)


def test_an_anonymous_visitor_is_accepted_and_receives_the_structures_seats(make_structure):
    """MP-1: no session needed; the socket receives what is sent to its structure's
    availability group, as `{"type", "payload"}`."""
    structure, _owner = make_structure(name="Club A")

    async def scenario():
        ws, accepted, code = await anonymous(structure)
        assert (accepted, code) == (True, None)
        payload = {"sessions": {"7": {"free": 2, "capacity": 9}}}
        await get_channel_layer().group_send(
            availability_group(structure.id),
            {"type": "ponton.event", "event": "availability.changed", "payload": payload},
        )
        assert await receive_event(ws) == {"type": "availability.changed", "payload": payload}
        await ws.disconnect()

    run(scenario)


def test_a_logged_in_member_is_accepted_too_and_no_session_is_read(make_structure):
    """MP-1: a staff member browsing the shop opens the same anonymous socket. The route is
    served without the auth middleware: the only database read of a connection is the
    structure of its host (no session, no user, nothing held afterwards)."""
    structure, owner = make_structure(name="Club A")
    key = session_key(structure, owner)

    async def scenario():
        ws, accepted, _code = await anonymous(structure, session=key)
        assert accepted
        await ws.disconnect()

    with CaptureQueriesContext(connection) as queries:
        run(scenario)
    tables = sorted(
        {table for q in queries.captured_queries for table in re.findall(r'FROM "(\w+)"', q["sql"])}
    )
    assert tables == ["tenants_domain"]


@pytest.mark.parametrize(
    "origin",
    [None, "http://evil.example", "http://{host}.evil.example", "https://{host}:8443"],
)
def test_another_origin_or_none_is_refused_4403(origin, make_structure):
    """MP-1 security: only a page of the structure's own host may open the socket."""
    structure, _owner = make_structure(name="Club A")
    host = host_of(structure)

    async def scenario():
        _ws, accepted, code = await open_socket(
            host, path=AVAILABILITY, origin=origin.format(host=host) if origin else None
        )
        assert (accepted, code) == (False, 4403)

    run(scenario)


def test_an_unknown_host_a_suspended_structure_and_the_platform_are_refused_4404(
    make_structure, settings
):
    """MP-1 security: nothing of an unknown host, a suspended structure or the platform."""
    structure, _owner = make_structure(name="Club A")
    structure_suspend(structure=structure, reason="Impayé")
    hosts = ["inconnu.example.test", host_of(structure), settings.PLATFORM_DOMAIN]

    async def scenario():
        for host in hosts:
            _ws, accepted, code = await open_socket(host, path=AVAILABILITY)
            assert (host, accepted, code) == (host, False, 4404)

    run(scenario)


@pytest.mark.parametrize("message", [{"text_data": '{"type": "subscribe"}'}, {"bytes_data": b"x"}])
def test_a_client_message_closes_the_socket_4400(message, make_structure):
    """MP-1 read-only (documented in docs/events.md): anything the client sends, text or
    binary, closes its socket with 4400; other sockets stay open."""
    structure, _owner = make_structure(name="Club A")

    async def scenario():
        talker, accepted, _ = await anonymous(structure)
        quiet, accepted_too, _ = await anonymous(structure)
        assert accepted and accepted_too
        if "text_data" in message:
            await talker.send_to(text_data=message["text_data"])
        else:
            await talker.send_to(bytes_data=message["bytes_data"])
        assert await talker.receive_output(timeout=2) == {"type": "websocket.close", "code": 4400}
        payload = {"sessions": {"1": {"free": 0, "capacity": 4}}}
        await get_channel_layer().group_send(
            availability_group(structure.id),
            {"type": "ponton.event", "event": "availability.changed", "payload": payload},
        )
        assert (await receive_event(quiet))["payload"] == payload
        await quiet.disconnect()

    run(scenario)


def test_it_joins_only_the_availability_group_and_gets_no_staff_notification(
    make_structure, make_member
):
    """MP-1 security: the socket never joins a user's or the staff's group: a notification for
    every staff member, and anything sent to the staff, user or another structure's
    availability group, never reaches it."""
    structure, owner = make_structure(name="Club A")
    other, _ = make_structure(name="Club B")
    make_member(structure, Role.STAFF)

    async def scenario():
        ws, accepted, _ = await anonymous(structure)
        assert accepted
        layer = get_channel_layer()
        # The in-memory layer's groups can be read (CI runs on Redis, where the sends below
        # are the proof).
        groups = layer.groups if isinstance(layer, InMemoryChannelLayer) else None
        if groups is not None:
            assert [name for name, members in groups.items() if members] == [
                availability_group(structure.id)
            ]
        await db(
            notification_create,
            structure=structure,
            kind="test",
            title="Pour l'équipe",
            roles=[Role.OWNER, Role.STAFF],
        )
        message = {"type": "ponton.event", "event": "availability.changed", "payload": {}}
        for group in (
            staff_group(structure.id),
            user_group(structure.id, owner.id),
            availability_group(other.id),
        ):
            await layer.group_send(group, message)
        assert await ws.receive_nothing(timeout=0.5)
        await ws.disconnect()

    run(scenario)
