"""FO-1 pages: the customer's "Mes discussions" (only their own conversation), the staff's
Clients > Discussions and the conversation opened from the customer card (only their own
structure's), text escaped everywhere, the catch-up endpoints, sending by POST (JSON for the
page's script, a plain form otherwise)."""

from __future__ import annotations

import json
import re

from django_tenants.utils import schema_context

from modules.forum.models import Conversation, Message
from tests.platform.customers.factories import make_customer

DISCUSSIONS = "/compte/discussions/"
JSON = {"HTTP_ACCEPT": "application/json"}


def staff_url(customer, suffix: str = "") -> str:
    return f"/manager/m/forum/clients/{customer.pk}/{suffix}"


def bodies(structure) -> list[str]:
    with schema_context(structure.schema_name):
        return list(Message.objects.order_by("id").values_list("body", flat=True))


def thread(page: str) -> list[str]:
    return re.findall(r'<div class="forum-body">(.*?)</div>', page, re.S)


def test_customer_writes_and_reads_their_conversation(club, client_for):
    """FO-1: "Mes discussions" shows the history and a form to write (labelled field); a
    message sent by the page's script comes back as JSON; without script, a redirect."""
    client = client_for(club.structure, club.customer_user)
    page = client.get(DISCUSSIONS).content.decode()
    assert "<h1>Mes discussions</h1>" in page
    assert '<label for="id_body">Votre message</label>' in page
    assert "Aucun message pour l'instant." in page
    with schema_context(club.structure.schema_name):
        opened = Conversation.objects.get()
    assert f'data-conversation-id="{opened.pk}"' in page  # the socket can listen at once
    staff_list = client_for(club.structure, club.staff).get("/manager/m/forum/")
    assert "Aucune discussion pour l'instant." in staff_list.content.decode()
    response = client.post(DISCUSSIONS, {"body": "Bonjour !"}, **JSON)
    assert response.status_code == 201
    with schema_context(club.structure.schema_name):
        message = Message.objects.get()
    assert response.json() == {
        "message": {
            "id": message.pk,
            "conversation_id": message.conversation_id,
            "author_kind": "customer",
            "author_name": "Camille Leroy",
            "body": "Bonjour !",
            "created_at": message.created_at.isoformat(),
        }
    }
    response = client.post(DISCUSSIONS, {"body": "Sans script"})
    assert (response.status_code, response["Location"]) == (302, DISCUSSIONS)
    page = client.get(DISCUSSIONS).content.decode()
    assert thread(page) == ["Bonjour !", "Sans script"]
    assert f'data-conversation-id="{message.conversation_id}"' in page
    assert 'src="/static/forum/forum.js"' in page


def test_refusals_are_shown_in_french_next_to_the_field(club, client_for, settings):
    """FO-1 bad input: JSON error for the script, the error next to the field otherwise, the
    rate limit answers 429; nothing stored."""
    client = client_for(club.structure, club.customer_user)
    response = client.post(DISCUSSIONS, {"body": "   "}, **JSON)
    assert (response.status_code, response.json()) == (400, {"error": "Le message est vide."})
    response = client.post(DISCUSSIONS, {"body": "x" * 5001})
    assert response.status_code == 200
    assert response.context["form"].errors["body"] == [
        "Le message est trop long : 5000 caractères au plus (il en compte 5001)."
    ]
    assert (
        'role="alert" data-forum-errors><li>Le message est trop long' in response.content.decode()
    )
    settings.RATELIMIT_FORUM_MESSAGE = (1, 60)
    assert client.post(DISCUSSIONS, {"body": "Un"}, **JSON).status_code == 201
    response = client.post(DISCUSSIONS, {"body": "Deux"}, **JSON)
    assert response.status_code == 429
    assert response.json() == {
        "error": "Vous avez envoyé trop de messages : patientez une minute avant de réessayer."
    }
    assert bodies(club.structure) == ["Un"]


