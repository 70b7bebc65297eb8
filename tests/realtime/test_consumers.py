"""NO-1 "Every staff user has a live notification centre (unread count, list, mark read), updated
without reload over a websocket; notifications are scoped to one structure and one user or
role": the socket ws/notifications/, through the real ASGI stack (Host → structure, session →
user, membership checked at connect), with the channel layer of the settings (in-memory, or
Redis when REDIS_URL is set).
"""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from django.db import transaction
from django.test import Client

from ponton.accounts.models import Membership, Role
from realtime.services import notification_create
from tenants.services import structure_suspend
from tests.conftest import host_of
from tests.realtime.ws import (
    connect_as,
    db,
    db_elsewhere,
    open_socket,
    receive_event,
    run,
    session_key,
)

pytestmark = pytest.mark.django_db(transaction=True)


def notify(structure, user, title="Nouveau message", **kwargs):
    kwargs.setdefault("kind", "test")
    [row] = notification_create(structure=structure, title=title, user_ids=[user.id], **kwargs)
    return row


# --- Live delivery -------------------------------------------------------------------------------


def test_staff_receive_a_notification_after_commit_and_not_before(make_structure):
    """NO-1 live: the socket of the recipient receives `notification.created` once the
    transaction that stored it commits; while it is still open, nothing is received."""
    structure, owner = make_structure(name="Club A")

    async def scenario():
        ws = await connect_as(structure, owner)

        def create_and_wait_inside_the_transaction():
            with transaction.atomic():
                row = notify(structure, owner, title="Bienvenue", body="Texte", url="/manager/")
                quiet = async_to_sync(ws.receive_nothing)(timeout=0.5)
            return row, quiet

        row, quiet_before_commit = await db_elsewhere(create_and_wait_inside_the_transaction)
        assert quiet_before_commit is True
        message = await receive_event(ws)
        assert message == {
            "type": "notification.created",
            "payload": {
                "id": row.id,
                "kind": "test",
                "title": "Bienvenue",
                "body": "Texte",
                "url": "/manager/",
                "created_at": row.created_at.isoformat(),
                "unread_count": 1,
            },
        }
        assert await ws.receive_nothing(timeout=0.3)
        await ws.disconnect()

    run(scenario)


def test_a_rolled_back_notification_never_reaches_the_socket(make_structure):
    """NO-1: only what is in the database is announced."""
    structure, owner = make_structure(name="Club A")

    async def scenario():
        ws = await connect_as(structure, owner)

        def fail():
            try:
                with transaction.atomic():
                    notify(structure, owner)
                    raise RuntimeError("rolled back")
            except RuntimeError:
                pass

        await db(fail)
        assert await ws.receive_nothing(timeout=0.5)
        await ws.disconnect()

    run(scenario)


def test_every_open_tab_of_the_user_receives_it_and_only_that_user(make_structure, make_member):
    """NO-1 live: two sockets of the same user both receive the notification; a colleague's
    socket receives nothing (one row, one group per recipient)."""
    structure, owner = make_structure(name="Club A")
    colleague = make_member(structure, Role.STAFF)

    async def scenario():
        tab1 = await connect_as(structure, owner)
        tab2 = await connect_as(structure, owner)
        other = await connect_as(structure, colleague)

        row = await db(notify, structure, owner, title="Pour deux onglets")
        for tab in (tab1, tab2):
            message = await receive_event(tab)
            assert message["type"] == "notification.created"
            assert (message["payload"]["id"], message["payload"]["title"]) == (
                row.id,
                "Pour deux onglets",
            )
        assert await other.receive_nothing(timeout=0.3)
        for ws in (tab1, tab2, other):
            await ws.disconnect()

    run(scenario)


def test_a_role_notification_reaches_each_member_having_the_role(make_structure, make_member):
    """NO-1 role targeting: a notification for a role reaches the socket of every member having
    that role, each with their own unread count, and nobody else's."""
    structure, _owner = make_structure(name="Club A")
    admin1 = make_member(structure, Role.ADMIN)
    admin2 = make_member(structure, Role.ADMIN)
    staff = make_member(structure, Role.STAFF)

    async def scenario():
        sockets = {u.id: await connect_as(structure, u) for u in (admin1, admin2, staff)}
        await db(notify, structure, admin1, title="Avant")
        first = await receive_event(sockets[admin1.id])
        assert first["payload"]["unread_count"] == 1

        rows = await db(
            notification_create,
            structure=structure,
            kind="test",
            title="Aux administrateurs",
            roles=[Role.ADMIN],
        )
        assert sorted(r.user_id for r in rows) == sorted([admin1.id, admin2.id])
        counts = {}
        for user in (admin1, admin2):
            message = await receive_event(sockets[user.id])
            assert message["payload"]["title"] == "Aux administrateurs"
            counts[user.id] = message["payload"]["unread_count"]
        assert counts == {admin1.id: 2, admin2.id: 1}
        assert await sockets[staff.id].receive_nothing(timeout=0.3)
        for ws in sockets.values():
            await ws.disconnect()

    run(scenario)


