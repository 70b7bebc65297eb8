"""EM-1 end to end: a campaign built in the browser with a rule segment (the count follows the
rule), sent now by a real Celery worker to the real SMTP server, its progress moving live on the
page (websocket over Redis, no reload); the received email's unsubscribe link opened and
confirmed without login; a second campaign skips that customer."""

from __future__ import annotations

import re

import pytest
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from modules.emarketing.models import Consent, Unsubscribe
from modules.emarketing.services import consent_set
from ponton.customers.models import Address, Customer
from tenants.services import module_grant
from tests.conftest import TEST_PASSWORD, free_port
from tests.support.celery_worker import celery_worker_for
from tests.support.servers import ROOT, database_env, serving

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def live(transactional_db, platform, settings, smtp_server):
    """Daphne and a Celery worker on the test database, sharing Redis (broker and channel
    layer), both sending to the test SMTP server; the worker sends one email per second."""
    port = free_port()
    settings.PUBLIC_PORT_SUFFIX = f":{port}"
    common = {
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_server.port),
        "PUBLIC_PORT_SUFFIX": f":{port}",
    }
    with celery_worker_for(
        name="e2e-emarketing",
        extra_env={**common, "EMARKETING_RATE_PER_SECOND": "1", "EMARKETING_BATCH_SIZE": "1"},
    ) as worker:
        env = database_env(CELERY_BROKER_URL=worker.url, REDIS_URL=worker.url, **common)
        args = [
            "-m",
            "daphne",
            "-e",
            f"tcp:port={port}:interface=127.0.0.1",
            "tests.support.asgi_celery:application",
        ]
        with serving(args, port=port, env=env, log=ROOT / ".data" / f"daphne-em-{port}.log"):
            yield port


def _customer(first_name: str, postal_code: str, *, consent: bool = True) -> Customer:
    c = Customer.objects.create(
        first_name=first_name, last_name="Le Goff", email=f"{first_name.lower()}@client.test"
    )
    Address.objects.create(customer=c, line1="2 rue du Port", postal_code=postal_code, city="X")
    if consent:
        consent_set(customer=c, consented=True, source=Consent.Source.MANAGER)
    return c


def _build_campaign(page, base: str, name: str, expected_count: str) -> None:
    page.goto(base + "/manager/m/emarketing/nouvelle/")
    page.get_by_label("Nom de la campagne").fill(name)
    page.get_by_label("Nom de l'expéditeur").fill("Centre nautique")
    page.get_by_label("Objet").fill("Stages de la Toussaint")
    editor = page.get_by_role("textbox", name="Message")
    editor.click()
    editor.press_sequentially("Les stages ouvrent ")
    page.get_by_role("button", name="Gras").click()
    editor.press_sequentially("lundi")
    page.get_by_label("Nouvelle règle").select_option(label="Code postal")
    page.get_by_role("button", name="Ajouter la règle").click()
    page.get_by_label("Début du code postal").fill("29")
    expect(page.locator("[data-em-count]")).to_have_text(expected_count)
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    page.get_by_role("heading", name=name).wait_for()


def test_campaign_with_a_rule_live_progress_and_unsubscribe(
    make_structure, live, new_page, smtp_server
):
    structure, owner = make_structure(name="Centre nautique de Plouguerneau")
    module_grant(structure=structure, label="emarketing")
    smtp_server.wait_for(1)  # the owner is told the module was granted
    with schema_context(structure.schema_name):
        for first_name in ("Anne", "Bruno", "Carla"):
            _customer(first_name, "29880")
        _customer("Denis", "56100")  # another postal code
        _customer("Erwan", "29200", consent=False)  # never consented
    base = f"http://{structure.get_primary_domain().domain}:{live}"

    page = new_page()
    page.goto(base + "/connexion/")
    page.get_by_label("Adresse email").fill(owner.email)
    page.get_by_label("Mot de passe").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()

    _build_campaign(page, base, "Toussaint", "3")
    page.get_by_role("button", name="Envoyer maintenant").click()
    progress = page.locator("[data-em-progress]")
    expect(progress).to_have_attribute("data-live", "on")
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    sent = page.locator('[data-em="sent"]')
    # One email a second: the counts move on the open page, without any reload.
    expect(sent).to_have_text(re.compile(r"^[12]$"), timeout=20_000)
    expect(page.locator('[data-em="remaining"]')).not_to_have_text("0")
    expect(sent).to_have_text("3", timeout=20_000)
    expect(page.locator('[data-em="remaining"]')).to_have_text("0")
    expect(page.locator("[data-em-state]")).to_have_text("Envoyée", timeout=10_000)
    assert navigations == []

    messages = smtp_server.wait_for(4)[1:]
    assert sorted(m["X-Rcpt-To"] for m in messages) == [
        "anne@client.test",
        "bruno@client.test",
        "carla@client.test",
    ]
    anne = next(m for m in messages if m["X-Rcpt-To"] == "anne@client.test")
    text = smtp_server.text_of(anne)
    assert "Les stages ouvrent lundi" in text
    link = re.search(r"Se désinscrire : (\S+)", text).group(1)

    visitor = new_page()  # no login
    visitor.goto(link)
    visitor.get_by_role("heading", name="Désinscription").wait_for()
    visitor.get_by_role("button", name="Confirmer la désinscription").click()
    expect(visitor.get_by_role("status")).to_contain_text(
        "anne@client.test ne recevra plus les emails"
    )
    with schema_context(structure.schema_name):
        assert list(Unsubscribe.objects.values_list("email", flat=True)) == ["anne@client.test"]
        assert Consent.objects.get(customer__first_name="Anne").consented is False

    _build_campaign(page, base, "Toussaint, rappel", "2")
    page.get_by_role("button", name="Envoyer maintenant").click()
    expect(page.locator('[data-em="sent"]')).to_have_text("2", timeout=20_000)
    later = smtp_server.wait_for(6)[4:]
    assert sorted(m["X-Rcpt-To"] for m in later) == ["bruno@client.test", "carla@client.test"]
