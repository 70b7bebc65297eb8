"""NO-1 "Every staff user has a live notification centre (unread count, list, mark read), updated
without reload over a websocket; notifications are scoped to one structure and one user or
role": the services and selectors of the notification centre.

Events are recorded where they leave the process (`realtime.events._send`), so these tests see
exactly what is sent, and when: after commit, never before, never on rollback.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.http import Http404
from django.utils import timezone
from django_tenants.utils import schema_context

from ponton.accounts.models import Membership, Role, User
from realtime import events, selectors
from realtime.models import Notification
from realtime.services import (
    notification_create,
    notification_mark_all_read,
    notification_mark_read,
)


@pytest.fixture
def sent(monkeypatch):
    """What publish() hands to the channel layer, as (group, event, payload)."""
    record: list[tuple[str, str, dict]] = []

    def fake_send(sends):
        for group, message in sends:
            record.append((group, message["event"], message["payload"]))

    monkeypatch.setattr(events, "_send", fake_send)
    return record


@pytest.fixture
def club(make_structure):
    return make_structure(name="Club A")


def rows(structure, **filters) -> list[tuple[int, str, str, bool]]:
    with schema_context(structure.schema_name):
        return [
            (n.user_id, n.kind, n.title, n.read_at is not None)
            for n in Notification.objects.filter(**filters).order_by("user_id", "id")
        ]


def create(structure, *, title="Nouveau message", **kwargs) -> list[Notification]:
    kwargs.setdefault("kind", "test")
    return notification_create(structure=structure, title=title, **kwargs)


# --- Recipients ----------------------------------------------------------------------------------


def test_roles_and_users_resolve_to_one_row_per_active_member(club, make_member, make_structure):
    """NO-1: a notification goes to one user or to a role, resolved at creation into one row per
    recipient; inactive members, disabled accounts, other structures' members and unknown ids
    get nothing, and a person named twice gets one row."""
    structure, owner = club
    admin = make_member(structure, Role.ADMIN)
    staff = make_member(structure, Role.STAFF)
    cashier = make_member(structure, Role.CASHIER)
    former_admin = make_member(structure, Role.ADMIN)
    Membership.objects.filter(user=former_admin).update(is_active=False)
    disabled_owner = make_member(structure, Role.OWNER)
    User.objects.filter(pk=disabled_owner.pk).update(is_active=False)
    other_structure, outsider = make_structure(name="Club B")

    created = create(
        structure,
        roles=[Role.OWNER, Role.ADMIN],
        user_ids=[cashier.id, owner.id, outsider.id, 987654],
    )

    expected = sorted([owner.id, admin.id, cashier.id])
    assert [n.user_id for n in created] == expected
    assert rows(structure) == [(uid, "test", "Nouveau message", False) for uid in expected]
    assert staff.id not in [n.user_id for n in created]
    assert rows(other_structure) == []


def test_nobody_to_notify_creates_nothing(
    club, make_member, sent, django_capture_on_commit_callbacks
):
    """NO-1: no role nor user given, or nobody matching: no row, no event."""
    structure, _owner = club
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert create(structure) == []
        assert create(structure, roles=[Role.ACCOUNTANT]) == []
        assert create(structure, user_ids=[]) == []
    assert callbacks == []
    assert sent == []
    assert rows(structure) == []


def test_a_long_title_is_cut_to_200_characters(club):
    """NO-1: the title column holds 200 characters; longer titles are cut, not refused."""
    structure, owner = club
    [row] = create(structure, title="x" * 250, user_ids=[owner.id])
    assert len(row.title) == 200


# --- Structure scoping ---------------------------------------------------------------------------


def test_the_rows_go_to_the_structure_schema_whatever_the_connection_is_on(
    club, make_structure, make_member
):
    """NO-1: notifications belong to one structure: created while the connection is on the public
    schema or on another structure's schema, they land in the named structure's schema."""
    structure, owner = club
    other, other_owner = make_structure(name="Club B")

    assert connection.schema_name == "public"
    create(structure, title="Depuis public", user_ids=[owner.id])
    with schema_context(other.schema_name):
        create(structure, title="Depuis B", user_ids=[owner.id])
        assert connection.schema_name == other.schema_name

    assert [r[2] for r in rows(structure)] == ["Depuis public", "Depuis B"]
    assert rows(other) == []


def test_a_notification_of_structure_a_never_shows_for_structure_b(club, make_structure):
    """NO-1, scoping: the same person works for A and B; what A sends them is counted and listed
    in A only, and marking all read in B leaves A's notification unread."""
    structure_a, person = club
    structure_b, _owner_b = make_structure(name="Club B")
    Membership.objects.create(user=person, structure=structure_b, role=Role.STAFF)
    [row] = create(structure_a, title="Pour A", user_ids=[person.id])

    page_b = selectors.notifications_page(structure=structure_b, user_id=person.id)
    assert (page_b.notifications, page_b.unread_count, page_b.last_id) == ([], 0, 0)
    catch_up_b = selectors.notifications_since(structure=structure_b, user_id=person.id, after_id=0)
    assert (catch_up_b.notifications, catch_up_b.unread_count) == ([], 0)
    with pytest.raises(Http404):
        selectors.access_notification(
            structure=structure_b, user_id=person.id, notification_id=row.id
        )
    assert notification_mark_all_read(structure=structure_b, user_id=person.id) == []
    assert (
        notification_mark_read(structure=structure_b, user_id=person.id, notification_ids=[row.id])
        == []
    )

    page_a = selectors.notifications_page(structure=structure_a, user_id=person.id)
    assert ([n.title for n in page_a.notifications], page_a.unread_count) == (["Pour A"], 1)
    assert rows(structure_a) == [(person.id, "test", "Pour A", False)]


