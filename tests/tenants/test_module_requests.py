"""EG-2 / EG-3, issue 11: a paid module asked for in "Mes modules" says what happens next (the
platform reviews it; the date of the request; who is emailed once it is granted); the grant
really sends that email; the console shows the requests waiting on every page."""

from __future__ import annotations

import re
from datetime import datetime
from email.header import decode_header, make_header
from zoneinfo import ZoneInfo

import pytest

from ponton.accounts.models import Membership, Role, User
from tenants.models import ModuleSubscription
from tenants.services import module_grant, module_request, module_withdraw
from tests.conftest import TEST_PASSWORD

MODULES_URL = "/manager/structure/modules/"
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def operator(db):
    return User.objects.create_user(
        email="operatrice@ponton.test", password=TEST_PASSWORD, is_platform_operator=True
    )


@pytest.fixture
def console(platform, operator, client_for):
    return client_for(None, operator)


@pytest.fixture
def club(make_structure, make_member):
    structure, owner = make_structure(name="Club de Morlaix", slug="morlaix")
    second = make_member(structure, role=Role.OWNER, email="bureau@morlaix.test")
    gone = make_member(structure, role=Role.OWNER, email="ancien@morlaix.test")
    Membership.objects.filter(user=gone, structure=structure).update(is_active=False)
    make_member(structure, role=Role.STAFF, email="equipier@morlaix.test")
    return structure, owner, second


def subject_of(message) -> str:
    return str(make_header(decode_header(message["Subject"])))


def next_step(page: str, label: str) -> str:
    [text] = re.findall(rf'<p class="help" data-next-step="{label}">(.*?)</p>', page, re.S)
    return " ".join(text.split())


def test_a_requested_module_says_what_happens_next(club, client_for):
    """EG-2: "Demande envoyée" comes with the date of the request, what the platform does and
    who will be emailed (the active Super Administrateurs)."""
    structure, owner, _second = club
    module_request(structure=structure, label="sms")
    ModuleSubscription.objects.filter(structure=structure, module="sms").update(
        requested_at=datetime(2026, 3, 14, 23, 30, tzinfo=ZoneInfo("UTC"))
    )
    page = client_for(structure, owner).get(MODULES_URL).content.decode()
    assert '<strong>SMS</strong> <span class="badge orange">Demande envoyée</span>' in page
    assert next_step(page, "sms") == (
        "Demandé le 15/03/2026. La plateforme étudie votre demande puis active le module ; "
        "rien d'autre à faire de votre côté. Un email est envoyé à bureau@morlaix.test, "
        "owner@morlaix.test dès qu'il est activé."
    )
    assert 'data-next-step="emarketing"' not in page  # not asked for: nothing to wait for


def test_asking_for_a_paid_module_says_so_once(club, client_for):
    """EG-2: the save that asks for a paid module says the request went to the platform;
    saving again does not repeat it (nor move the date of the request)."""
    structure, owner, _second = club
    client = client_for(structure, owner)
    response = client.post(MODULES_URL, {"free": ["forum"], "paid": ["sms"]}, follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "Vos modules ont été enregistrés.",
        "Demande du module « SMS » envoyée à la plateforme : elle l'étudie et l'active, puis "
        "vous prévient par email.",
    ]
    asked = ModuleSubscription.objects.get(structure=structure, module="sms").requested_at
    response = client.post(MODULES_URL, {"free": ["forum"]}, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["Vos modules ont été enregistrés."]
    sub = ModuleSubscription.objects.get(structure=structure, module="sms")
    assert (sub.paid_status, sub.requested_at) == ("requested", asked)


def test_granting_emails_the_active_super_administrateurs_once(
    club, console, smtp_server, django_capture_on_commit_callbacks
):
    """EG-3: the operator's "Accorder" switches the module on and emails (real SMTP) the
    structure's active Super Administrateurs, in French, with the link to "Mes modules";
    nobody else; granting again or withdrawing sends nothing more."""
    structure, _owner, _second = club
    module_request(structure=structure, label="sms")
    with django_capture_on_commit_callbacks(execute=True):
        console.post(f"/console/structures/{structure.pk}/modules/sms/accorder/")
    [message] = smtp_server.wait_for(1)
    assert message["X-Rcpt-To"] == "bureau@morlaix.test, owner@morlaix.test"
    assert subject_of(message) == "Le module « SMS » est activé pour « Club de Morlaix »"
    text = smtp_server.text_of(message)
    assert (
        "La plateforme a accordé le module « SMS » à « Club de Morlaix » : il est activé dès "
        "maintenant, pour votre équipe, vos clients et la caisse."
    ) in text
    assert "http://morlaix.localhost:8000/manager/structure/modules/" in text
    assert ModuleSubscription.objects.get(structure=structure, module="sms").enabled is True

    with django_capture_on_commit_callbacks(execute=True):
        module_grant(structure=structure, label="sms")
        module_withdraw(structure=structure, label="sms")
    assert len(smtp_server.messages) == 1


def test_the_console_shows_the_requests_waiting_on_every_page(club, console):
    """EG-3: the console's navigation counts the requests waiting, on every console page; the
    structures page lists them (oldest first, with the date) or says there is none."""
    structure, _owner, _second = club
    empty = console.get("/console/").content.decode()
    assert "Aucune demande de module en attente." in empty
    assert 'data-pending-requests="0"' in empty

    module_request(structure=structure, label="sms")
    module_request(structure=structure, label="pos")
    for url in ("/console/", "/console/cles/", f"/console/structures/{structure.pk}/"):
        page = console.get(url).content.decode()
        assert re.search(
            r'data-pending-requests="2">Demandes de modules <span class="badge orange">2</span>',
            page,
        ), url
    listing = console.get("/console/").content.decode()
    assert re.findall(r'data-request="([^"]+)"', listing) == ["morlaix:sms", "morlaix:pos"]
    assert "Aucune demande de module en attente." not in listing
