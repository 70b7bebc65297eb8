"""EM-1 live progress socket, /ws/emarketing/<campaign_id>/, through the real ASGI application:
the structure's staff receive `emarketing.progress` while a campaign sends (after commit, the
counts of the database); another structure's member and a socket of a switched-off module are
refused."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from django_tenants.utils import schema_context

from modules.emarketing.models import Campaign
from modules.emarketing.services import CampaignData, campaign_save, campaign_send_now
from tenants.services import module_grant, module_set_enabled
from tests.conftest import host_of
from tests.modules.emarketing.conftest import customer

pytestmark = pytest.mark.django_db(transaction=True)


async def db(fn, *args, **kwargs):
    return await sync_to_async(fn, thread_sensitive=True)(*args, **kwargs)


def session_of(structure, user) -> str:
    client = Client(HTTP_HOST=host_of(structure))
    client.force_login(user)
    return client.cookies["sessionid"].value


async def open_socket(host: str, path: str, session: str):
    from ponton.config.asgi import application

    headers = [
        (b"host", host.encode()),
        (b"origin", f"http://{host}".encode()),
        (b"cookie", f"sessionid={session}".encode()),
    ]
    communicator = WebsocketCommunicator(application, path, headers=headers)
    accepted, detail = await communicator.connect(timeout=5)
    return communicator, accepted, detail


def _campaign() -> Campaign:
    return campaign_save(
        data=CampaignData(
            name="Automne",
            sender_name="Club",
            subject="Bonjour",
            body="<p>Texte</p>",
            audience="rules",
            audience_rules={"combine": "and", "rules": [{"type": "has_email"}]},
        )
    )


def test_staff_receive_the_progress_others_are_refused(make_structure, smtp_server):
    structure, owner = make_structure(name="Club A")
    module_grant(structure=structure, label="emarketing")
    _other, stranger = make_structure(name="Club B")
    with schema_context(structure.schema_name):
        customer("Anne")
        customer("Bruno")
        campaign = _campaign()
    host = host_of(structure)
    path = f"/ws/emarketing/{campaign.pk}/"

    async def scenario():
        key = await db(session_of, structure, owner)
        socket, accepted, code = await open_socket(host, path, key)
        assert accepted, code
        foreign_key = await db(session_of, structure, stranger)
        _s, foreign_accepted, foreign_code = await open_socket(host, path, foreign_key)
        assert (foreign_accepted, foreign_code) == (False, 4403)

        def send():
            with schema_context(structure.schema_name):
                campaign_send_now(campaign=campaign)  # eager: the batch runs after commit

        await db(send)
        events = []
        while True:
            event = await socket.receive_json_from(timeout=5)
            assert event["type"] == "emarketing.progress"
            events.append(event["payload"])
            if event["payload"]["state"] == "sent":
                break
        await socket.disconnect()
        return events

    events = async_to_sync(scenario)()
    assert events[0]["campaign_id"] == campaign.pk
    assert events[-1] == {
        "campaign_id": campaign.pk,
        "state": "sent",
        "total": 2,
        "sent": 2,
        "failed": 0,
        "unsubscribed": 0,
        "remaining": 0,
    }
    assert len(smtp_server.messages) == 3  # the owner's "module granted" email + 2

    module_set_enabled(structure=structure, label="emarketing", enabled=False)

    async def refused():
        key = await db(session_of, structure, owner)
        _s, accepted, code = await open_socket(host, path, key)
        return accepted, code

    assert async_to_sync(refused)() == (False, 4404)
