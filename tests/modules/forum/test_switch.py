"""FO-1 point 5 (and EG-2): with "Forum client" off, the customer space hides that structure's
conversations (platform list and /compte/discussions/ answer 404 or leave it out), the staff
pages answer 404, the customer card has no "Forum", nothing is sent, and nothing is deleted;
turned back on, everything is there again. (The socket: test_websocket.py.)"""

from __future__ import annotations

from django_tenants.utils import schema_context

from modules.forum.models import Conversation, Message
from realtime.models import Notification
from tenants.services import module_set_enabled
from tests.conftest import host_of

JSON = {"HTTP_ACCEPT": "application/json"}
DISCUSSIONS = "/compte/discussions/"


def counts(structure) -> tuple[int, int, int]:
    with schema_context(structure.schema_name):
        return (
            Conversation.objects.count(),
            Message.objects.count(),
            Notification.objects.count(),
        )


def test_forum_off_hides_everything_keeps_the_data_and_on_brings_it_back(
    club, client_for, smtp_server, django_capture_on_commit_callbacks
):
    """FO-1 point 5: off: 404 everywhere, no email, no notification, data kept; on again: the
    same conversation is back on both sides."""
    structure = club.structure
    customer = client_for(structure, club.customer_user)
    staff = client_for(structure, club.staff)
    platform = client_for(None, club.customer_user)
    customer.post(DISCUSSIONS, {"body": "Avant l'arrêt"}, **JSON)
    staff.post(f"/manager/m/forum/clients/{club.customer.pk}/", {"body": "Réponse"}, **JSON)
    before = counts(structure)
    assert before == (1, 2, 3)
    link = f"http://{host_of(structure)}:8000/compte/discussions/"
    assert link in platform.get("/compte/").content.decode()

    module_set_enabled(structure=structure, label="forum", enabled=False)
    staff_urls = [
        "/manager/m/forum/",
        f"/manager/m/forum/clients/{club.customer.pk}/",
        f"/manager/m/forum/clients/{club.customer.pk}/messages/",
    ]
    for url in staff_urls:
        assert staff.get(url).status_code == 404, url
    for url in (DISCUSSIONS, DISCUSSIONS + "messages/"):
        assert customer.get(url).status_code == 404, url
    with django_capture_on_commit_callbacks(execute=True):
        assert customer.post(DISCUSSIONS, {"body": "Pendant"}, **JSON).status_code == 404
        assert staff.post(staff_urls[1], {"body": "Pendant"}, **JSON).status_code == 404
    assert link not in platform.get("/compte/").content.decode()
    assert "/compte/discussions/" not in customer.get("/compte/").content.decode()
    card = staff.get(f"/manager/clients/{club.customer.pk}/").content.decode()
    assert 'class="btn success"' not in card  # no "Forum" button
    section = staff.get("/manager/section/clients/").content.decode()
    assert "<h2>Discussions</h2>" not in section
    assert 'href="/manager/m/forum/"' not in section  # nor in the menu
    assert counts(structure) == before
    assert smtp_server.messages == []

    module_set_enabled(structure=structure, label="forum", enabled=True)
    page = customer.get(DISCUSSIONS).content.decode()
    assert "Avant l&#x27;arrêt" in page and "Réponse" in page
    staff_page = staff.get(staff_urls[1]).content.decode()
    assert "Avant l&#x27;arrêt" in staff_page
    assert link in platform.get("/compte/").content.decode()
    assert customer.post(DISCUSSIONS, {"body": "Après"}, **JSON).status_code == 201
    assert counts(structure) == (1, 3, 6)
