"""Realtime events of the forum (documented in docs/events.md)."""

from __future__ import annotations

from realtime.events import register_event

FORUM_MESSAGE = "forum.message"

register_event(
    FORUM_MESSAGE,
    {"id", "conversation_id", "author_kind", "author_name", "body", "created_at"},
    "A message of a forum conversation was stored (sent to the conversation's group).",
)


def message_payload(message) -> dict:
    """The `forum.message` payload; also the shape of each item of the catch-up endpoints."""
    return {
        "id": message.id,
        "conversation_id": message.conversation_id,
        "author_kind": message.author_kind,
        "author_name": message.author_name,
        "body": message.body,
        "created_at": message.created_at.isoformat(),
    }
