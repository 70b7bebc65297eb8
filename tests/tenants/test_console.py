"""EG-3: the platform operators' console on the platform domain, at /console/."""

from __future__ import annotations

import re
from datetime import timedelta
from email.header import decode_header, make_header
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver
from django.utils import timezone, translation
from django.utils.formats import date_format
from django_tenants.utils import schema_context

from ponton.accounts.models import Role, User
from ponton.catalogue.models import Site
from tenants import urls_console, views_console
from tenants.models import (
    ActivationKey,
    ContractSignature,
    ModuleSubscription,
    SignupDraft,
    Structure,
    StructureState,
)
from tenants.services import module_request
from tests.conftest import TEST_PASSWORD

SHA = "3f" * 32


@pytest.fixture
def operator(db):
    return User.objects.create_user(
        email="operatrice@ponton.test", password=TEST_PASSWORD, is_platform_operator=True
    )


@pytest.fixture
def console(platform, operator, client_for):
    return client_for(None, operator)


def _rows(response) -> list[str]:
    return re.findall(r'data-row="([^"]+)"', response.content.decode())


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def _set_state(structure: Structure, state: str) -> Structure:
    Structure.objects.filter(pk=structure.pk).update(state=state, activated_at=None)
    structure.refresh_from_db()
    return structure


def _post_contract(structure: Structure, method: str = ContractSignature.Method.POST):
    return ContractSignature.objects.create(
        structure=structure,
        method=method,
        contract_version="2025-01",
        contract_sha256=SHA,
        signer_name="Alex Dupont",
        signer_email="alex@example.test",
        signed_at=timezone.now() - timedelta(days=2),
        ip_address="203.0.113.7",
    )


class _LabelledInputs(HTMLParser):
    """Collects form controls (without hidden inputs and buttons) and the `for` of labels."""

    def __init__(self):
        super().__init__()
        self.controls: list[str | None] = []
        self.label_for: set[str] = set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "label" and a.get("for"):
            self.label_for.add(a["for"])
        elif tag in ("select", "textarea") or (
            tag == "input" and a.get("type") not in ("hidden", "submit", "button")
        ):
            self.controls.append(a.get("id"))


def _unlabelled_controls(response) -> list[str | None]:
    parser = _LabelledInputs()
    parser.feed(response.content.decode())
    assert parser.controls, "the page has no form control"
    return [c for c in parser.controls if c is None or c not in parser.label_for]


# --- Access -----------------------------------------------------------------------------------


def test_every_console_url_is_for_operators_only():
    """EG-3: every console view carries operator_view, the modules' console pages
    (`ponton_console_urls`, e.g. the SMS quota) included."""

    def walk(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns)
            else:
                yield pattern

    found = list(walk(urls_console.urlpatterns))
    assert any(p.name == "quota" for p in found)  # the SMS module's page is walked too
    for pattern in found:
        assert isinstance(pattern, URLPattern)
        assert pattern.callback.ponton_permission == "platform.operator", pattern.name


def test_console_refuses_anonymous_non_operators_and_structure_hosts(
    make_structure, operator, client_for
):
    """EG-3: anonymous -> /connexion/, non-operator -> 403, console on a structure host -> 404."""
    structure, owner = make_structure(name="Club des Glénan")
    get_urls = [
        "/console/",
        f"/console/structures/{structure.pk}/",
        "/console/cles/",
        "/console/cles/nouvelle/",
    ]
    post_urls = [
        f"/console/structures/{structure.pk}/suspendre/",
        f"/console/structures/{structure.pk}/activer/",
        f"/console/structures/{structure.pk}/contrat-recu/",
        f"/console/structures/{structure.pk}/modules/sms/accorder/",
        f"/console/structures/{structure.pk}/modules/sms/retirer/",
        "/console/cles/nouvelle/",
    ]
    anonymous = client_for(None)
    for url in get_urls:
        response = anonymous.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == f"/connexion/?next={url}"
    non_operator = client_for(None, owner)
    for url in get_urls:
        assert non_operator.get(url).status_code == 403, url
    for url in post_urls:
        response = non_operator.post(
            url, {"reason": "Impayé", "intended_for": "X", "email": "x@x.test", "valid_days": 3}
        )
        assert response.status_code == 403, url
        assert anonymous.post(url, {"reason": "Impayé"}).status_code == 302, url
    structure.refresh_from_db()
    assert structure.state == StructureState.ACTIVE
    assert ActivationKey.objects.count() == 0
    assert ModuleSubscription.objects.get(structure=structure, module="sms").enabled is False
    on_structure_host = client_for(structure, operator)
    for url in get_urls:
        assert on_structure_host.get(url).status_code == 404, url


