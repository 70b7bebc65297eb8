"""Reads of the forum (tenant schema of the current structure)."""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery

from modules.forum.models import Conversation, Message
from modules.forum.plugin import INFO
from tenants.selectors import enabled_module_labels

CATCH_UP_LIMIT = 200


def forum_enabled(*, structure) -> bool:
    """Whether "Forum client" is on for the structure, read now (not from a cached instance):
    the same ON as `hooks_for` and "Mes modules"."""
    return INFO.label in enabled_module_labels(structure=structure, fresh=True)


def conversation_list() -> QuerySet[Conversation]:
    """Clients > Discussions: every conversation, newest message first, with the last one."""
    last = Message.objects.filter(conversation=OuterRef("pk")).order_by("-id")
    return (
        Conversation.objects.filter(last_message_at__isnull=False)
        .select_related("customer")
        .annotate(
            last_body=Subquery(last.values("body")[:1]),
            last_author_kind=Subquery(last.values("author_kind")[:1]),
        )
        .order_by("-last_message_at", "-id")
    )


def conversation_for_customer(*, customer) -> Conversation | None:
    return Conversation.objects.filter(customer=customer).first()


def conversation_messages(*, conversation: Conversation | None) -> list[Message]:
    if conversation is None:
        return []
    return list(conversation.messages.order_by("id"))


def messages_after(*, conversation: Conversation | None, after_id: int) -> list[Message]:
    """Catch-up after a dropped socket: the conversation's messages with an id above
    `after_id`, oldest first (at most CATCH_UP_LIMIT; the client asks again from the last)."""
    if conversation is None:
        return []
    return list(conversation.messages.filter(id__gt=after_id).order_by("id")[:CATCH_UP_LIMIT])
