"""NO-1 and every realtime feature: each event type has a documented schema (architecture.md:
"each event type with a documented schema and a test"). Every registered event type has a
`## `name`` section in docs/events.md listing exactly its payload keys, and every documented
event is registered.

Event types are registered when the module that publishes them is imported: the services
modules (and any `events` module) of every installed app are imported first.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
from pathlib import Path

import pytest
from django.apps import apps

from realtime.events import EVENT_TYPES, EventError, check_event

DOC = Path(__file__).resolve().parents[2] / "docs" / "events.md"
HEADING = re.compile(r"^## `([\w.]+)`[ \t]*$", re.MULTILINE)
ANY_HEADING = re.compile(r"^#{1,2} ", re.MULTILINE)
KEY_BULLET = re.compile(r"^- `(\w+)`", re.MULTILINE)


def import_publishers() -> list[str]:
    imported = []
    for app in apps.get_app_configs():
        for name in (f"{app.name}.services", f"{app.name}.events"):
            try:
                found = importlib.util.find_spec(name)
            except ModuleNotFoundError:
                found = None
            if found is not None:
                importlib.import_module(name)
                imported.append(name)
    return imported


def documented_events() -> dict[str, set[str]]:
    """Each `## `name`` section and the keys of its `- `key`` bullets."""
    text = DOC.read_text(encoding="utf-8")
    sections: dict[str, set[str]] = {}
    names: list[str] = []
    for match in HEADING.finditer(text):
        following = ANY_HEADING.search(text, match.end())
        body = text[match.end() : following.start() if following else len(text)]
        names.append(match.group(1))
        sections[match.group(1)] = set(KEY_BULLET.findall(body))
    assert len(names) == len(set(names)), "an event has two sections in docs/events.md"
    return sections


@pytest.fixture(scope="module")
def registered():
    import_publishers()
    return dict(EVENT_TYPES)


def test_the_publishers_are_imported_and_the_notification_events_registered(registered):
    """NO-1: the notification centre's two events are registered by realtime.services."""
    assert "realtime.services" in import_publishers()
    assert registered["notification.created"].payload_keys == {
        "id",
        "kind",
        "title",
        "body",
        "url",
        "created_at",
        "unread_count",
    }
    assert registered["notification.read"].payload_keys == {"ids", "unread_count"}


def test_every_registered_event_has_a_section_listing_its_payload_keys(registered):
    """Each registered event: a `## `name`` section whose `- `key`` bullets are exactly its
    payload keys."""
    documented = documented_events()
    missing = sorted(set(registered) - set(documented))
    assert missing == [], f"add a '## `name`' section to docs/events.md for: {missing}"
    wrong = {
        name: {
            "registered": sorted(event.payload_keys),
            "documented": sorted(documented[name]),
        }
        for name, event in registered.items()
        if documented[name] != set(event.payload_keys)
    }
    assert wrong == {}, "docs/events.md lists other payload keys than register_event"


def test_docs_events_md_documents_no_event_that_is_not_registered(registered):
    """A documented event that nobody registers is stale documentation."""
    assert sorted(set(documented_events()) - set(registered)) == []


def test_publish_refuses_unregistered_events_and_wrong_payloads(registered):
    """The registry is enforced: an unknown type or other keys are refused before sending."""
    with pytest.raises(EventError, match="unknown event type"):
        check_event("notification.deleted", {})
    with pytest.raises(EventError, match="expected"):
        check_event("notification.read", {"ids": [1]})
    check_event("notification.read", {"ids": [1], "unread_count": 0})