def test_mark_read_in_one_tab_reaches_the_other_tab(make_structure):
    """NO-1 live mark read: "Marquer comme lu" / "Tout marquer comme lu" (HTTP, in one tab) send
    `notification.read` with the ids and the new count to every open socket of that user."""
    structure, owner = make_structure(name="Club A")
    host = host_of(structure)

    async def scenario():
        tab1 = await connect_as(structure, owner)
        tab2 = await connect_as(structure, owner)
        rows = [await db(notify, structure, owner, title=str(i)) for i in range(3)]
        for tab in (tab1, tab2):
            for _ in rows:
                assert (await receive_event(tab))["type"] == "notification.created"

        def click(path):
            client = Client(HTTP_HOST=host)
            client.force_login(owner)
            return client.post(path).status_code

        assert await db(click, f"/manager/notifications/{rows[0].id}/lu/") == 302
        for tab in (tab1, tab2):
            assert await receive_event(tab) == {
                "type": "notification.read",
                "payload": {"ids": [rows[0].id], "unread_count": 2},
            }

        assert await db(click, "/manager/notifications/tout-lu/") == 302
        for tab in (tab1, tab2):
            assert await receive_event(tab) == {
                "type": "notification.read",
                "payload": {"ids": [rows[1].id, rows[2].id], "unread_count": 0},
            }
        for tab in (tab1, tab2):
            await tab.disconnect()

    run(scenario)


def test_the_same_person_in_two_structures_gets_each_ones_own(make_structure):
    """NO-1 scoping: a person working for A and B has a socket on each host; A's notification
    reaches the A socket only, B's the B socket only."""
    structure_a, person = make_structure(name="Club A")
    structure_b, _owner_b = make_structure(name="Club B")
    Membership.objects.create(user=person, structure=structure_b, role=Role.STAFF)

    async def scenario():
        on_a = await connect_as(structure_a, person)
        on_b = await connect_as(structure_b, person)

        await db(notify, structure_a, person, title="De A")
        assert (await receive_event(on_a))["payload"]["title"] == "De A"
        assert await on_b.receive_nothing(timeout=0.3)

        await db(notify, structure_b, person, title="De B")
        message = await receive_event(on_b)
        assert (message["payload"]["title"], message["payload"]["unread_count"]) == ("De B", 1)
        assert await on_a.receive_nothing(timeout=0.3)
        await on_a.disconnect()
        await on_b.disconnect()

    run(scenario)


def test_anything_the_client_sends_is_ignored(make_structure):
    """NO-1: the socket only listens; client frames (even not JSON) neither close it nor act."""
    structure, owner = make_structure(name="Club A")

    async def scenario():
        ws = await connect_as(structure, owner)
        await ws.send_to(text_data="pas du json")
        await ws.send_json_to({"type": "notification.read", "payload": {"ids": [1]}})
        assert await ws.receive_nothing(timeout=0.3)
        await db(notify, structure, owner)
        assert (await receive_event(ws))["type"] == "notification.created"
        await ws.disconnect()

    run(scenario)


# --- Catch-up after a drop -----------------------------------------------------------------------


def test_after_a_drop_the_page_catches_up_over_http(make_structure):
    """NO-1: a socket drops (laptop asleep, server restart); what was sent meanwhile is not
    replayed on the new socket, but GET /manager/notifications/depuis/?apres=<last id seen>
    returns all of it, with the count and the read marks made meanwhile; then the new socket
    receives what comes next."""
    structure, owner = make_structure(name="Club A")
    host = host_of(structure)

    async def scenario():
        ws = await connect_as(structure, owner)
        seen = await db(notify, structure, owner, title="Vue")
        last_id = (await receive_event(ws))["payload"]["id"]
        assert last_id == seen.id
        await ws.disconnect()  # the drop

        missed = [await db(notify, structure, owner, title=f"Pendant {i}") for i in range(3)]

        def read_seen_elsewhere():
            client = Client(HTTP_HOST=host)
            client.force_login(owner)
            client.post(f"/manager/notifications/{seen.id}/lu/")

        await db(read_seen_elsewhere)

        ws = await connect_as(structure, owner)
        assert await ws.receive_nothing(timeout=0.3)

        def catch_up():
            client = Client(HTTP_HOST=host)
            client.force_login(owner)
            return client.get(
                "/manager/notifications/depuis/", {"apres": last_id, "a_partir_de": seen.id}
            ).json()

        data = await db(catch_up)
        assert [n["id"] for n in data["notifications"]] == [n.id for n in missed]
        assert [n["title"] for n in data["notifications"]] == [f"Pendant {i}" for i in range(3)]
        assert (data["unread_count"], data["has_more"]) == (3, False)
        assert data["unread_ids"] == [n.id for n in reversed(missed)]  # `seen` was read elsewhere

        after = await db(notify, structure, owner, title="Après")
        message = await receive_event(ws)
        assert (message["payload"]["id"], message["payload"]["unread_count"]) == (after.id, 4)
        await ws.disconnect()

    run(scenario)