# --- Events --------------------------------------------------------------------------------------


def test_created_events_leave_after_commit_with_each_recipients_count(
    club, make_member, sent, django_capture_on_commit_callbacks
):
    """NO-1: stored first, sent after commit: one `notification.created` per recipient, to that
    user's group in this structure, with the notification and the recipient's own unread count."""
    structure, owner = club
    admin = make_member(structure, Role.ADMIN)
    create(structure, title="Ancienne", user_ids=[owner.id])  # owner already has one unread

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        created = create(
            structure,
            kind="forum.message",
            title="Message de Lou",
            body="Bonjour !",
            url="/manager/x/",
            roles=[Role.OWNER, Role.ADMIN],
        )
        assert sent == []  # nothing before commit
    assert len(callbacks) == 1  # one batch for all recipients
    for callback in callbacks:
        callback()

    by_user = {n.user_id: n for n in created}
    assert sent == [
        (
            f"t{structure.id}.u{uid}",
            "notification.created",
            {
                "id": by_user[uid].id,
                "kind": "forum.message",
                "title": "Message de Lou",
                "body": "Bonjour !",
                "url": "/manager/x/",
                "created_at": by_user[uid].created_at.isoformat(),
                "unread_count": count,
            },
        )
        for uid, count in sorted([(owner.id, 2), (admin.id, 1)])
    ]


def test_a_rolled_back_notification_is_neither_stored_nor_sent(
    club, sent, django_capture_on_commit_callbacks
):
    """NO-1: events only for what is in the database: a rollback sends nothing."""
    structure, owner = club
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            create(structure, user_ids=[owner.id])
            raise RuntimeError("the caller fails after notifying")
    assert callbacks == []
    assert sent == []
    assert rows(structure) == []


# --- Mark read -----------------------------------------------------------------------------------


def test_mark_read_changes_only_the_users_own_unread_rows(
    club, make_member, sent, django_capture_on_commit_callbacks
):
    """NO-1 mark read: the user's own notifications only; another user's id is ignored; the ids
    changed and the new count go to every tab of that user after commit; marking again changes
    nothing and sends nothing."""
    structure, owner = club
    colleague = make_member(structure, Role.ADMIN)
    mine = create(structure, title="A", user_ids=[owner.id]) + create(
        structure, title="B", user_ids=[owner.id]
    )
    [theirs] = create(structure, title="C", user_ids=[colleague.id])

    with django_capture_on_commit_callbacks(execute=True):
        changed = notification_mark_read(
            structure=structure, user_id=owner.id, notification_ids=[mine[0].id, theirs.id]
        )
    assert changed == [mine[0].id]
    assert sent == [
        (
            f"t{structure.id}.u{owner.id}",
            "notification.read",
            {"ids": [mine[0].id], "unread_count": 1},
        )
    ]
    assert rows(structure) == sorted(
        [
            (owner.id, "test", "A", True),
            (owner.id, "test", "B", False),
            (colleague.id, "test", "C", False),
        ]
    )

    sent.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = notification_mark_read(
            structure=structure, user_id=owner.id, notification_ids=[mine[0].id]
        )
    assert (again, callbacks, sent) == ([], [], [])


def test_mark_all_read_marks_every_unread_row_of_the_user(
    club, make_member, sent, django_capture_on_commit_callbacks
):
    """NO-1 mark all read: every unread notification of this user in this structure, nothing of
    other users; one `notification.read` with all the ids and a count of 0."""
    structure, owner = club
    colleague = make_member(structure, Role.STAFF)
    [first] = create(structure, title="1", user_ids=[owner.id])
    notification_mark_read(structure=structure, user_id=owner.id, notification_ids=[first.id])
    second = create(structure, title="2", user_ids=[owner.id, colleague.id])
    [third] = create(structure, title="3", user_ids=[owner.id])
    mine = sorted([n.id for n in second if n.user_id == owner.id] + [third.id])
    sent.clear()

    with django_capture_on_commit_callbacks(execute=True):
        changed = notification_mark_all_read(structure=structure, user_id=owner.id)

    assert changed == mine
    assert sent == [
        (f"t{structure.id}.u{owner.id}", "notification.read", {"ids": mine, "unread_count": 0})
    ]
    assert selectors.user_unread_count(structure=structure, user_id=owner.id) == 0
    assert selectors.user_unread_count(structure=structure, user_id=colleague.id) == 1


