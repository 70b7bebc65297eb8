"""Issue 11, bug 9 (FO-1, NO-1): the bell forgets a conversation's notifications once the staff
member read it: opening the conversation (the customer card's "Forum", Clients > Discussions),
seeing its new messages arrive on the open page, or answering marks that staff member's
notifications about it read, and `notification.read` goes to all their open tabs after
commit. Other staff members' notifications, and other conversations', stay unread."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from modules.forum.services import message_post_by_customer, message_post_by_staff
from realtime import events
from realtime.models import Notification
from tests.platform.customers.factories import make_customer


@pytest.fixture
def sent(monkeypatch):
    """What publish() hands to the channel layer, as (group, event, payload)."""
    record: list[tuple[str, str, dict]] = []

    def fake_send(sends):
        for group, message in sends:
            record.append((group, message["event"], message["payload"]))

    monkeypatch.setattr(events, "_send", fake_send)
    return record


def conversation_url(customer) -> str:
    return f"/manager/m/forum/clients/{customer.pk}/"


def unread(structure) -> list[tuple[int, str]]:
    """(user id, link) of every unread notification, in order."""
    with schema_context(structure.schema_name):
        return list(
            Notification.objects.filter(read_at__isnull=True)
            .order_by("user_id", "url", "id")
            .values_list("user_id", "url")
        )


def ids_of(structure, user, customer) -> list[int]:
    with schema_context(structure.schema_name):
        return sorted(
            Notification.objects.filter(
                user_id=user.pk, url=conversation_url(customer)
            ).values_list("id", flat=True)
        )


@pytest.fixture
def two_conversations(club):
    """Camille wrote twice and Noé once: owner, admin and staff each have three notifications."""
    noe, _account = make_customer(club.structure, first_name="Noé", last_name="Kervella")
    with schema_context(club.structure.schema_name):
        for customer, body in ((club.customer, "Q1"), (club.customer, "Q2"), (noe, "Q3")):
            message_post_by_customer(structure=club.structure, customer=customer, body=body)
    return noe


def read_events(sent, structure) -> list[tuple[str, str, dict]]:
    return [item for item in sent if item[1] == "notification.read"]


def test_opening_the_conversation_marks_its_notifications_read_for_that_user(
    club, two_conversations, client_for, sent, django_capture_on_commit_callbacks
):
    """Bug 9: the staff member opens Camille's conversation: their two notifications about it
    are read (the bell on the page says 1: Noé's), `notification.read` reaches their tabs; the
    owner's and the admin's notifications stay unread."""
    noe = two_conversations
    mine = ids_of(club.structure, club.staff, club.customer)
    assert len(mine) == 2
    client = client_for(club.structure, club.staff)
    with django_capture_on_commit_callbacks(execute=True):
        page = client.get(conversation_url(club.customer))
    assert page.status_code == 200
    assert 'data-unread-count="1"' in page.content.decode()
    assert read_events(sent, club.structure) == [
        (
            f"t{club.structure.id}.u{club.staff.pk}",
            "notification.read",
            {"ids": mine, "unread_count": 1},
        )
    ]
    others = sorted(
        (user.pk, url)
        for user in (club.owner, club.admin)
        for url in (conversation_url(club.customer),) * 2 + (conversation_url(noe),)
    )
    assert unread(club.structure) == sorted([*others, (club.staff.pk, conversation_url(noe))])

    # Opening it again changes nothing and sends nothing.
    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.get(conversation_url(club.customer))
    assert read_events(sent, club.structure) == []


def test_clients_discussions_opens_the_page_the_notification_links_to(
    club, two_conversations, client_for, django_capture_on_commit_callbacks
):
    """Bug 9: Clients > Discussions' "Ouvrir la discussion" is the notification's link, so
    opening a conversation from there reads its notifications too."""
    client = client_for(club.structure, club.owner)
    listing = client.get("/manager/m/forum/").content.decode()
    link = f'<a href="{conversation_url(club.customer)}">Ouvrir la discussion</a>'
    assert link in listing
    with django_capture_on_commit_callbacks(execute=True):
        client.get(conversation_url(club.customer))
    assert [url for user, url in unread(club.structure) if user == club.owner.pk] == [
        conversation_url(two_conversations)
    ]


def test_answering_marks_the_answering_users_notifications_read(
    club, two_conversations, sent, django_capture_on_commit_callbacks
):
    """Bug 9: answering Camille reads the admin's two notifications about her conversation
    (pushed to the admin's tabs); nobody else's."""
    mine = ids_of(club.structure, club.admin, club.customer)
    with (
        django_capture_on_commit_callbacks(execute=True),
        schema_context(club.structure.schema_name),
    ):
        message_post_by_staff(
            structure=club.structure, customer=club.customer, user=club.admin, body="Oui."
        )
    assert read_events(sent, club.structure) == [
        (
            f"t{club.structure.id}.u{club.admin.pk}",
            "notification.read",
            {"ids": mine, "unread_count": 1},
        )
    ]
    assert [url for user, url in unread(club.structure) if user == club.admin.pk] == [
        conversation_url(two_conversations)
    ]
    assert len([user for user, _url in unread(club.structure) if user == club.staff.pk]) == 3


def test_a_message_seen_arriving_on_the_open_page_is_read(
    club, client_for, sent, django_capture_on_commit_callbacks
):
    """Bug 9: the staff member has the conversation open; Camille writes; the page (which saw
    it arrive live) posts to the read endpoint: the new notification is read too."""
    client = client_for(club.structure, club.staff)
    client.get(conversation_url(club.customer))
    with schema_context(club.structure.schema_name):
        message_post_by_customer(structure=club.structure, customer=club.customer, body="Q4")
    [new] = ids_of(club.structure, club.staff, club.customer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(conversation_url(club.customer) + "lu/")
    assert response.status_code == 204
    assert read_events(sent, club.structure) == [
        (
            f"t{club.structure.id}.u{club.staff.pk}",
            "notification.read",
            {"ids": [new], "unread_count": 0},
        )
    ]
    assert [user for user, _url in unread(club.structure)] == sorted([club.owner.pk, club.admin.pk])
