"""EG-2 Ma structure > Mes modules: "the Super Administrateur checks/unchecks free modules
(e.g. "Forum client"), asks for paid modules; saving takes effect at once for staff, customers
and the till (a disabled module's pages, API and hooks are gone; its data is kept)."

Proved with tests.support.testmodule (label "testmodule"): a free module, off by default, that
records every hook call in CALLS and keeps Notes in the structure's schema.
"""

from __future__ import annotations

import json

import pytest
from django_tenants.utils import schema_context
from rest_framework.authtoken.models import Token

from ponton.accounts.models import Role
from tenants.models import ModuleSubscription
from tenants.services import module_grant
from tests.support.testmodule import plugin as testmodule
from tests.support.testmodule.models import Note

MODULES_URL = "/manager/structure/modules/"
NOTES_URL = "/manager/m/testmodule/"
MENU_LINK = f'href="{NOTES_URL}"'
WIDGET = "<p>Widget du module de test</p>"


@pytest.fixture(autouse=True)
def _clear_calls():
    testmodule.CALLS.clear()
    yield
    testmodule.CALLS.clear()


def calls_for(structure) -> list[str]:
    return [hook for hook, schema in testmodule.CALLS if schema == structure.schema_name]


def subscription(structure, label: str) -> tuple[bool, str]:
    sub = ModuleSubscription.objects.get(structure=structure, module=label)
    return sub.enabled, sub.paid_status


@pytest.fixture
def club(make_structure):
    return make_structure(name="Club nautique")


def save_modules(client, capture, free: list[str], paid: list[str] | None = None):
    with capture(execute=True):
        return client.post(MODULES_URL, {"free": free, "paid": paid or []})


def test_the_page_lists_every_module_from_its_metadata(club, client_for):
    """EG-2: free modules as checkboxes labelled with their name, paid ones to ask for."""
    structure, owner = club
    page = client_for(structure, owner).get(MODULES_URL).content.decode()
    assert (
        '<label for="free-forum"><input type="checkbox" id="free-forum" name="free" '
        'value="forum" checked> Forum client</label>'
    ) in page
    assert (
        '<label for="free-ffvoile"><input type="checkbox" id="free-ffvoile" name="free" '
        'value="ffvoile"> FF Voile</label>'
    ) in page
    assert 'value="testmodule"> Module de test</label>' in page
    for label, name in (("sms", "SMS"), ("emarketing", "Emarketing"), ("pos", "Caisse")):
        assert (
            f'<label for="paid-{label}"><input type="checkbox" id="paid-{label}" name="paid" '
            f'value="{label}"> Demander le module {name}</label>'
        ) in page
    assert "Enregistrer les modifications" in page


def test_a_module_that_is_off_has_no_menu_no_pages_and_is_never_called(club, client_for):
    """EG-2: "a disabled module's pages, API and hooks are gone"."""
    structure, owner = club
    client = client_for(structure, owner)
    page = client.get("/manager/").content.decode()
    assert MENU_LINK not in page
    assert WIDGET not in page
    assert 'href="/manager/m/forum/"' in page  # the menu itself is there
    assert client.get(NOTES_URL).status_code == 404
    assert client_for(structure).get(NOTES_URL).status_code == 404  # anonymous too
    assert calls_for(structure) == []


