"""Reads of the notification centre (NO-1).

Notifications live in the structure's schema, one row per recipient: every function reads the
schema of the `structure` it is given, whatever schema the connection happens to be on, so a
notification of one structure never shows up for another structure's staff.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypedDict

from django.db import transaction
from django.http import Http404
from django_tenants.utils import schema_context

from ponton.catalogue.models import Product
from ponton.planning.models import Session
from realtime.models import Notification

LIST_PAGE_SIZE = 50
MENU_SIZE = 8
CATCH_UP_LIMIT = 100
UNREAD_IDS_LIMIT = 1000


def unread_count(*, user_id: int) -> int:
    """Unread notifications of a user in the schema the connection is on (services use it
    inside their own schema_context)."""
    return Notification.objects.filter(user_id=user_id, read_at__isnull=True).count()


def unread_counts(*, user_ids: list[int]) -> dict[int, int]:
    """Unread notifications per user, one query, in the schema the connection is on."""
    from django.db.models import Count

    counts = dict.fromkeys(user_ids, 0)
    rows = (
        Notification.objects.filter(user_id__in=user_ids, read_at__isnull=True)
        .values("user_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        counts[row["user_id"]] = row["n"]
    return counts


def notification_data(notification: Notification) -> dict:
    """What a client knows of a notification: the event payload's fields (without the
    user's count) plus whether it is read. Used by the catch-up JSON and by the events."""
    return {
        "id": notification.id,
        "kind": notification.kind,
        "title": notification.title,
        "body": notification.body,
        "url": notification.url,
        "created_at": notification.created_at.isoformat(),
        "read": notification.read_at is not None,
    }


def user_unread_count(*, structure, user_id: int) -> int:
    with schema_context(structure.schema_name):
        return unread_count(user_id=user_id)


@dataclass(frozen=True)
class NotificationPage:
    notifications: list[Notification]
    unread_count: int
    last_id: int  # the highest id of the user's notifications (0 when none): catch-up starts here
    older_than: int | None  # the `avant` of the next page, None on the last page


def notifications_page(
    *, structure, user_id: int, before_id: int | None = None, size: int = LIST_PAGE_SIZE
) -> NotificationPage:
    """The user's notifications, newest first, `size` at a time (keyset on the id)."""
    with schema_context(structure.schema_name):
        mine = Notification.objects.filter(user_id=user_id)
        rows = mine.order_by("-id")
        if before_id is not None:
            rows = rows.filter(id__lt=before_id)
        page = list(rows[: size + 1])
        newest = mine.order_by("-id").values_list("id", flat=True).first()
        return NotificationPage(
            notifications=page[:size],
            unread_count=unread_count(user_id=user_id),
            last_id=newest or 0,
            older_than=page[size - 1].id if len(page) > size else None,
        )


def notifications_menu(*, structure, user_id: int) -> NotificationPage:
    """The bell's dropdown: the latest few notifications and the unread count."""
    return notifications_page(structure=structure, user_id=user_id, size=MENU_SIZE)


@dataclass(frozen=True)
class CatchUp:
    notifications: list[dict]  # oldest first, ids > after_id
    unread_count: int
    unread_ids: list[int]  # the unread ids >= unread_ids_from, newest first
    unread_ids_from: int | None  # from_id, or higher when the list was cut at UNREAD_IDS_LIMIT
    has_more: bool  # more than `limit` notifications after after_id: ask again from the last one


def notifications_since(
    *,
    structure,
    user_id: int,
    after_id: int,
    from_id: int | None = None,
    limit: int = CATCH_UP_LIMIT,
) -> CatchUp:
    """What a page that last saw `after_id` has missed: the notifications created since (oldest
    first, so the page can prepend them in order), the unread count, and which of the ids from
    `from_id` on are still unread (so read marks made meanwhile in another tab show too)."""
    with schema_context(structure.schema_name):
        rows = list(
            Notification.objects.filter(user_id=user_id, id__gt=after_id).order_by("id")[
                : limit + 1
            ]
        )
        unread_ids: list[int] = []
        unread_ids_from = from_id
        if from_id is not None:
            unread_ids = list(
                Notification.objects.filter(user_id=user_id, id__gte=from_id, read_at__isnull=True)
                .order_by("-id")
                .values_list("id", flat=True)[: UNREAD_IDS_LIMIT + 1]
            )
            if len(unread_ids) > UNREAD_IDS_LIMIT:
                unread_ids = unread_ids[:UNREAD_IDS_LIMIT]
                unread_ids_from = unread_ids[-1]
        return CatchUp(
            notifications=[notification_data(n) for n in rows[:limit]],
            unread_count=unread_count(user_id=user_id),
            unread_ids=unread_ids,
            unread_ids_from=unread_ids_from,
            has_more=len(rows) > limit,
        )