def test_a_customer_only_sees_their_own_conversation(club, client_for):
    """FO-1/security: two customers of the same structure never see each other's messages,
    on the page or through the catch-up endpoint."""
    other, other_user = make_customer(club.structure, first_name="Noé", last_name="Petit")
    mine = client_for(club.structure, club.customer_user)
    theirs = client_for(club.structure, other_user)
    mine.post(DISCUSSIONS, {"body": "Message de Camille"}, **JSON)
    theirs.post(DISCUSSIONS, {"body": "Message de Noé"}, **JSON)
    assert thread(mine.get(DISCUSSIONS).content.decode()) == ["Message de Camille"]
    assert thread(theirs.get(DISCUSSIONS).content.decode()) == ["Message de Noé"]
    catch_up = mine.get(DISCUSSIONS + "messages/", {"apres": 0}).json()
    assert [m["body"] for m in catch_up["messages"]] == ["Message de Camille"]


def test_catch_up_returns_the_messages_after_the_last_one_seen(club, client_for):
    """FO-1: after a dropped socket the page asks for the messages after its last id."""
    customer = client_for(club.structure, club.customer_user)
    staff = client_for(club.structure, club.staff)
    assert customer.get(DISCUSSIONS + "messages/").json() == {
        "conversation_id": None,
        "messages": [],
    }
    ids = [
        customer.post(DISCUSSIONS, {"body": "Q1"}, **JSON).json()["message"]["id"],
        staff.post(staff_url(club.customer), {"body": "R1"}, **JSON).json()["message"]["id"],
        customer.post(DISCUSSIONS, {"body": "Q2"}, **JSON).json()["message"]["id"],
    ]
    with schema_context(club.structure.schema_name):
        conversation_id = Conversation.objects.get().pk
    after_first = customer.get(DISCUSSIONS + "messages/", {"apres": ids[0]}).json()
    assert after_first["conversation_id"] == conversation_id
    assert [(m["id"], m["author_kind"], m["body"]) for m in after_first["messages"]] == [
        (ids[1], "staff", "R1"),
        (ids[2], "customer", "Q2"),
    ]
    staff_catch_up = staff.get(staff_url(club.customer, "messages/"), {"apres": ids[1]}).json()
    assert [m["body"] for m in staff_catch_up["messages"]] == ["Q2"]
    assert (
        customer.get(DISCUSSIONS + "messages/", {"apres": "n'importe"}).json()["messages"][0][
            "body"
        ]
        == "Q1"
    )


def test_script_is_shown_as_text_on_every_page(club, client_for):
    """FO-1: a `<script>` sent by the customer is escaped in the staff's list and conversation
    and in the customer's own page."""
    customer = client_for(club.structure, club.customer_user)
    customer.post(DISCUSSIONS, {"body": "<script>alert('x')</script>"}, **JSON)
    escaped = "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;"
    staff = client_for(club.structure, club.staff)
    for page in (
        customer.get(DISCUSSIONS).content.decode(),
        staff.get(staff_url(club.customer)).content.decode(),
        staff.get("/manager/m/forum/").content.decode(),
    ):
        assert escaped in page
        assert "<script>alert" not in page


def test_discussions_list_newest_first_unread_marked_with_links(make_club, client_for):
    """FO-1: Clients > Discussions: all conversations, newest first, unread marked, "Voir le
    client"; opening a conversation marks it read."""
    club = make_club()
    other, other_user = make_customer(club.structure, first_name="Noé", last_name="Petit")
    client_for(club.structure, club.customer_user).post(DISCUSSIONS, {"body": "Q Camille"}, **JSON)
    noe = client_for(club.structure, other_user)
    noe.post(DISCUSSIONS, {"body": "Q1 Noé"}, **JSON)
    noe.post(DISCUSSIONS, {"body": "Q2 Noé"}, **JSON)
    staff = client_for(club.structure, club.staff)
    page = staff.get("/manager/m/forum/").content.decode()
    found = re.findall(
        r'<tr data-row="conversation-\d+" class="forum-unread">\s*<td>([^<]+)</td>.*?'
        r'<span class="badge orange">([^<]+)</span>.*?'
        r'<a href="(/manager/m/forum/clients/\d+/)">Ouvrir la discussion</a> · '
        r'<a href="(/manager/clients/\d+/)">Voir le client</a>',
        page,
        re.S,
    )
    assert found == [
        ("Noé Petit", "2 non lus", staff_url(other), f"/manager/clients/{other.pk}/"),
        (
            "Camille Leroy",
            "1 non lu",
            staff_url(club.customer),
            f"/manager/clients/{club.customer.pk}/",
        ),
    ]
    conversation = staff.get(staff_url(other)).content.decode()
    assert thread(conversation) == ["Q1 Noé", "Q2 Noé"]
    assert f'<a href="/manager/clients/{other.pk}/">Voir le client</a>' in conversation
    page = staff.get("/manager/m/forum/").content.decode()
    assert page.count('class="forum-unread"') == 1
    assert '<span class="badge">Lu</span>' in page


