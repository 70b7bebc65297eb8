"""Realtime events: stored first, sent after commit, only from services.

Every event type is registered here with the keys of its payload and documented in
docs/events.md (a test checks both). `publish` refuses an unknown type or a payload whose keys
differ from the registered ones, and sends nothing until the transaction commits, so a client is
never told about something that is not in the database.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

log = logging.getLogger("ponton.realtime")


@dataclass(frozen=True)
class EventType:
    name: str
    payload_keys: frozenset[str]
    description: str


EVENT_TYPES: dict[str, EventType] = {}


def register_event(name: str, payload_keys: set[str] | frozenset[str], description: str) -> None:
    EVENT_TYPES[name] = EventType(name, frozenset(payload_keys), description)


class EventError(ValueError):
    pass


def check_event(name: str, payload: dict) -> None:
    event = EVENT_TYPES.get(name)
    if event is None:
        raise EventError(f"unknown event type {name!r}")
    if set(payload) != event.payload_keys:
        raise EventError(
            f"payload of {name!r} has keys {sorted(payload)}, expected {sorted(event.payload_keys)}"
        )


async def _send_all(sends: list[tuple[str, dict]]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    for group, message in sends:
        try:
            await layer.group_send(group, message)
        except Exception as exc:  # noqa: BLE001 - stored; clients catch up over HTTP
            log.error("could not send %s to %s: %r", message.get("event"), group, exc)


def _send(sends: list[tuple[str, dict]]) -> None:
    # One event loop for the whole batch: a fan-out to 200 users reuses one Redis connection
    # pool, instead of 200 event loops each opening its own connections.
    try:
        async_to_sync(_send_all)(sends)
    except Exception:  # noqa: BLE001 - the event is stored; clients catch up over HTTP
        log.exception("could not send %d event(s)", len(sends))


@dataclass(frozen=True)
class Event:
    groups: list[str]
    event: str
    payload: dict


def publish_many(events: list[Event]) -> None:
    """Send several events once the current transaction has committed, in one batch."""
    sends: list[tuple[str, dict]] = []
    for item in events:
        check_event(item.event, item.payload)
        message = {"type": "ponton.event", "event": item.event, "payload": item.payload}
        sends.extend((group, message) for group in item.groups)
    if sends:
        transaction.on_commit(lambda: _send(sends))


def publish(*, groups: list[str], event: str, payload: dict) -> None:
    """Send `event` to the groups once the current transaction has committed."""
    publish_many([Event(groups=list(groups), event=event, payload=payload)])