def test_console_post_actions_need_post_and_csrf(make_structure, operator, platform):
    """EG-3: actions are POST forms protected by CSRF."""
    structure, _owner = make_structure()
    client = Client(HTTP_HOST="localhost", enforce_csrf_checks=True)
    client.force_login(operator)
    url = f"/console/structures/{structure.pk}/suspendre/"
    assert client.get(url).status_code == 405
    assert client.post(url, {"reason": "Impayé"}).status_code == 403
    structure.refresh_from_db()
    assert structure.state == StructureState.ACTIVE
    page = client.get(f"/console/structures/{structure.pk}/").content.decode()
    post_forms = page.count('method="post"')
    assert post_forms == page.count('name="csrfmiddlewaretoken"')
    assert post_forms == 5  # log out, grant for each of the 3 paid modules, suspend


def test_console_pages_label_every_input(make_structure, console):
    """EG-3: every input of the console has a visible label."""
    structure, _owner = make_structure()
    for url in ["/console/", f"/console/structures/{structure.pk}/", "/console/cles/nouvelle/"]:
        response = console.get(url)
        assert response.status_code == 200
        assert _unlabelled_controls(response) == [], url


# --- List, search, filters ------------------------------------------------------------------


def test_list_search_and_filter_structures_by_state(make_structure, console):
    """EG-3: list and search structures (name, slug, email, city), filter by each state."""
    brest, _ = make_structure(
        name="Centre nautique de Brest", slug="cnbrest", city="Brest", email="cn@brest.test"
    )
    musee, _ = make_structure(
        name="Musée de la Pêche", slug="peche", city="Concarneau", email="accueil@peche.test"
    )
    office, _ = make_structure(
        name="Office de tourisme", slug="otcrozon", city="Crozon", email="contact@crozon.test"
    )
    _set_state(musee, StructureState.CONTRACT_PENDING)
    _set_state(office, StructureState.SUSPENDED)
    draft = SignupDraft.objects.create(
        current_step=4, data={"1": {"name": "Musée de la Mer"}, "2": {"director": "x"}}
    )
    nameless = SignupDraft.objects.create(current_step=1, data={})
    SignupDraft.objects.create(
        current_step=12, data={"1": {"name": "Fini"}}, completed_at=timezone.now()
    )

    response = console.get("/console/")
    assert response.status_code == 200
    assert _rows(response) == ["cnbrest", "peche", "otcrozon"]  # ordered by name
    assert f'href="/console/structures/{brest.pk}/"' in response.content.decode()
    assert "2 inscriptions en cours" in response.content.decode()

    assert _rows(console.get("/console/", {"q": "BREST"})) == ["cnbrest"]
    assert _rows(console.get("/console/", {"q": "otcro"})) == ["otcrozon"]
    assert _rows(console.get("/console/", {"q": "accueil@"})) == ["peche"]
    assert _rows(console.get("/console/", {"q": "concarneau"})) == ["peche"]
    assert _rows(console.get("/console/", {"q": "introuvable"})) == []

    assert _rows(console.get("/console/", {"state": "active"})) == ["cnbrest"]
    assert _rows(console.get("/console/", {"state": "contract_pending"})) == ["peche"]
    assert _rows(console.get("/console/", {"state": "suspended"})) == ["otcrozon"]
    assert _rows(console.get("/console/", {"state": "suspended", "q": "brest"})) == []

    signups = console.get("/console/", {"state": "signup"})
    assert _rows(signups) == [f"draft-{nameless.pk}", f"draft-{draft.pk}"]  # last updated first
    html = signups.content.decode()
    assert "Musée de la Mer" in html
    assert "Étape 4 sur 12" in html
    assert "Étape 1 sur 12" in html
    assert "Fini" not in html
    assert _rows(console.get("/console/", {"state": "signup", "q": "mer"})) == [f"draft-{draft.pk}"]


