"""FO-1/FO-2 services: messages stored first (exact rows), refusals that leave nothing, the
`forum.message` event after commit only, the staff notifications, the emails (real SMTP)."""

from __future__ import annotations

import asyncio
import time

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django_tenants.utils import schema_context

from modules.forum.models import Conversation, Message
from modules.forum.services import (
    ForumError,
    message_post_by_customer,
    message_post_by_staff,
)
from realtime.groups import conversation_group
from realtime.models import Notification
from tenants.services import module_set_enabled
from tests.conftest import host_of
from tests.platform.customers.factories import make_customer


def rows(structure) -> dict:
    with schema_context(structure.schema_name):
        return {
            "conversations": list(Conversation.objects.values_list("customer_id", "staff_unread")),
            "messages": list(
                Message.objects.order_by("id").values_list(
                    "author_kind", "author_account_id", "author_name", "body"
                )
            ),
            "notifications": list(
                Notification.objects.order_by("user_id").values_list(
                    "user_id", "kind", "title", "body", "url"
                )
            ),
        }


def post_customer(club, body: str, customer=None):
    with schema_context(club.structure.schema_name):
        return message_post_by_customer(
            structure=club.structure, customer=customer or club.customer, body=body
        )


def post_staff(club, body: str, user=None, customer=None):
    with schema_context(club.structure.schema_name):
        return message_post_by_staff(
            structure=club.structure,
            customer=customer or club.customer,
            user=user or club.staff,
            body=body,
        )


def refused(fn, *args) -> str:
    with pytest.raises(ForumError) as exc:
        fn(*args)
    return str(exc.value)


def test_a_customer_message_is_stored_and_notifies_the_staff(club):
    """FO-1/FO-2: the message, its conversation (unread for staff) and one notification-centre
    entry for each Super Administrateur, Administrateur and Équipe member (not the accountant
    nor the cashier)."""
    message = post_customer(club, "  Bonjour,\r\nle stage de juillet est-il complet ?  ")
    conversation_url = f"/manager/m/forum/clients/{club.customer.pk}/"
    title = "Nouveau message de Camille Leroy"
    body = "Bonjour,\nle stage de juillet est-il complet ?"
    assert rows(club.structure) == {
        "conversations": [(club.customer.pk, 1)],
        "messages": [("customer", club.customer_user.pk, "Camille Leroy", body)],
        "notifications": sorted(
            (u.pk, "forum.message", title, body, conversation_url)
            for u in (club.owner, club.admin, club.staff)
        ),
    }
    with schema_context(club.structure.schema_name):
        conversation = Conversation.objects.get()
    assert message.conversation_id == conversation.pk
    assert conversation.last_message_at == message.created_at


def test_staff_answer_marks_the_conversation_read(club):
    """FO-1: two customer messages are unread; the staff answer makes them read and creates no
    notification."""
    post_customer(club, "Première question")
    post_customer(club, "Deuxième question")
    assert rows(club.structure)["conversations"] == [(club.customer.pk, 2)]
    answer = post_staff(club, "Bonjour, oui il reste deux places.")
    state = rows(club.structure)
    assert state["conversations"] == [(club.customer.pk, 0)]
    assert state["messages"][-1] == (
        "staff",
        club.staff.pk,
        "Sam Martin (Club A)",
        "Bonjour, oui il reste deux places.",
    )
    assert len(state["notifications"]) == 6  # 3 recipients x 2 customer messages, none more
    with schema_context(club.structure.schema_name):
        assert Conversation.objects.get().last_message_at == answer.created_at


def test_staff_may_write_first(club):
    """FO-1: staff open the conversation from the customer card before any customer message."""
    post_staff(club, "Bienvenue au club !")
    assert rows(club.structure)["conversations"] == [(club.customer.pk, 0)]
    assert rows(club.structure)["notifications"] == []


def test_staff_cannot_write_to_a_customer_without_customer_space(club):
    """FO-1: a customer who was never invited could not read the answer: refused, nothing
    stored."""
    customer, _ = make_customer(club.structure, first_name="Noé", invited=False)
    error = refused(post_staff, club, "Bonjour", club.staff, customer)
    assert error == (
        "Ce client n'a pas encore accès à l'espace client : invitez-le depuis sa fiche pour "
        "qu'il puisse vous lire et vous répondre."
    )
    assert rows(club.structure) == {"conversations": [], "messages": [], "notifications": []}


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("", "Le message est vide."),
        ("   \n\t ", "Le message est vide."),
        ("x" * 5001, "Le message est trop long : 5000 caractères au plus (il en compte 5001)."),
    ],
)
def test_empty_or_too_long_messages_are_refused_and_leave_nothing(club, body, error):
    """FO-1 bad input: French message; no conversation, no message, no notification."""
    before = rows(club.structure)
    assert refused(post_customer, club, body) == error
    assert refused(post_staff, club, body) == error
    assert (
        rows(club.structure)
        == before
        == {
            "conversations": [],
            "messages": [],
            "notifications": [],
        }
    )


def test_5000_characters_are_accepted(club):
    """FO-1: the limit is 5,000 characters."""
    post_customer(club, "é" * 5000)
    assert [len(m[3]) for m in rows(club.structure)["messages"]] == [5000]


def test_sending_is_rate_limited_per_user(club, make_member, settings):
    """FO-1: too many messages in a minute are refused with a French message, per user."""
    settings.RATELIMIT_FORUM_MESSAGE = (3, 60)
    for n in range(3):
        post_customer(club, f"Message {n}")
    error = "Vous avez envoyé trop de messages : patientez une minute avant de réessayer."
    assert refused(post_customer, club, "Encore un") == error
    assert len(rows(club.structure)["messages"]) == 3
    other, _ = make_customer(club.structure, first_name="Noé")
    post_customer(club, "Moi aussi", other)  # another person is not limited
    for n in range(3):
        post_staff(club, f"Réponse {n}")
    assert refused(post_staff, club, "Encore une") == error
    post_staff(club, "Réponse d'un collègue", club.owner)
    assert len(rows(club.structure)["messages"]) == 8


