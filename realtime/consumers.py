"""Websocket consumers. The base class checks Origin, runs database work in the structure's
schema, joins the groups the subclass names and forwards `ponton.event` messages as JSON."""

from __future__ import annotations

from urllib.parse import urlsplit

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django_tenants.utils import tenant_context

from realtime.groups import access_group


def _header(scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return ""


def same_origin(scope) -> bool:
    """The page that opens the socket must come from the very host it connects to."""
    origin = _header(scope, b"origin")
    host = _header(scope, b"host")
    if not origin or not host:
        return False
    return urlsplit(origin).netloc.lower() == host.lower()


class StructureConsumer(AsyncJsonWebsocketConsumer):
    """Subclasses implement `authorize()` (sync, runs in the structure's schema; returns the list
    of groups to join, or None to refuse)."""

    groups_joined: list[str]

    async def connect(self):
        self.groups_joined = []
        structure = self.scope.get("structure")
        user = self.scope.get("user")
        if structure is None or user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        if not same_origin(self.scope):
            await self.close(code=4403)
            return
        groups = await self.in_structure(self.authorize)
        if not groups:
            await self.close(code=4403)
            return
        groups = [*groups, access_group(structure.id, user.id)]
        for group in groups:
            await self.channel_layer.group_add(group, self.channel_name)
        self.groups_joined = groups
        await self.accept()

    async def disconnect(self, code):
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def in_structure(self, func, *args, **kwargs):
        """Run a sync function with the database on this socket's structure."""

        def run():
            with tenant_context(self.scope["structure"]):
                return func(*args, **kwargs)

        return await database_sync_to_async(run)()

    def authorize(self) -> list[str] | None:  # pragma: no cover - abstract
        raise NotImplementedError

    async def ponton_event(self, message):
        await self.send_json({"type": message["event"], "payload": message["payload"]})

    async def ponton_access_closed(self, message):
        """The person lost their access to this structure: the socket closes at once (new
        connections are refused by `authorize`)."""
        await self.close(code=4403)


class NotificationConsumer(StructureConsumer):
    """`ws/notifications/`: the staff member's own notification centre (NO-1).

    Joins only the user's group in this structure; receives `notification.created` and
    `notification.read`. Clients send nothing: marking read goes through HTTP (CSRF-checked)
    and comes back to every open tab as `notification.read`.
    """

    def authorize(self) -> list[str] | None:
        from ponton.accounts.selectors import membership_for
        from realtime.groups import user_group

        structure = self.scope["structure"]
        user = self.scope["user"]
        if membership_for(user=user, structure=structure) is None:
            return None
        return [user_group(structure.id, user.id)]

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        """Nothing is expected from the client; anything sent (even non-JSON) is ignored."""
        return None


class AvailabilityConsumer(AsyncJsonWebsocketConsumer):
    """`ws/disponibilites/`: free seats for the structure's open shop pages (MP-1), anonymous
    and read-only.

    Anyone may connect (no session is read: the route is served without the auth middleware),
    from a page of the structure's own host (same Origin, else 4403); the tenant middleware
    already refused an unknown host or a suspended structure (4404), and the platform's host is
    refused here (4404). The socket joins the structure's availability group and nothing else,
    so it only ever receives `availability.changed`. It touches no database, neither at connect
    nor after. Clients send nothing: any message closes the socket with 4400.
    """

    group: str | None = None

    async def connect(self):
        from realtime.groups import availability_group

        structure = self.scope.get("structure")
        if structure is None or structure.is_platform:
            await self.close(code=4404)
            return
        if not same_origin(self.scope):
            await self.close(code=4403)
            return
        self.group = availability_group(structure.id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        """Read-only: a client that sends anything is closed (4400), nothing is read."""
        await self.close(code=4400)

    async def ponton_event(self, message):
        if message.get("event") == "availability.changed":
            await self.send_json({"type": message["event"], "payload": message["payload"]})
