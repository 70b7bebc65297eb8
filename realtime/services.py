"""Writes of the notification centre (NO-1). Rows are stored first; events go out after commit.

Every service names its structure and works in that structure's schema (schema_context), so a
caller on another schema (a task, a consumer, the public schema) cannot write to the wrong one.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from ponton.accounts.models import Membership
from realtime.events import Event, publish, publish_many, register_event
from realtime.groups import availability_group, user_group
from realtime.models import Notification
from realtime.selectors import notification_data, seats_reading, unread_counts
from realtime.selectors import unread_count as unread_count  # kept importable from here

log = logging.getLogger("ponton.realtime")

register_event(
    "notification.created",
    {"id", "kind", "title", "body", "url", "created_at", "unread_count"},
    "A notification for this user was stored.",
)
register_event(
    "notification.read",
    {"ids", "unread_count"},
    "Notifications of this user were marked read (in any tab or device).",
)
register_event(
    "availability.changed",
    {"sessions", "version"},
    "Seats were taken or given back, or a session's capacity changed, moved or was deleted.",
)


def _recipients(*, structure, user_ids: list[int] | None, roles: list[str] | None) -> list[int]:
    members = Membership.objects.filter(structure=structure, is_active=True, user__is_active=True)
    ids: set[int] = set()
    if user_ids:
        ids |= set(members.filter(user_id__in=user_ids).values_list("user_id", flat=True))
    if roles:
        ids |= set(members.filter(role__in=roles).values_list("user_id", flat=True))
    return sorted(ids)


@transaction.atomic
def notification_create(
    *,
    structure,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    user_ids: list[int] | None = None,
    roles: list[str] | None = None,
) -> list[Notification]:
    """Store one notification per active member among `user_ids` and the members having one
    of `roles`, in the structure's schema, then push `notification.created` to each
    recipient's group after commit. Nobody else is notified: inactive members, people who are
    not members of this structure and unknown ids are left out."""
    recipients = _recipients(structure=structure, user_ids=user_ids, roles=roles)
    if not recipients:
        return []
    with schema_context(structure.schema_name):
        rows = Notification.objects.bulk_create(
            [
                Notification(user_id=uid, kind=kind, title=title[:200], body=body, url=url)
                for uid in recipients
            ]
        )
        counts = unread_counts(user_ids=recipients)
    events = []
    for row in rows:
        data = notification_data(row)
        del data["read"]
        events.append(
            Event(
                groups=[user_group(structure.id, row.user_id)],
                event="notification.created",
                payload={**data, "unread_count": counts[row.user_id]},
            )
        )
    publish_many(events)
    return rows


def _mark_read(*, structure, user_id: int, ids_query) -> list[int]:
    # Lock the user's unread rows first: two tabs marking at once each report only the rows
    # they changed themselves, and the pushed count is the count after this change.
    ids = sorted(ids_query.select_for_update().values_list("id", flat=True))
    if ids:
        Notification.objects.filter(id__in=ids).update(read_at=timezone.now())
        publish(
            groups=[user_group(structure.id, user_id)],
            event="notification.read",
            payload={
                "ids": ids,
                "unread_count": unread_counts(user_ids=[user_id])[user_id],
            },
        )
    return ids


@transaction.atomic
def notification_mark_read(*, structure, user_id: int, notification_ids: list[int]) -> list[int]:
    """Mark the given notifications of this user read; returns the ids that were unread. Ids
    of other users' notifications are ignored. Pushes `notification.read` to every open socket
    of the user after commit (when something changed)."""
    with schema_context(structure.schema_name):
        unread = Notification.objects.filter(
            user_id=user_id, id__in=list(notification_ids), read_at__isnull=True
        )
        return _mark_read(structure=structure, user_id=user_id, ids_query=unread)


@transaction.atomic
def notification_mark_all_read(*, structure, user_id: int) -> list[int]:
    """Mark every unread notification of this user in this structure read; returns their ids
    and pushes `notification.read` after commit (when something changed)."""
    with schema_context(structure.schema_name):
        unread = Notification.objects.filter(user_id=user_id, read_at__isnull=True)
        return _mark_read(structure=structure, user_id=user_id, ids_query=unread)


@transaction.atomic
def notification_mark_read_for_page(*, structure, user_id: int, url: str) -> list[int]:
    """The user read the page their notifications link to (e.g. the forum conversation they
    were about): this user's unread notifications whose link is `url` are read; returns their
    ids and pushes `notification.read` to every open tab of the user after commit (when
    something changed). Other users' notifications stay as they are."""
    with schema_context(structure.schema_name):
        unread = Notification.objects.filter(user_id=user_id, url=url, read_at__isnull=True)
        return _mark_read(structure=structure, user_id=user_id, ids_query=unread)