def test_switch_on_off_on_from_mes_modules_keeps_the_data(
    club, make_member, client_for, django_capture_on_commit_callbacks
):
    """EG-2: checking the module and saving takes effect at once (menu, pages, hooks) for the
    whole team; unchecking hides it again without deleting its data, which reappears."""
    structure, owner = club
    client = client_for(structure, owner)
    staff = client_for(structure, make_member(structure, Role.STAFF))

    response = save_modules(client, django_capture_on_commit_callbacks, ["forum", "testmodule"])
    assert response.status_code == 302
    assert response["Location"] == MODULES_URL
    assert calls_for(structure) == ["enabled"]
    assert subscription(structure, "testmodule") == (True, "none")
    page = client.get(MODULES_URL).content.decode()
    assert "Vos modules ont été enregistrés." in page
    assert 'value="testmodule" checked> Module de test' in page

    dashboard = client.get("/manager/").content.decode()
    assert MENU_LINK in dashboard
    assert WIDGET in dashboard
    assert MENU_LINK in staff.get("/manager/").content.decode()
    assert client.get(NOTES_URL).status_code == 200
    assert "menu" in calls_for(structure)
    assert "dashboard" in calls_for(structure)

    with schema_context(structure.schema_name):
        Note.objects.create(text="Gilets vérifiés")
        Note.objects.create(text="Moteur révisé")
    assert client.get(NOTES_URL).content.decode() == "Gilets vérifiés, Moteur révisé"

    testmodule.CALLS.clear()
    save_modules(client, django_capture_on_commit_callbacks, ["forum"])
    assert calls_for(structure) == ["disabled"]
    assert subscription(structure, "testmodule") == (False, "none")
    testmodule.CALLS.clear()
    dashboard = client.get("/manager/").content.decode()
    assert MENU_LINK not in dashboard
    assert WIDGET not in dashboard
    assert MENU_LINK not in staff.get("/manager/").content.decode()
    assert client.get(NOTES_URL).status_code == 404
    assert staff.get(NOTES_URL).status_code == 404
    assert calls_for(structure) == []
    with schema_context(structure.schema_name):
        assert list(Note.objects.order_by("id").values_list("text", flat=True)) == [
            "Gilets vérifiés",
            "Moteur révisé",
        ]

    save_modules(client, django_capture_on_commit_callbacks, ["forum", "testmodule"])
    assert calls_for(structure) == ["enabled"]
    response = client.get(NOTES_URL)
    assert response.status_code == 200
    assert response.content.decode() == "Gilets vérifiés, Moteur révisé"


def test_unchecking_forum_client(club, client_for, django_capture_on_commit_callbacks):
    """EG-2: the help centre's example, "Forum client", switched off then on."""
    structure, owner = club
    client = client_for(structure, owner)
    save_modules(client, django_capture_on_commit_callbacks, [])
    assert subscription(structure, "forum") == (False, "none")
    assert 'href="/manager/m/forum/"' not in client.get("/manager/").content.decode()
    assert client.get("/manager/m/forum/").status_code == 404
    save_modules(client, django_capture_on_commit_callbacks, ["forum"])
    assert client.get("/manager/m/forum/").status_code == 200


def test_only_the_owner_switches_modules(
    club, make_member, client_for, django_capture_on_commit_callbacks
):
    """EG-2: "Mes modules" belongs to the Super Administrateur (structure.modules)."""
    structure, _owner = club
    for role in (Role.ADMIN, Role.STAFF, Role.ACCOUNTANT, Role.CASHIER):
        client = client_for(structure, make_member(structure, role))
        assert client.get(MODULES_URL).status_code == 403
        response = save_modules(client, django_capture_on_commit_callbacks, ["testmodule"])
        assert response.status_code == 403
    assert subscription(structure, "testmodule") == (False, "none")
    assert subscription(structure, "forum") == (True, "none")
    assert calls_for(structure) == []


def test_a_paid_module_is_requested_then_granted(
    club, client_for, django_capture_on_commit_callbacks
):
    """EG-2: a paid module is asked for ("Demande envoyée"); it works once the platform has
    granted it ("Activé")."""
    structure, owner = club
    client = client_for(structure, owner)
    save_modules(client, django_capture_on_commit_callbacks, ["forum"], paid=["sms"])
    assert subscription(structure, "sms") == (False, "requested")
    page = client.get(MODULES_URL).content.decode()
    assert "<strong>SMS</strong> <span" in page
    assert "Demande envoyée" in page
    assert 'id="paid-sms"' not in page
    assert client.get("/manager/m/sms/").status_code == 404

    module_grant(structure=structure, label="sms")
    page = client.get(MODULES_URL).content.decode()
    assert '<strong>SMS</strong> <span class="badge green">Activé</span>' in page
    assert 'href="/manager/m/sms/"' in client.get("/manager/").content.decode()
    assert client.get("/manager/m/sms/").status_code == 200

    # Saving the page again keeps a granted paid module on.
    save_modules(client, django_capture_on_commit_callbacks, ["forum"])
    assert subscription(structure, "sms") == (True, "granted")