# --- Refused sockets -----------------------------------------------------------------------------


def test_a_socket_without_a_session_is_refused_4401(make_structure):
    """NO-1 security: no session, or a session key that does not exist: closed with 4401."""
    structure, _owner = make_structure(name="Club A")
    host = host_of(structure)

    async def scenario():
        for session in (None, "nimportequoi"):
            ws, accepted, code = await open_socket(host, session=session)
            assert (accepted, code) == (False, 4401)

    run(scenario)


def test_a_member_of_a_on_bs_host_is_refused_and_receives_nothing(make_structure):
    """NO-1 security: a socket opened with another structure's host is refused (4403), and B's
    notifications never reach A's member."""
    structure_a, owner_a = make_structure(name="Club A")
    structure_b, owner_b = make_structure(name="Club B")
    host_b = host_of(structure_b)

    async def scenario():
        key = await db(session_key, structure_a, owner_a)
        ws, accepted, code = await open_socket(host_b, session=key)
        assert (accepted, code) == (False, 4403)

        on_a = await connect_as(structure_a, owner_a)
        await db(notify, structure_b, owner_b)
        await db(
            notification_create,
            structure=structure_b,
            kind="test",
            title="x",
            user_ids=[owner_a.id],  # not a member of B: nobody is notified
        )
        assert await on_a.receive_nothing(timeout=0.3)
        await on_a.disconnect()

    run(scenario)


@pytest.mark.parametrize(
    "origin",
    [
        "http://evil.example",
        "http://{other}",
        "http://{host}.evil.example",
        "https://{host}:8443",
        None,
    ],
)
def test_a_foreign_origin_is_refused_4403(origin, make_structure):
    """NO-1 security: the page opening the socket must come from the host it connects to
    (cross-site websocket hijacking): another site, another structure, another port, or no
    Origin at all are refused with 4403."""
    structure, owner = make_structure(name="Club A")
    other, _ = make_structure(name="Club B")
    host = host_of(structure)
    if origin is not None:
        origin = origin.format(host=host, other=host_of(other))

    async def scenario():
        key = await db(session_key, structure, owner)
        ws, accepted, code = await open_socket(host, session=key, origin=origin)
        assert (accepted, code) == (False, 4403)

    run(scenario)


def test_an_unknown_host_is_refused_4404(make_structure):
    """NO-1 security: a host that is no structure's: closed with 4404 before any consumer."""
    structure, owner = make_structure(name="Club A")

    async def scenario():
        key = await db(session_key, structure, owner)
        ws, accepted, code = await open_socket("inconnu.localhost", session=key)
        assert (accepted, code) == (False, 4404)

    run(scenario)


def test_a_suspended_structure_is_refused_4404(make_structure):
    """NO-1 security: nothing of a suspended structure is served, sockets included."""
    structure, owner = make_structure(name="Club A")
    structure_suspend(structure=structure, reason="Impayé")
    host = host_of(structure)

    async def scenario():
        key = await db(session_key, structure, owner)
        ws, accepted, code = await open_socket(host, session=key)
        assert (accepted, code) == (False, 4404)

    run(scenario)


def test_deactivated_members_and_the_platform_host_are_refused_4403(make_structure, make_member):
    """NO-1 security: only active members of the host's structure; the platform host has no
    notification centre."""
    structure, _owner = make_structure(name="Club A")
    former = make_member(structure, Role.STAFF)
    Membership.objects.filter(user=former).update(is_active=False)
    host = host_of(structure)

    async def scenario():
        key = await db(session_key, structure, former)
        ws, accepted, code = await open_socket(host, session=key)
        assert (accepted, code) == (False, 4403)
        ws, accepted, code = await open_socket("localhost", session=key)
        assert (accepted, code) == (False, 4403)

    run(scenario)


def test_an_open_socket_closes_when_the_member_is_deactivated(make_structure, make_member):
    """NO-1 security: deactivating a member closes the sockets they already hold on that
    structure (4403) once the change commits; a colleague's socket stays open."""
    from ponton.accounts.services import membership_deactivate

    structure, owner = make_structure(name="Club A")
    leaving = make_member(structure, Role.STAFF)
    staying = make_member(structure, Role.STAFF)

    async def scenario():
        gone = await connect_as(structure, leaving)
        kept = await connect_as(structure, staying)

        def deactivate():
            membership = Membership.objects.get(user=leaving, structure=structure)
            by = Membership.objects.get(user=owner, structure=structure)
            membership_deactivate(membership=membership, by=by)

        await db(deactivate)
        closed = await gone.receive_output(timeout=5)
        assert closed == {"type": "websocket.close", "code": 4403}
        assert await kept.receive_nothing(timeout=0.3)
        row = await db(notify, structure, staying, title="Toujours là")
        message = await receive_event(kept)
        assert message["payload"]["id"] == row.id
        await kept.disconnect()

    run(scenario)