def access_close(*, structure_id: int, user_id: int) -> None:
    """Close every open socket of this person on this structure once the current transaction
    commits (a control message to the sockets, not an event shown to anyone)."""
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    from realtime.groups import access_group

    def send() -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        try:
            async_to_sync(layer.group_send)(
                access_group(structure_id, user_id), {"type": "ponton.access_closed"}
            )
        except Exception:  # noqa: BLE001 - new connections are refused anyway
            log.exception("could not close the sockets of user %s", user_id)

    transaction.on_commit(send)


# --- Live availability (MP-1) ---------------------------------------------------------------


class _AvailabilityBatch:
    """The sessions whose seats a transaction touched, per schema: read and sent once, after
    the commit, whatever the number of calls (one event per transaction)."""

    def __init__(self) -> None:
        self.session_ids: dict[str, set[int]] = {}
        self.sent = False

    def flush(self) -> None:
        if self.sent:
            return
        self.sent = True
        for schema_name, ids in self.session_ids.items():
            try:
                _availability_send(schema_name=schema_name, session_ids=ids)
            except Exception:  # noqa: BLE001 - committed already; pages catch up over HTTP
                log.exception("could not send the availability of %d session(s)", len(ids))


_structure_ids: dict[str, int] = {}


def _structure_id(connection) -> int | None:
    """The id of the structure whose schema the connection is on (cached: a structure's schema
    name never changes)."""
    schema_name = connection.schema_name
    if schema_name not in _structure_ids:
        from tenants.models import Structure

        tenant = connection.tenant
        if isinstance(tenant, Structure):
            found: int | None = tenant.pk
        else:
            found = (
                Structure.objects.filter(schema_name=schema_name)
                .values_list("pk", flat=True)
                .first()
            )
        if found is None:
            return None
        _structure_ids[schema_name] = found
    return _structure_ids[schema_name]


def _availability_send(*, schema_name: str, session_ids: set[int]) -> None:
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.schema_name == schema_name:  # type: ignore[attr-defined]
        seats, version = seats_reading(session_ids=session_ids)
        structure_id = _structure_id(connection)
    else:
        with schema_context(schema_name):
            seats, version = seats_reading(session_ids=session_ids)
            structure_id = _structure_id(connection)
    if structure_id is None or not seats:
        return
    publish(
        groups=[availability_group(structure_id)],
        event="availability.changed",
        payload={"sessions": {str(pk): seats[pk] for pk in sorted(seats)}, "version": version},
    )


def availability_changed(*, session_ids: Iterable[int]) -> None:
    """Seats of these sessions (of the schema the connection is on) were taken or given back,
    or their capacity changed, or they moved or were deleted: once the transaction commits,
    their free seats are read in one query and pushed to the structure's anonymous group
    (`availability.changed`), one event per transaction however many calls. Nothing is sent
    when the transaction rolls back; outside a transaction it is sent at once.

    Cheap to call on every sale: it only records ids until the commit."""
    ids = {int(pk) for pk in session_ids}
    if not ids:
        return
    connection = transaction.get_connection()
    batch: _AvailabilityBatch | None = getattr(connection, "ponton_availability", None)
    # A batch whose flush is no longer among the commit hooks belongs to a transaction that
    # rolled back (its hooks were dropped): start afresh, so nothing of it is ever sent.
    if (
        batch is None
        or batch.sent
        or not any(hook[1] == batch.flush for hook in connection.run_on_commit)
    ):
        batch = _AvailabilityBatch()
        connection.ponton_availability = batch
    batch.session_ids.setdefault(connection.schema_name, set()).update(ids)
    # Registered on each call: a hook registered inside a savepoint that rolls back is dropped
    # with it, while the ids added outside it must still go out.
    transaction.on_commit(batch.flush)
