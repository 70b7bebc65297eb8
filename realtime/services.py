"""Writes of the notification centre. Rows are stored first; events go out after commit."""

from __future__ import annotations

from django.db import transaction

from ponton.accounts.models import Membership
from realtime.events import publish, register_event
from realtime.groups import user_group
from realtime.models import Notification

register_event(
    "notification.created",
    {"id", "kind", "title", "body", "url", "created_at", "unread_count"},
    "A notification for this user was stored.",
)


def _recipients(*, structure, user_ids: list[int] | None, roles: list[str] | None) -> list[int]:
    members = Membership.objects.filter(structure=structure, is_active=True, user__is_active=True)
    ids: set[int] = set()
    if user_ids:
        ids |= set(members.filter(user_id__in=user_ids).values_list("user_id", flat=True))
    if roles:
        ids |= set(members.filter(role__in=roles).values_list("user_id", flat=True))
    return sorted(ids)


def unread_count(*, user_id: int) -> int:
    return Notification.objects.filter(user_id=user_id, read_at__isnull=True).count()


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
    of `roles`, in the structure's schema (the caller's connection must be on it), then push
    `notification.created` to each recipient's group after commit."""
    recipients = _recipients(structure=structure, user_ids=user_ids, roles=roles)
    rows = Notification.objects.bulk_create(
        [
            Notification(user_id=uid, kind=kind, title=title[:200], body=body, url=url)
            for uid in recipients
        ]
    )
    for row in rows:
        publish(
            groups=[user_group(structure.id, row.user_id)],
            event="notification.created",
            payload={
                "id": row.id,
                "kind": row.kind,
                "title": row.title,
                "body": row.body,
                "url": row.url,
                "created_at": row.created_at.isoformat(),
                "unread_count": unread_count(user_id=row.user_id),
            },
        )
    return rows