def test_structures_list_is_paginated_and_search_finds_by_name_or_slug(
    platform, console, monkeypatch, django_assert_max_num_queries
):
    """EG-3 (issue 17, a thousand structures): the console reads one page of structures in
    name order, with a stable order across pages; a search by name or slug finds among all
    of them, and its pages keep the search. Rows only: the list never opens a schema."""
    monkeypatch.setattr(views_console, "STRUCTURES_PAGE_SIZE", 10)
    Structure.objects.bulk_create(
        Structure(
            schema_name=f"s_liste{i:02d}",
            slug=f"liste{i:02d}",
            # Two by two the same name: the pages still cut at the same places.
            name=f"Club nautique {i // 2:02d}",
            city="Lorient" if i == 17 else "",
        )
        for i in range(30)
    )
    seen = []
    for number in (1, 2, 3):
        with django_assert_max_num_queries(12):
            page = console.get("/console/", {"page": number})
        assert page.status_code == 200
        rows = _rows(page)
        assert len(rows) == 10
        assert f"Page {number} sur 3 (30 structures)" in page.content.decode()
        seen += rows
    assert seen == [f"liste{i:02d}" for i in range(30)]  # every structure once, in order
    html = console.get("/console/", {"page": 2}).content.decode()
    assert "?q=&amp;state=&amp;page=1" in html and "?q=&amp;state=&amp;page=3" in html
    # Out of range: the last page, not an error.
    assert _rows(console.get("/console/", {"page": 99})) == seen[20:]

    assert _rows(console.get("/console/", {"q": "liste07"})) == ["liste07"]
    assert _rows(console.get("/console/", {"q": "NAUTIQUE 04"})) == ["liste08", "liste09"]
    assert _rows(console.get("/console/", {"q": "lorient"})) == ["liste17"]
    found = console.get("/console/", {"q": "club"})
    assert _rows(found) == seen[:10]
    assert "?q=club&amp;state=&amp;page=2" in found.content.decode()
    assert _rows(console.get("/console/", {"q": "club", "page": 3})) == seen[20:]
    assert "data-pagination" not in console.get("/console/", {"q": "liste1"}).content.decode()


def test_unknown_state_filter_is_refused_with_a_message(make_structure, console):
    """EG-3: a state that does not exist is shown as an error next to the filter."""
    make_structure(slug="clubx")
    response = console.get("/console/", {"state": "deleted"})
    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in response.content.decode()
    assert _rows(response) == ["clubx"]


# --- Detail --------------------------------------------------------------------------------