def test_the_event_goes_to_the_conversation_group_after_commit_only(
    club, django_capture_on_commit_callbacks
):
    """FO-1: "a message accepted by the server is in the database before anyone is told":
    nothing is sent before the commit; then `forum.message` with the exact payload."""
    post_customer(club, "Premier message")  # creates the conversation
    with schema_context(club.structure.schema_name):
        conversation = Conversation.objects.get()
    group = conversation_group(club.structure.pk, conversation.pk)

    def post_without_commit():
        with django_capture_on_commit_callbacks() as callbacks:
            message = post_staff(club, "<b>Réponse</b>")
        return message, callbacks

    async def scenario():
        # One event loop for the whole exchange (the Redis layer binds its buffers to it).
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add(group, channel)
        receiving = asyncio.ensure_future(layer.receive(channel))
        message, callbacks = await sync_to_async(post_without_commit)()
        await asyncio.sleep(0.3)
        early = receiving.result() if receiving.done() else None
        for callback in callbacks:
            await sync_to_async(callback)()
        event = await asyncio.wait_for(receiving, timeout=5)
        await layer.group_discard(group, channel)
        return message, early, event

    message, early, event = async_to_sync(scenario)()
    assert early is None
    assert event == {
        "type": "ponton.event",
        "event": "forum.message",
        "payload": {
            "id": message.pk,
            "conversation_id": conversation.pk,
            "author_kind": "staff",
            "author_name": "Sam Martin (Club A)",
            "body": "<b>Réponse</b>",
            "created_at": message.created_at.isoformat(),
        },
    }


def test_staff_answer_is_emailed_to_the_customer_escaped(
    club, smtp_server, django_capture_on_commit_callbacks
):
    """FO-2: the customer gets an email (real SMTP) when staff answer, with a link to "Mes
    discussions" on the structure's domain; `<script>` stays text (escaped in the HTML part)."""
    with django_capture_on_commit_callbacks(execute=True):
        post_staff(club, "Voici <script>alert('x')</script> la réponse")
    [email] = smtp_server.wait_for(1)
    assert email["To"] == club.customer.email
    assert email["Subject"] == "Nouveau message de Club A"
    text = smtp_server.text_of(email)
    assert "Voici <script>alert('x')</script> la réponse" in text
    assert f"http://{host_of(club.structure)}:8000/compte/discussions/" in text
    [html_part] = [p for p in email.walk() if p.get_content_type() == "text/html"]
    html = html_part.get_payload(decode=True).decode()
    assert "Voici &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; la réponse" in html
    assert "<script>" not in html


def wait_a_little(smtp_server) -> list:
    time.sleep(0.5)
    return smtp_server.messages


def test_no_email_to_the_structure_unless_it_turned_it_on(
    make_club, smtp_server, django_capture_on_commit_callbacks
):
    """FO-2: email to the structure on customer messages is off by default; on, it goes to the
    notification address, or to the structure's email when there is none."""
    club = make_club(email="contact@club.test")
    assert club.structure.notify_email_on_forum_message is False
    with django_capture_on_commit_callbacks(execute=True):
        post_customer(club, "Bonjour")
    assert wait_a_little(smtp_server) == []

    club.structure.notify_email_on_forum_message = True
    club.structure.save(update_fields=["notify_email_on_forum_message"])
    with django_capture_on_commit_callbacks(execute=True):
        post_customer(club, "Vous êtes là ?")
    [email] = smtp_server.wait_for(1)
    assert email["To"] == "contact@club.test"
    assert email["Subject"] == "Forum : nouveau message de Camille Leroy"
    text = smtp_server.text_of(email)
    assert "Vous êtes là ?" in text
    assert (
        f"http://{host_of(club.structure)}:8000/manager/m/forum/clients/{club.customer.pk}/" in text
    )

    club.structure.notification_email = "forum@club.test"
    club.structure.save(update_fields=["notification_email"])
    with django_capture_on_commit_callbacks(execute=True):
        post_customer(club, "<script>x</script>")
    emails = smtp_server.wait_for(2)
    assert emails[1]["To"] == "forum@club.test"
    [html_part] = [p for p in emails[1].walk() if p.get_content_type() == "text/html"]
    assert "&lt;script&gt;x&lt;/script&gt;" in html_part.get_payload(decode=True).decode()


def test_with_the_forum_off_nothing_is_stored_notified_or_emailed(
    club, smtp_server, django_capture_on_commit_callbacks
):
    """FO-1 point 5: with "Forum client" off the services refuse (French message): no
    message, no notification, no email, and what was there is kept."""
    post_customer(club, "Avant")
    club.structure.notify_email_on_forum_message = True
    club.structure.email = "contact@club.test"
    club.structure.save(update_fields=["notify_email_on_forum_message", "email"])
    before = rows(club.structure)
    module_set_enabled(structure=club.structure, label="forum", enabled=False)
    error = "Le forum client n'est pas activé pour cette structure."
    with django_capture_on_commit_callbacks(execute=True):
        assert refused(post_customer, club, "Pendant") == error
        assert refused(post_staff, club, "Pendant") == error
    assert rows(club.structure) == before
    assert wait_a_little(smtp_server) == []
    module_set_enabled(structure=club.structure, label="forum", enabled=True)
    post_customer(club, "Après")
    assert [m[3] for m in rows(club.structure)["messages"]] == ["Avant", "Après"]
