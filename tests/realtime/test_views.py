"""NO-1 "Every staff user has a live notification centre (unread count, list, mark read), updated
without reload over a websocket; notifications are scoped to one structure and one user or
role": the Club Manager pages (bell, /manager/notifications/, mark read, mark all read) and the
catch-up JSON a page asks for after a dropped socket.
"""

from __future__ import annotations

import json

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django_tenants.utils import schema_context

from ponton.accounts.models import Membership, Role
from realtime.models import Notification
from realtime.services import notification_create, notification_mark_read
from tests.conftest import host_of

LIST = "/manager/notifications/"
READ_ALL = "/manager/notifications/tout-lu/"
SINCE = "/manager/notifications/depuis/"


def read_url(notification_id: int) -> str:
    return f"/manager/notifications/{notification_id}/lu/"


@pytest.fixture
def club(make_structure):
    return make_structure(name="Club A")


def notify(structure, user, title="Nouveau message", **kwargs) -> Notification:
    kwargs.setdefault("kind", "test")
    [row] = notification_create(structure=structure, title=title, user_ids=[user.id], **kwargs)
    return row


def states(structure) -> list[tuple[int, bool]]:
    with schema_context(structure.schema_name):
        return [(n.id, n.read_at is not None) for n in Notification.objects.order_by("id")]


def items_in_order(page: str, ids: list[int]) -> list[int]:
    positions = {i: page.index(f'data-notification-id="{i}"') for i in ids}
    return sorted(ids, key=positions.__getitem__)


# --- The list and the bell -----------------------------------------------------------------------


def test_the_list_shows_newest_first_with_unread_marked(club, client_for):
    """NO-1 list: /manager/notifications/ lists the user's notifications newest first; unread ones
    are marked ("Non lu") and have a "Marquer comme lu" button; "Tout marquer comme lu" is there;
    text is escaped."""
    structure, owner = club
    old = notify(structure, owner, title="Ancienne", url="/manager/")
    new = notify(structure, owner, title="<script>alert(1)</script>", body="Bonjour <b>toi</b>")
    notification_mark_read(structure=structure, user_id=owner.id, notification_ids=[old.id])

    response = client_for(structure, owner).get(LIST)
    page = response.content.decode()

    assert response.status_code == 200
    assert items_in_order(page, [old.id, new.id]) == [new.id, old.id]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)</script>" not in page
    assert "Bonjour &lt;b&gt;toi&lt;/b&gt;" in page
    assert f'class="notif-item unread" data-notification-id="{new.id}"' in page
    assert f'class="notif-item" data-notification-id="{old.id}"' in page
    assert f'action="{read_url(new.id)}"' in page
    assert f'action="{read_url(old.id)}"' not in page
    assert '<a class="notif-title" href="/manager/">Ancienne</a>' in page
    assert page.count(">Marquer comme lu</button>") == 2  # the page's and the bell's, for `new`
    assert page.count(">Tout marquer comme lu</button>") == 2
    assert page.count(">Non lu</span>") == 2


def test_the_bell_is_on_every_manager_page_with_the_unread_count(club, client_for):
    """NO-1 bell: the Club Manager's top bar has a "Notifications" link with the unread count
    (id notification-count, data-unread-count), the latest notifications and the live script."""
    structure, owner = club
    notify(structure, owner, title="Une")
    notify(structure, owner, title="Deux")
    client = client_for(structure, owner)

    for path in ("/manager/", "/manager/section/parametres/", LIST):
        page = client.get(path).content.decode()
        assert 'id="notification-bell"' in page, path
        assert (
            '<span class="count" id="notification-count" data-unread-count="2">2</span>' in page
        ), path
        assert 'href="/manager/notifications/" aria-haspopup="true"' in page
        assert "Notifications" in page
        assert '<script src="/static/realtime/notifications.js" defer></script>' in page
        assert 'data-since-url="/manager/notifications/depuis/"' in page
        assert 'data-ws-path="/ws/notifications/"' in page

    with schema_context(structure.schema_name):
        last = Notification.objects.order_by("-id").first()
    assert f'data-last-id="{last.id}"' in client.get("/manager/").content.decode()
    assert finders.find("realtime/notifications.js") is not None
    assert finders.find("realtime/notifications.css") is not None


def test_the_bell_shows_the_latest_eight_and_zero_when_all_read(club, client_for):
    """NO-1 bell: the dropdown holds the latest 8; the count reads 0 when nothing is unread."""
    structure, owner = club
    made = [notify(structure, owner, title=f"N{i}") for i in range(10)]
    client = client_for(structure, owner)
    page = client.get("/manager/").content.decode()
    menu = page[page.index('id="notification-menu-list"') : page.index("Voir toutes")]
    assert menu.count("data-notification-id=") == 8
    assert f'data-notification-id="{made[1].id}"' not in menu
    assert f'data-notification-id="{made[9].id}"' in menu

    client.post(READ_ALL)
    page = client.get("/manager/").content.decode()
    assert '<span class="count zero" id="notification-count" data-unread-count="0">0</span>' in page