# --- Selectors -----------------------------------------------------------------------------------


def test_the_list_is_newest_first_and_pages_by_id(club):
    """NO-1 list: newest first, a page at a time; the bell shows the latest 8."""
    structure, owner = club
    ids = [create(structure, title=f"N{i}", user_ids=[owner.id])[0].id for i in range(5)]

    first = selectors.notifications_page(structure=structure, user_id=owner.id, size=2)
    assert [n.title for n in first.notifications] == ["N4", "N3"]
    assert (first.unread_count, first.last_id, first.older_than) == (5, ids[4], ids[3])
    second = selectors.notifications_page(
        structure=structure, user_id=owner.id, size=2, before_id=first.older_than
    )
    assert [n.title for n in second.notifications] == ["N2", "N1"]
    assert second.older_than == ids[1]
    last = selectors.notifications_page(
        structure=structure, user_id=owner.id, size=2, before_id=second.older_than
    )
    assert ([n.title for n in last.notifications], last.older_than) == (["N0"], None)

    for i in range(5, 10):
        create(structure, title=f"N{i}", user_ids=[owner.id])
    menu = selectors.notifications_menu(structure=structure, user_id=owner.id)
    assert [n.title for n in menu.notifications] == [f"N{i}" for i in range(9, 1, -1)]
    assert menu.unread_count == 10


def test_catch_up_returns_what_came_after_an_id_oldest_first(club, monkeypatch):
    """NO-1 catch-up: after a dropped socket, the page asks for what came after the last id it
    saw: those notifications oldest first, the count, which shown ids are still unread, and
    `has_more` when it must ask again."""
    structure, owner = club
    ids = [create(structure, title=f"N{i}", user_ids=[owner.id])[0].id for i in range(5)]
    notification_mark_read(structure=structure, user_id=owner.id, notification_ids=[ids[1]])

    catch_up = selectors.notifications_since(
        structure=structure, user_id=owner.id, after_id=ids[2], from_id=ids[0]
    )
    assert [n["title"] for n in catch_up.notifications] == ["N3", "N4"]
    assert catch_up.notifications[0] == {
        "id": ids[3],
        "kind": "test",
        "title": "N3",
        "body": "",
        "url": "",
        "created_at": catch_up.notifications[0]["created_at"],
        "read": False,
    }
    assert catch_up.unread_count == 4
    assert catch_up.unread_ids == [ids[4], ids[3], ids[2], ids[0]]
    assert (catch_up.unread_ids_from, catch_up.has_more) == (ids[0], False)

    limited = selectors.notifications_since(
        structure=structure, user_id=owner.id, after_id=0, limit=3
    )
    assert [n["id"] for n in limited.notifications] == ids[:3]
    assert (limited.has_more, limited.unread_ids, limited.unread_ids_from) == (True, [], None)

    monkeypatch.setattr(selectors, "UNREAD_IDS_LIMIT", 2)
    cut = selectors.notifications_since(
        structure=structure, user_id=owner.id, after_id=ids[4], from_id=ids[0]
    )
    assert (cut.notifications, cut.unread_ids, cut.unread_ids_from) == ([], ids[4:2:-1], ids[3])


def test_access_notification_is_404_for_someone_elses(club, make_member):
    """NO-1: a user opens only their own notifications."""
    structure, owner = club
    colleague = make_member(structure, Role.ADMIN)
    [theirs] = create(structure, user_ids=[colleague.id])
    with pytest.raises(Http404):
        selectors.access_notification(
            structure=structure, user_id=owner.id, notification_id=theirs.id
        )
    found = selectors.access_notification(
        structure=structure, user_id=colleague.id, notification_id=theirs.id
    )
    assert found.id == theirs.id


@pytest.mark.parametrize(
    ("url", "link"),
    [
        ("/manager/clients/3/", "/manager/clients/3/"),
        ("https://exemple.fr/page", "https://exemple.fr/page"),
        ("javascript:alert(1)", ""),
        ("//evil.example/", ""),
        ("/\\evil.example/", ""),
        ("data:text/html,x", ""),
        ("", ""),
    ],
)
def test_only_paths_and_http_addresses_become_links(url, link):
    """NO-1: a notification leads to a page of the site; nothing else is rendered as a link."""
    assert Notification(url=url).link == link


def test_created_at_is_timezone_aware(club):
    """NO-1: dates are stored in UTC and sent with their offset."""
    structure, owner = club
    [row] = create(structure, user_ids=[owner.id])
    assert row.created_at.utcoffset() == timedelta(0)
    assert abs(timezone.now() - row.created_at) < timedelta(minutes=1)