def test_staff_answer_from_the_conversation_page(club, client_for):
    """FO-1: staff read and answer from the customer's conversation; the customer sees it."""
    staff = client_for(club.structure, club.owner)
    page = staff.get(staff_url(club.customer)).content.decode()
    assert "<h1>Forum · Camille Leroy</h1>" in page
    assert '<label for="id_body">Votre message</label>' in page
    response = staff.post(staff_url(club.customer), {"body": "Bonjour Camille"})
    assert (response.status_code, response["Location"]) == (302, staff_url(club.customer))
    customer_page = client_for(club.structure, club.customer_user).get(DISCUSSIONS)
    assert thread(customer_page.content.decode()) == ["Bonjour Camille"]
    assert "Alex Dupont (Club A)" in customer_page.content.decode()


def test_read_endpoint_marks_the_conversation_read(club, client_for):
    """FO-1: the staff page that sees a customer message arrive live marks it read."""
    client_for(club.structure, club.customer_user).post(DISCUSSIONS, {"body": "Q"}, **JSON)
    staff = client_for(club.structure, club.staff)
    assert staff.get(staff_url(club.customer, "lu/")).status_code == 405
    assert staff.post(staff_url(club.customer, "lu/")).status_code == 204
    with schema_context(club.structure.schema_name):
        assert Conversation.objects.get().staff_unread == 0


def test_staff_only_reach_their_own_structure_s_conversations(make_club, client_for):
    """FO-1/security: staff of B get 403 on A's forum pages; an unknown customer is 404; a
    customer is not staff; the accountant (no module use) is refused."""
    a = make_club("Club A")
    b = make_club("Club B")
    client_for(a.structure, a.customer_user).post(DISCUSSIONS, {"body": "Secret de A"}, **JSON)
    b_staff_on_a = client_for(a.structure, b.owner)
    for url in ("/manager/m/forum/", staff_url(a.customer), staff_url(a.customer, "messages/")):
        assert b_staff_on_a.get(url).status_code == 403
    assert b_staff_on_a.post(staff_url(a.customer), {"body": "Intrus"}).status_code == 403
    a_staff = client_for(a.structure, a.staff)
    assert a_staff.get("/manager/m/forum/clients/999999/").status_code == 404
    assert client_for(a.structure, a.customer_user).get(staff_url(a.customer)).status_code == 403
    assert client_for(a.structure, a.accountant).get("/manager/m/forum/").status_code == 403
    assert bodies(a.structure) == ["Secret de A"]
    assert bodies(b.structure) == []


def test_customer_space_home_links_to_the_discussions(club, client_for):
    """FO-1: /compte/ offers "Mes discussions" (the module's customer-space link)."""
    page = client_for(club.structure, club.customer_user).get("/compte/").content.decode()
    assert '<a class="btn" href="/compte/discussions/">Mes discussions</a>' in page


def test_the_page_script_is_a_static_file():
    """FO-1: the plain JavaScript of the thread is a static file (no build step)."""
    from pathlib import Path

    from django.contrib.staticfiles import finders

    script = Path(finders.find("forum/forum.js")).read_text(encoding="utf-8")
    assert "new WebSocket(" in script
    assert "?apres=" in script
    assert json.dumps("forum.message") in script