def test_every_role_has_a_notification_centre(club, make_member, client_for):
    """NO-1: every staff user (all roles: dashboard.view) has one."""
    structure, _owner = club
    for role in Role.values:
        user = make_member(structure, role)
        notify(structure, user, title=f"Pour {role}")
        page = client_for(structure, user).get(LIST).content.decode()
        assert f"Pour {role}" in page
        assert 'data-unread-count="1"' in page


def test_the_list_pages_with_avant(club, client_for):
    """NO-1 list: 50 a page, "Notifications plus anciennes" leads to the next ones."""
    structure, owner = club
    made = [notify(structure, owner, title=f"N{i}") for i in range(52)]
    client = client_for(structure, owner)
    page = client.get(LIST).content.decode()
    listed = page[page.index('id="notification-page-list"') :]
    assert listed.count("data-notification-id=") == 50
    assert f'href="?avant={made[2].id}"' in page

    older = client.get(f"{LIST}?avant={made[2].id}").content.decode()
    listed = older[older.index('id="notification-page-list"') :]
    assert items_in_order(listed, [made[0].id, made[1].id]) == [made[1].id, made[0].id]
    assert listed.count("data-notification-id=") == 2
    assert 'data-live="0"' in older
    assert 'href="?avant=' not in older
    assert client.get(f"{LIST}?avant=abc").status_code == 400


# --- Mark read -----------------------------------------------------------------------------------


def test_mark_read_redirects_back_and_marks_only_that_one(club, client_for):
    """NO-1 mark read: "Marquer comme lu" (POST) marks that notification read and goes back to the
    page it was clicked on."""
    structure, owner = club
    first, second = notify(structure, owner, title="1"), notify(structure, owner, title="2")
    client = client_for(structure, owner)

    response = client.post(read_url(first.id), {"next": "/manager/section/parametres/"})
    assert (response.status_code, response["Location"]) == (302, "/manager/section/parametres/")
    assert states(structure) == [(first.id, True), (second.id, False)]

    response = client.post(read_url(second.id))
    assert (response.status_code, response["Location"]) == (302, LIST)
    assert states(structure) == [(first.id, True), (second.id, True)]