def test_structure_detail_shows_identity_contract_owners_and_modules(
    make_structure, make_member, console
):
    """EG-3: identity, domain, state, contract, Super Administrateur(s), module subscriptions."""
    structure, owner = make_structure(
        name="Club de voile de Morgat", slug="cvmorgat", city="Crozon", siret="12345678901234"
    )
    second_owner = make_member(structure, role=Role.OWNER, email="second@cvmorgat.test")
    make_member(structure, role=Role.STAFF, email="equipier@cvmorgat.test")
    _post_contract(structure, method=ContractSignature.Method.ELECTRONIC)
    module_request(structure=structure, label="sms")

    response = console.get(f"/console/structures/{structure.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Club de voile de Morgat" in html
    assert "12345678901234" in html
    assert 'href="http://cvmorgat.localhost:8000/"' in html
    assert '<span class="badge green">Active</span>' in html
    assert "Signature électronique" in html
    assert SHA in html
    assert "203.0.113.7" in html
    assert "Alex Dupont · alex@example.test" in html
    assert owner.email in html
    assert second_owner.email in html
    assert "equipier@cvmorgat.test" not in html
    rows = dict(re.findall(r'<tr data-module="([^"]+)">\s*<td>([^<]+)</td>', html))
    assert rows == {
        "emarketing": "Emarketing",
        "ffvoile": "FF Voile",
        "forum": "Forum client",
        "pos": "Caisse",
        "sms": "SMS",
        "testmodule": "Module de test",
    }
    sms_row = html[html.index('data-module="sms"') :].split("</tr>")[0]
    assert "Demandé" in sms_row
    assert "Accorder SMS" in sms_row


def test_structure_detail_404_for_platform_and_unknown(platform, console):
    """EG-3: the platform row itself is not a structure of the console."""
    assert console.get(f"/console/structures/{platform.pk}/").status_code == 404
    assert console.get("/console/structures/999999/").status_code == 404


# --- Activation keys -----------------------------------------------------------------------


def test_issue_activation_key_creates_it_and_emails_it(
    console, operator, smtp_server, django_capture_on_commit_callbacks
):
    """EG-3: issuing an activation key saves it and emails it with the signup address."""
    form = console.get("/console/cles/nouvelle/")
    assert 'value="30"' in form.content.decode()
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        response = console.post(
            "/console/cles/nouvelle/",
            {
                "intended_for": "Musée de la Mer",
                "email": "Direction@Musee-Mer.test",
                "valid_days": "30",
            },
            follow=True,
            HTTP_ACCEPT_LANGUAGE="en",  # the operator's browser; the email stays French
        )
    assert response.redirect_chain == [("/console/cles/", 302)]
    key = ActivationKey.objects.get()
    assert re.fullmatch(r"[A-HJKMNP-Z2-9]{4}(-[A-HJKMNP-Z2-9]{4}){3}", key.key)
    assert key.intended_for == "Musée de la Mer"
    assert key.email == "direction@musee-mer.test"
    assert key.issued_by == operator
    assert key.used_at is None
    assert before + timedelta(days=30) <= key.expires_at <= timezone.now() + timedelta(days=30)
    [notice] = _messages(response)  # in the operator's language
    assert key.key in notice
    assert "direction@musee-mer.test" in notice

    [message] = smtp_server.wait_for(1)
    assert message["X-Rcpt-To"] == "direction@musee-mer.test"
    assert (
        str(make_header(decode_header(message["Subject"])))
        == "Votre clé d'activation pour vous inscrire sur Ponton"
    )
    text = smtp_server.text_of(message)
    assert key.key in text
    assert "http://localhost:8000/inscription/" in text
    assert "« Musée de la Mer »" in text
    with translation.override("fr"):
        expires = date_format(timezone.localtime(key.expires_at), "j F Y")
    assert f"Cette clé ne sert qu'une fois et expire le {expires}." in text


def test_issue_activation_key_refuses_bad_input(
    console, smtp_server, django_capture_on_commit_callbacks
):
    """EG-3: bad input is refused next to the field; no key saved, no email sent."""
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = console.post(
            "/console/cles/nouvelle/",
            {"intended_for": "", "email": "pas-un-email", "valid_days": "0"},
        )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors == {
        "intended_for": ["Ce champ est obligatoire."],
        "email": ["Saisissez une adresse e-mail valide."],
        "valid_days": ["La clé doit être valable au moins 1 jour."],
    }
    assert "La clé doit être valable au moins 1 jour." in response.content.decode()
    assert ActivationKey.objects.count() == 0
    assert callbacks == []
    assert smtp_server.messages == []


def test_activation_keys_list_shows_each_state(console, operator):
    """EG-3: keys list: key, for, email, created, expires, state Utilisée / Expirée / Valide."""
    now = timezone.now()
    ActivationKey.objects.create(
        key="USED-AAAA-BBBB-CCCC",
        intended_for="Club utilisé",
        email="a@a.test",
        expires_at=now + timedelta(days=5),
        used_at=now - timedelta(days=1),
        issued_by=operator,
    )
    ActivationKey.objects.create(
        key="EXPI-AAAA-BBBB-CCCC",
        intended_for="Club en retard",
        email="b@b.test",
        expires_at=now - timedelta(minutes=1),
    )
    ActivationKey.objects.create(
        key="VALI-AAAA-BBBB-CCCC",
        intended_for="Club à venir",
        email="c@c.test",
        expires_at=now + timedelta(days=30),
    )
    html = console.get("/console/cles/").content.decode()
    states = {}
    for chunk in html.split('<tr data-key="')[1:]:
        key, _rest = chunk.split('"', 1)
        row = chunk.split("</tr>")[0]
        states[key] = re.search(r'<span class="badge \w+">([^<]+)</span>', row).group(1)
        assert key in row
    assert states == {
        "USED-AAAA-BBBB-CCCC": "Utilisée",
        "EXPI-AAAA-BBBB-CCCC": "Expirée",
        "VALI-AAAA-BBBB-CCCC": "Valide",
    }
    assert "Club à venir" in html
    assert "c@c.test" in html


# --- Contracts -----------------------------------------------------------------------------


def test_contract_received_activates_the_structure_then_is_refused(
    make_structure, console, operator
):
    """EG-3: a posted contract marked received activates the structure; a second time is
    refused with a French message and changes nothing."""
    structure, _owner = make_structure(name="Musée du Phare")
    _set_state(structure, StructureState.CONTRACT_PENDING)
    _post_contract(structure)
    pending = console.get("/console/", {"state": "contract_pending"})
    assert _rows(pending) == [structure.slug]

    url = f"/console/structures/{structure.pk}/contrat-recu/"
    response = console.post(url, follow=True)
    assert response.redirect_chain == [(f"/console/structures/{structure.pk}/", 302)]
    assert _messages(response) == [
        "Contrat de « Musée du Phare » marqué comme reçu : la structure est active."
    ]
    structure.refresh_from_db()
    contract = ContractSignature.objects.get(structure=structure)
    assert structure.state == StructureState.ACTIVE
    assert structure.activated_at is not None
    assert contract.received_by == operator
    received_at = contract.received_at
    assert received_at is not None

    again = console.post(url, follow=True)
    [message] = _messages(again)
    assert message.startswith(
        "Le contrat signé de cette structure a déjà été marqué comme reçu le "
    )
    contract.refresh_from_db()
    assert contract.received_at == received_at
    assert _rows(console.get("/console/", {"state": "contract_pending"})) == []


def test_contract_received_refused_for_an_electronic_contract(make_structure, console):
    """EG-3: only a contract sent by post can be marked received."""
    structure, _owner = make_structure()
    _set_state(structure, StructureState.CONTRACT_PENDING)
    _post_contract(structure, method=ContractSignature.Method.ELECTRONIC)
    response = console.post(f"/console/structures/{structure.pk}/contrat-recu/", follow=True)
    assert _messages(response) == [
        "Ce contrat a été signé électroniquement : aucun courrier n'est attendu."
    ]
    structure.refresh_from_db()
    assert structure.state == StructureState.CONTRACT_PENDING
    assert ContractSignature.objects.get(structure=structure).received_at is None


# --- Suspension ----------------------------------------------------------------------------


def test_suspend_then_activate_a_structure(make_structure, make_member, client_for, console):
    """EG-3: a suspended structure's staff and shop see "Structure suspendue"; nothing is
    deleted and re-activation gives everything back."""
    structure, owner = make_structure(name="Club de Camaret")
    staff = make_member(structure, role=Role.STAFF)
    with schema_context(structure.schema_name):
        Site.objects.create(name="Plage du Veryac'h")
    staff_client = client_for(structure, staff)
    shop = client_for(structure)
    assert staff_client.get("/manager/").status_code == 200

    refused = console.post(f"/console/structures/{structure.pk}/suspendre/", {"reason": " "})
    assert refused.status_code == 400
    assert "Indiquez le motif de la suspension." in refused.content.decode()
    structure.refresh_from_db()
    assert structure.state == StructureState.ACTIVE

    response = console.post(
        f"/console/structures/{structure.pk}/suspendre/",
        {"reason": "Factures impayées"},
        follow=True,
    )
    assert _messages(response) == [
        "« Club de Camaret » est suspendue. Aucune donnée n'est supprimée."
    ]
    assert "Factures impayées" in response.content.decode()
    structure.refresh_from_db()
    assert structure.state == StructureState.SUSPENDED
    assert structure.suspension_reason == "Factures impayées"
    for client, path in [
        (staff_client, "/manager/"),
        (shop, "/"),
        (client_for(structure, owner), "/manager/structure/"),
    ]:
        page = client.get(path)
        assert page.status_code == 403, path
        assert "Structure suspendue" in page.content.decode()
    assert _rows(console.get("/console/", {"state": "suspended"})) == [structure.slug]

    response = console.post(f"/console/structures/{structure.pk}/activer/", follow=True)
    assert _messages(response) == [
        "« Club de Camaret » est active : son équipe et sa boutique sont de nouveau ouvertes."
    ]
    structure.refresh_from_db()
    assert structure.state == StructureState.ACTIVE
    assert structure.suspension_reason == ""
    assert staff_client.get("/manager/").status_code == 200
    assert shop.get("/").status_code == 200
    with schema_context(structure.schema_name):
        assert list(Site.objects.values_list("name", flat=True)) == ["Plage du Veryac'h"]


# --- Paid modules --------------------------------------------------------------------------


def test_grant_and_withdraw_a_paid_module(make_structure, client_for, console):
    """EG-3: a requested paid module is shown in "Demandes de modules"; granting switches it
    on (its pages answer), withdrawing switches it off (404) and keeps the subscription row."""
    structure, owner = make_structure(name="Club de Morlaix", slug="morlaix")
    module_request(structure=structure, label="sms")
    manager = client_for(structure, owner)
    assert manager.get("/manager/m/sms/").status_code == 404

    listing = console.get("/console/").content.decode()
    assert "Demandes de modules" in listing
    assert re.findall(r'data-request="([^"]+)"', listing) == ["morlaix:sms"]

    response = console.post(
        f"/console/structures/{structure.pk}/modules/sms/accorder/", follow=True
    )
    assert _messages(response) == ["Module « SMS » accordé à « Club de Morlaix » : il est activé."]
    sub = ModuleSubscription.objects.get(structure=structure, module="sms")
    assert (sub.enabled, sub.paid_status) == (True, ModuleSubscription.PaidStatus.GRANTED)
    assert sub.granted_at is not None
    assert manager.get("/manager/m/sms/").status_code == 200
    assert re.findall(r'data-request="([^"]+)"', console.get("/console/").content.decode()) == []

    response = console.post(f"/console/structures/{structure.pk}/modules/sms/retirer/", follow=True)
    assert _messages(response) == [
        "Module « SMS » retiré à « Club de Morlaix » : il est désactivé, ses données sont "
        "conservées."
    ]
    sub.refresh_from_db()
    assert (sub.enabled, sub.paid_status, sub.granted_at) == (
        False,
        ModuleSubscription.PaidStatus.NONE,
        None,
    )
    assert manager.get("/manager/m/sms/").status_code == 404


def test_grant_refused_for_a_free_or_unknown_module(make_structure, console):
    """EG-3: only paid modules are granted from the console; nothing changes otherwise."""
    structure, _owner = make_structure(modules=[])
    for label in ("forum", "inconnu"):
        response = console.post(
            f"/console/structures/{structure.pk}/modules/{label}/accorder/", follow=True
        )
        assert _messages(response) == ["Ce module n'est pas un module payant."]
    assert ModuleSubscription.objects.filter(structure=structure, enabled=True).exists() is False
