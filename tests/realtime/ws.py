"""Websocket test helpers: real ASGI application (tenant middleware, sessions, consumers) driven
by channels' WebsocketCommunicator, from sync pytest tests.

Run a scenario with `run(scenario)` (one event loop for the whole scenario: a communicator
lives on the loop that connected it); do database work from inside it with `await db(fn, ...)`
(runs in the test's thread, on the test's connection). Tests need
`@pytest.mark.django_db(transaction=True)` so that events really go out after commit.
"""

from __future__ import annotations

from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from tests.conftest import host_of

NOTIFICATIONS = "/ws/notifications/"


def run(scenario, *args, **kwargs):
    """Run an async scenario on a fresh event loop with a fresh channel layer (a Redis layer's
    connections and locks belong to the loop that made them), closed afterwards."""
    from channels.layers import DEFAULT_CHANNEL_LAYER, channel_layers, get_channel_layer

    async def scenario_with_its_own_layer():
        channel_layers.backends.pop(DEFAULT_CHANNEL_LAYER, None)
        try:
            return await scenario(*args, **kwargs)
        finally:
            close_pools = getattr(get_channel_layer(), "close_pools", None)
            if close_pools is not None:
                await close_pools()
            channel_layers.backends.pop(DEFAULT_CHANNEL_LAYER, None)

    return async_to_sync(scenario_with_its_own_layer)()


async def db(fn, *args, **kwargs):
    """Run `fn` in the test's thread. While it runs, consumers wait: channels runs their
    `close_old_connections` in that same thread before handling each message."""
    return await sync_to_async(fn, thread_sensitive=True)(*args, **kwargs)


async def db_elsewhere(fn, *args, **kwargs):
    """Run `fn` in another thread, on its own database connection (closed after), so consumers
    keep handling messages meanwhile: use it to prove something is NOT received while `fn` is
    still inside a transaction."""

    def call():
        from django.db import connection

        try:
            return fn(*args, **kwargs)
        finally:
            connection.close()

    return await sync_to_async(call, thread_sensitive=False)()


def session_key(structure, user) -> str:
    client = Client(HTTP_HOST=host_of(structure))
    client.force_login(user)
    return client.cookies["sessionid"].value


def headers(host: str, *, session: str | None = None, origin: str | None = "same"):
    found = [(b"host", host.encode())]
    if origin == "same":
        origin = f"http://{host}"
    if origin is not None:
        found.append((b"origin", origin.encode()))
    if session is not None:
        found.append((b"cookie", f"sessionid={session}".encode()))
    return found


async def open_socket(
    host: str, *, session: str | None = None, origin: str | None = "same", path=NOTIFICATIONS
) -> tuple[WebsocketCommunicator, bool, int | None]:
    """Open a socket: (communicator, accepted, close code when refused)."""
    from ponton.config.asgi import application

    communicator = WebsocketCommunicator(
        application, path, headers=headers(host, session=session, origin=origin)
    )
    accepted, detail = await communicator.connect(timeout=5)
    return communicator, accepted, (None if accepted else detail)


async def connect_as(structure, user, *, path=NOTIFICATIONS) -> WebsocketCommunicator:
    """A socket of `user` on `structure`'s host that must be accepted."""
    key = await db(session_key, structure, user)
    host = await db(host_of, structure)
    communicator, accepted, code = await open_socket(host, session=key, path=path)
    assert accepted, f"socket refused with {code}"
    return communicator


async def receive_event(communicator: WebsocketCommunicator, timeout: float = 5) -> dict:
    return await communicator.receive_json_from(timeout=timeout)


class _AnyVersion:
    """Equal to a seats reading's version: two integers (realtime.selectors.seats_reading)."""

    __hash__ = None  # type: ignore[assignment]

    def __eq__(self, other) -> bool:
        return (
            isinstance(other, list)
            and len(other) == 2
            and all(isinstance(part, int) and not isinstance(part, bool) for part in other)
        )

    def __repr__(self) -> str:
        return "<a version [int, int]>"


ANY_VERSION = _AnyVersion()