def test_mark_read_answers_json_to_the_script(club, client_for):
    """NO-1 mark read without reload: with Accept: application/json the answer is the ids
    changed and the new count."""
    structure, owner = club
    first, _second = notify(structure, owner), notify(structure, owner)
    client = client_for(structure, owner)
    response = client.post(read_url(first.id), HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response.json() == {"ids": [first.id], "unread_count": 1}
    again = client.post(read_url(first.id), HTTP_ACCEPT="application/json")
    assert again.json() == {"ids": [], "unread_count": 1}


def test_mark_read_refuses_another_users_notification_and_foreign_next(
    club, make_member, client_for
):
    """NO-1: a user marks only their own notifications (404 otherwise, nothing changed); `next`
    never leads off the site; GET changes nothing (405)."""
    structure, owner = club
    colleague = make_member(structure, Role.ADMIN)
    theirs = notify(structure, colleague)
    mine = notify(structure, owner)
    client = client_for(structure, owner)
    before = states(structure)

    assert client.post(read_url(theirs.id)).status_code == 404
    assert client.post(read_url(987654)).status_code == 404
    assert client.get(read_url(mine.id)).status_code == 405
    assert client.get(READ_ALL).status_code == 405
    assert states(structure) == before

    response = client.post(read_url(mine.id), {"next": "https://evil.example/"})
    assert response["Location"] == LIST


def test_mark_all_read(club, make_member, client_for):
    """NO-1 mark all read: "Tout marquer comme lu" marks every unread notification of the user,
    says how many, and leaves the colleagues' alone."""
    structure, owner = club
    colleague = make_member(structure, Role.STAFF)
    mine = [notify(structure, owner, title=str(i)) for i in range(3)]
    theirs = notify(structure, colleague)
    client = client_for(structure, owner)

    response = client.post(READ_ALL, follow=True)
    page = response.content.decode()
    assert response.redirect_chain == [(LIST, 302)]
    assert "3 notifications marquées comme lues." in page
    assert 'data-unread-count="0"' in page
    assert states(structure) == sorted([(n.id, True) for n in mine] + [(theirs.id, False)])

    response = client.post(READ_ALL, follow=True)
    assert "Aucune notification non lue." in response.content.decode()
    one = notify(structure, owner)
    response = client.post(READ_ALL, HTTP_ACCEPT="application/json")
    assert response.json() == {"ids": [one.id], "unread_count": 0}


def test_mark_read_needs_the_csrf_token(club):
    """NO-1: marking read is a POST protected against cross-site requests."""
    structure, owner = club
    row = notify(structure, owner)
    client = Client(HTTP_HOST=host_of(structure), enforce_csrf_checks=True)
    client.force_login(owner)
    assert client.post(read_url(row.id)).status_code == 403
    assert client.post(READ_ALL).status_code == 403
    assert states(structure) == [(row.id, False)]


# --- Catch-up JSON -------------------------------------------------------------------------------


def test_catch_up_json(club, client_for):
    """NO-1 catch-up: GET /manager/notifications/depuis/?apres=<last id> answers the user's
    notifications after that id (oldest first) and the unread count: nothing sent while the
    socket was down is missing."""
    structure, owner = club
    seen = notify(structure, owner, title="Vue")
    missed = [notify(structure, owner, title=f"Manquée {i}", url="/manager/") for i in range(2)]
    notification_mark_read(structure=structure, user_id=owner.id, notification_ids=[seen.id])
    client = client_for(structure, owner)

    response = client.get(SINCE, {"apres": seen.id, "a_partir_de": seen.id})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = response.json()
    assert data == {
        "notifications": [
            {
                "id": n.id,
                "kind": "test",
                "title": n.title,
                "body": "",
                "url": "/manager/",
                "created_at": n.created_at.isoformat(),
                "read": False,
            }
            for n in missed
        ],
        "unread_count": 2,
        "unread_ids": [missed[1].id, missed[0].id],
        "unread_ids_from": seen.id,
        "has_more": False,
    }
    assert client.get(SINCE, {"apres": missed[1].id}).json()["notifications"] == []


@pytest.mark.parametrize(
    "query",
    [{}, {"apres": ""}, {"apres": "x"}, {"apres": "-1"}, {"apres": "1", "a_partir_de": "y"}],
)
def test_catch_up_refuses_a_bad_apres(query, club, client_for):
    """NO-1 catch-up: `apres` is required, a whole number; the answer says so in French."""
    structure, owner = club
    response = client_for(structure, owner).get(SINCE, query)
    assert response.status_code == 400
    assert json.loads(response.content) == {
        "error": "Le paramètre « apres » (un identifiant, nombre entier) est requis."
    }


# --- Who may open what ---------------------------------------------------------------------------


def all_requests(notification_id: int):
    return [
        ("get", LIST, {}),
        ("get", SINCE, {"apres": 0}),
        ("post", read_url(notification_id), {}),
        ("post", READ_ALL, {}),
    ]


def test_anonymous_visitors_go_to_the_login_page(club, client_for):
    """NO-1: the notification centre is for logged-in staff; nothing changes."""
    structure, owner = club
    row = notify(structure, owner)
    client = client_for(structure)
    for method, path, data in all_requests(row.id):
        response = getattr(client, method)(path, data)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/connexion/?next=/manager/notifications/"), path
    assert states(structure) == [(row.id, False)]


def test_members_of_another_structure_are_refused(club, make_structure, client_for):
    """NO-1 scoping: B's owner on A's host gets 403 everywhere and changes nothing, even for a
    notification id that exists in A."""
    structure, owner = club
    _other, other_owner = make_structure(name="Club B")
    row = notify(structure, owner)
    client = client_for(structure, other_owner)
    for method, path, data in all_requests(row.id):
        assert getattr(client, method)(path, data).status_code == 403, path
    assert states(structure) == [(row.id, False)]


def test_a_deactivated_member_is_refused(club, make_member, client_for):
    """NO-1: only active members have a notification centre."""
    structure, _owner = club
    former = make_member(structure, Role.STAFF)
    row = notify(structure, former)
    Membership.objects.filter(user=former).update(is_active=False)
    client = client_for(structure, former)
    for method, path, data in all_requests(row.id):
        assert getattr(client, method)(path, data).status_code == 403, path
    assert states(structure) == [(row.id, False)]


def test_the_same_person_sees_each_structures_own_notifications(club, make_structure, client_for):
    """NO-1 scoping: someone working for A and B sees A's notifications on A's host only."""
    structure_a, person = club
    structure_b, _owner_b = make_structure(name="Club B")
    Membership.objects.create(user=person, structure=structure_b, role=Role.ADMIN)
    row = notify(structure_a, person, title="Seulement pour A")

    page_b = client_for(structure_b, person).get(LIST).content.decode()
    assert "Seulement pour A" not in page_b
    assert 'data-unread-count="0"' in page_b
    client_b = client_for(structure_b, person)
    assert client_b.get(SINCE, {"apres": 0}).json()["notifications"] == []
    assert client_b.post(read_url(row.id)).status_code == 404
    assert states(structure_a) == [(row.id, False)]
    assert "Seulement pour A" in client_for(structure_a, person).get(LIST).content.decode()