def access_notification(*, structure, user_id: int, notification_id: int) -> Notification:
    """A notification named in a URL: the user's own, in this structure; 404 for any other."""
    with schema_context(structure.schema_name):
        notification = Notification.objects.filter(pk=notification_id, user_id=user_id).first()
    if notification is None:
        raise Http404
    return notification


# --- Live availability (MP-1) ---------------------------------------------------------------

AVAILABILITY_MAX_IDS = 200


class SeatCount(TypedDict):
    free: int
    capacity: int


def session_seats(*, session_ids: Iterable[int]) -> dict[int, SeatCount | None]:
    """Free seats of the given sessions, in the schema the connection is on: two queries (three
    when some take equipment per participant, which may leave fewer seats, RE-1).

    A session the shop shows (its product published, not counter-only) has its count; one whose
    product is a draft, archived or counter-only is left out (nothing about it is public); an
    id that is no session (any more) maps to None."""
    ids = set(session_ids)
    found: dict[int, SeatCount | None] = dict.fromkeys(ids)
    rows = Session.objects.filter(pk__in=ids).values_list(
        "pk", "capacity", "sold", "product__status", "product__counter_only"
    )
    shown = {}
    for pk, capacity, sold, status, counter_only in rows:
        if status == Product.Status.PUBLISHED and not counter_only:
            shown[pk] = (capacity, sold)
        else:
            del found[pk]
    # RE-1: fewer seats when the equipment per participant runs out first (planning imports
    # this module's callers: imported here).
    from ponton.planning.selectors_resources import equipment_seats_left

    equipment = (
        equipment_seats_left(sold={pk: sold for pk, (_c, sold) in shown.items()}) if shown else {}
    )
    for pk, (capacity, sold) in shown.items():
        free = capacity - sold
        if pk in equipment:
            free = min(free, equipment[pk])
        found[pk] = {"free": free, "capacity": capacity}
    return found


def _snapshot_version(connection) -> list[int]:
    """The order of the database snapshot the connection reads in: [xmax, -transactions in
    progress]. A later snapshot has a greater or equal xmax (one past the latest transaction
    completed), and with the same xmax only fewer transactions in progress (no new one can be
    below it); the same version means the same committed rows. So of two readings, the one with
    the greater version (compared as a list) saw everything the other saw."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_snapshot_xmax(s)::text::bigint, "
            "(SELECT count(*) FROM pg_snapshot_xip(s)) FROM pg_current_snapshot() AS s"
        )
        xmax, running = cursor.fetchone()
    return [int(xmax), -int(running)]


def seats_reading(*, session_ids: Iterable[int]) -> tuple[dict[int, SeatCount | None], list[int]]:
    """`session_seats` read in one snapshot (a REPEATABLE READ transaction), with that
    snapshot's version (`_snapshot_version`). Events read after two commits can reach a page in
    either order: the page keeps, for each session, the reading with the greatest version.
    Inside a transaction already (tests), the version is that of its first statement."""
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        version = _snapshot_version(connection)
        return session_seats(session_ids=session_ids), version
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        version = _snapshot_version(connection)
        return session_seats(session_ids=session_ids), version


def public_seats_reading(*, session_ids: Iterable[int]) -> tuple[dict[int, SeatCount], list[int]]:
    """The shop's catch-up: free seats of those of `session_ids` that the shop shows, in the
    schema the connection is on, and the reading's version (`seats_reading`); every other id
    (another structure's, a draft's, a deleted session's) is left out."""
    seats, version = seats_reading(session_ids=session_ids)
    return {pk: count for pk, count in seats.items() if count}, version