# --- API --------------------------------------------------------------------------------------


def api_client(client_for, structure, user, *, token: bool):
    if token:
        key = Token.objects.create(user=user).key
        return client_for(structure), {"HTTP_AUTHORIZATION": f"Token {key}"}
    return client_for(structure, user), {}


def patch(client, headers, label: str, enabled: bool):
    return client.patch(
        f"/api/v1/modules/{label}/",
        data=json.dumps({"enabled": enabled}),
        content_type="application/json",
        **headers,
    )


@pytest.mark.parametrize("token", [True, False], ids=["token", "session"])
def test_the_owner_switches_a_module_through_the_api(
    token, club, client_for, django_capture_on_commit_callbacks
):
    """EG-2: the API switches modules like the page does (same service, same effects)."""
    structure, owner = club
    client, headers = api_client(client_for, structure, owner, token=token)

    response = client.get("/api/v1/modules/", **headers)
    assert response.status_code == 200
    assert {m["label"]: (m["name"], m["paid"], m["enabled"]) for m in response.json()} == {
        "emarketing": ("Emarketing", True, False),
        "ffvoile": ("FF Voile", False, False),
        "forum": ("Forum client", False, True),
        "pos": ("Caisse", True, False),
        "sms": ("SMS", True, False),
        "testmodule": ("Module de test", False, False),
    }

    with django_capture_on_commit_callbacks(execute=True):
        response = patch(client, headers, "testmodule", True)
    assert response.status_code == 200
    assert response.json() == {
        "label": "testmodule",
        "name": "Module de test",
        "description": "Pour les tests.",
        "paid": False,
        "enabled": True,
    }
    assert calls_for(structure) == ["enabled"]
    assert client_for(structure, owner).get(NOTES_URL).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        response = patch(client, headers, "testmodule", False)
    assert response.json()["enabled"] is False
    assert calls_for(structure) == ["enabled", "disabled"]
    assert client_for(structure, owner).get(NOTES_URL).status_code == 404


@pytest.mark.parametrize("role", [Role.STAFF, Role.ADMIN])
def test_other_roles_read_modules_but_cannot_switch_them(role, club, make_member, client_for):
    """EG-2: a staff member (or an administrator) gets 403 on the switch."""
    structure, _owner = club
    member = make_member(structure, role)
    for token in (True, False):
        client, headers = api_client(client_for, structure, member, token=token)
        assert client.get("/api/v1/modules/testmodule/", **headers).json()["enabled"] is False
        response = patch(client, headers, "testmodule", True)
        assert response.status_code == 403
        if token:
            Token.objects.filter(user=member).delete()
    assert subscription(structure, "testmodule") == (False, "none")
    assert calls_for(structure) == []


def test_api_refuses_a_paid_module_until_granted(club, client_for):
    """EG-2: the owner cannot switch a paid module on; the platform grants it first."""
    structure, owner = club
    client, headers = api_client(client_for, structure, owner, token=True)
    response = patch(client, headers, "sms", True)
    assert response.status_code == 400
    assert response.json() == {
        "enabled": ["Le module « SMS » est payant : demandez-le, la plateforme l'activera."]
    }
    assert subscription(structure, "sms") == (False, "none")

    module_grant(structure=structure, label="sms")
    assert patch(client, headers, "sms", False).json()["enabled"] is False
    assert patch(client, headers, "sms", True).json()["enabled"] is True
    assert subscription(structure, "sms") == (True, "granted")


def test_api_unknown_module_is_404(club, client_for):
    structure, owner = club
    client, headers = api_client(client_for, structure, owner, token=True)
    assert client.get("/api/v1/modules/inconnu/", **headers).status_code == 404
    assert patch(client, headers, "inconnu", True).status_code == 404
