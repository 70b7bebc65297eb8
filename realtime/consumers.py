"""Websocket consumers. The base class checks Origin, runs database work in the structure's
schema, joins the groups the subclass names and forwards `ponton.event` messages as JSON."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from urllib.parse import urlsplit

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django_tenants.utils import tenant_context

from realtime.groups import access_group

log = logging.getLogger("ponton.realtime")
# Close code of a socket whose channel layer stopped answering: the page's script reconnects
# (with backoff) and catches up over HTTP, like after any dropped socket.
LAYER_LOST = 4503


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


class LayerWatchMixin:
    """Close the socket when the channel layer stops carrying messages (Redis stopped), so
    that the client reconnects and catches up over HTTP (docs/adr/0026).

    An open socket would otherwise stay open and deaf: channels-redis resubscribes once Redis
    is back, but whatever was published meanwhile is lost, and the page, whose socket never
    closed, would not ask for it. Every REALTIME_HEARTBEAT_SECONDS the consumer sends a
    message to its own channel through the layer; if the send fails or the message has not
    come back within as many seconds, the socket is closed with LAYER_LOST. An outage shorter
    than that interval can pass unseen (its events are shown at the next catch-up)."""

    channel_layer: object
    channel_name: str
    _watch: asyncio.Task | None = None
    _echo: asyncio.Event | None = None

    def watch_layer(self) -> None:
        if self.channel_layer is not None:
            self._watch = asyncio.ensure_future(self._watch_layer())

    def unwatch_layer(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
            self._watch = None

    async def _watch_layer(self) -> None:
        interval = settings.REALTIME_HEARTBEAT_SECONDS
        while True:
            await asyncio.sleep(interval)
            self._echo = asyncio.Event()
            try:
                await self.channel_layer.send(  # type: ignore[attr-defined]
                    self.channel_name, {"type": "ponton.heartbeat"}
                )
                await asyncio.wait_for(self._echo.wait(), timeout=interval)
            except Exception as exc:  # noqa: BLE001 - whatever failed, the layer is not usable
                log.warning("channel layer lost (%r): closing socket %s", exc, self.channel_name)
                self._watch = None
                await self.close(code=LAYER_LOST)  # type: ignore[attr-defined]
                return

    async def ponton_heartbeat(self, message) -> None:
        if self._echo is not None:
            self._echo.set()

    async def leave_groups(self, groups: list[str]) -> None:
        """Leave the groups; with the layer down there is nothing to leave (no error)."""
        self.unwatch_layer()
        for group in groups:
            with contextlib.suppress(Exception):
                await self.channel_layer.group_discard(  # type: ignore[attr-defined]
                    group, self.channel_name
                )


class StructureConsumer(LayerWatchMixin, AsyncJsonWebsocketConsumer):
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
        self.watch_layer()

    async def disconnect(self, code):
        await self.leave_groups(getattr(self, "groups_joined", []))

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


class AvailabilityConsumer(LayerWatchMixin, AsyncJsonWebsocketConsumer):
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
        self.watch_layer()

    async def disconnect(self, code):
        await self.leave_groups([self.group] if self.group is not None else [])

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        """Read-only: a client that sends anything is closed (4400), nothing is read."""
        await self.close(code=4400)

    async def ponton_event(self, message):
        if message.get("event") == "availability.changed":
            await self.send_json({"type": message["event"], "payload": message["payload"]})
