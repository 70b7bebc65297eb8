"""EM-1 campaigns through the Club Manager pages: bad input refused in French with nothing sent;
"Envoyer maintenant" delivers over real SMTP with one-click unsubscribe headers and a visible
link; the unsubscribe page (no login, no CSRF token) is honoured by the next campaign; schedule,
cancel, the periodic check; results; the consent on the customer card."""

from __future__ import annotations

import datetime as dt
import json
import re
from email.header import decode_header, make_header
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from modules.emarketing.models import Campaign, Consent, Recipient, Unsubscribe
from modules.emarketing.services import unsubscribe_token
from modules.emarketing.tasks import tick_task
from tests.conftest import host_of
from tests.modules.emarketing.conftest import customer

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
BASE = "/manager/m/emarketing/"


def _form(**overrides) -> dict:
    data = {
        "name": "Stages d'été",
        "sender_name": "Centre nautique",
        "subject": "Les stages d'été sont ouverts",
        "body": "<p>Bonjour, les <strong>stages</strong> ouvrent !</p>",
        "audience": "rules",
        "audience_emails": "",
        "audience_search": "",
        "audience_rules": json.dumps({"combine": "and", "rules": [{"type": "has_email"}]}),
    }
    data.update(overrides)
    return data


def _create(client, **overrides) -> Campaign:
    response = client.post(BASE + "nouvelle/", _form(**overrides))
    assert response.status_code == 302, response.content.decode()[:3000]
    return Campaign.objects.order_by("-pk").first()


def subject_of(message) -> str:
    return str(make_header(decode_header(message["Subject"])))


def _errors(response) -> str:
    return " ".join(
        re.findall(r'<ul class="errorlist"[^>]*>(.*?)</ul>', response.content.decode(), re.S)
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"subject": "  "}, "L&#x27;objet de l&#x27;email est vide."),
        ({"body": "<p> </p><script>alert(1)</script>"}, "Le message est vide."),
        ({"name": ""}, "Donnez un nom à la campagne."),
        ({"audience_rules": json.dumps({"rules": []})}, "Ajoutez au moins une règle."),
        ({"audience": "emails", "audience_emails": "x@"}, "Adresse email non valide : x@"),
    ],
)
def test_bad_input_is_refused_in_french_and_nothing_is_saved(
    em_structure, client_for, overrides, message
):
    structure, owner = em_structure
    response = client_for(structure, owner).post(BASE + "nouvelle/", _form(**overrides))
    assert response.status_code == 400
    assert message in _errors(response)
    with schema_context(structure.schema_name):
        assert Campaign.objects.count() == 0


def test_script_in_the_body_is_removed(em_structure, client_for):
    """EM-1 bad input: HTML/script sanitised with nh3: formatting and links kept."""
    structure, owner = em_structure
    client = client_for(structure, owner)
    body = (
        '<p onclick="steal()">Salut <b>toi</b> <a href="javascript:alert(1)">x</a> '
        '<a href="https://voile.test/stages">stages</a></p><script>alert(1)</script>'
        "<style>p{}</style><img src=x onerror=alert(1)>"
    )
    with schema_context(structure.schema_name):
        campaign = _create(client, body=body)
        assert campaign.body_html == (
            '<p>Salut <b>toi</b> <a rel="noopener noreferrer">x</a> '
            '<a href="https://voile.test/stages" rel="noopener noreferrer">stages</a></p>'
        )


def test_no_recipient_and_past_date_are_refused(em_structure, client_for, smtp_server):
    """EM-1 bad input: a campaign nobody would receive; a date in the past; nothing sent."""
    structure, owner = em_structure
    client = client_for(structure, owner)
    with schema_context(structure.schema_name):
        customer("Bruno", consent=False)
        campaign = _create(client)
    response = client.post(f"{BASE}{campaign.pk}/envoyer/", follow=True)
    assert "Aucun destinataire" in response.content.decode()
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    with schema_context(structure.schema_name):
        customer("Anne")
    response = client.post(
        f"{BASE}{campaign.pk}/programmer/", {"date": yesterday.isoformat(), "time": "10:00"}
    )
    assert response.status_code == 400
    assert "La date d&#x27;envoi est passée : choisissez une date à venir." in _errors(response)
    with schema_context(structure.schema_name):
        campaign.refresh_from_db()
        assert campaign.state == Campaign.State.DRAFT
        assert Recipient.objects.count() == 0
    assert smtp_server.messages == []


def test_send_now_delivers_with_one_click_unsubscribe_then_the_next_campaign_skips(
    em_structure, client_for, smtp_server, django_capture_on_commit_callbacks
):
    """EM-1: sent over SMTP to the consenting customers only; List-Unsubscribe (https link) and
    List-Unsubscribe-Post (RFC 8058); a visible link to a French page without login; a POST
    without CSRF token unsubscribes; the next campaign skips that address; results."""
    structure, owner = em_structure
    client = client_for(structure, owner)
    with schema_context(structure.schema_name):
        customer("Anne")
        customer("Bruno")
        customer("Carla", consent=False)
        campaign = _create(client)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{BASE}{campaign.pk}/envoyer/")
    assert response.status_code == 302
    messages = smtp_server.wait_for(2)
    assert sorted(m["X-Rcpt-To"] for m in messages) == ["anne@client.test", "bruno@client.test"]
    anne = next(m for m in messages if m["X-Rcpt-To"] == "anne@client.test")
    assert subject_of(anne) == "Les stages d'été sont ouverts"
    assert anne["From"] == '"Centre nautique" <ne-pas-repondre@ponton.test>'
    assert anne["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    header = re.sub(r"\s+", "", anne["List-Unsubscribe"])  # a long header is folded
    link = re.fullmatch(r"<(http://[^>]+/emailing/desinscription/[^/]+/)>", header)
    assert link, anne["List-Unsubscribe"]
    text = smtp_server.text_of(anne)
    assert "Bonjour, les stages ouvrent !" in text
    assert f"Se désinscrire : {link.group(1)}" in text
    assert re.fullmatch(r"<em\.\d+\.\d+@[^>]+>", anne["Message-ID"])
    with schema_context(structure.schema_name):
        campaign.refresh_from_db()
        assert campaign.state == Campaign.State.SENT and campaign.total == 2

    # The visible link: a French page without login, then the confirmation (no CSRF token).
    path = link.group(1).split(host_of(structure), 1)[1].lstrip(":0123456789")
    anonymous = Client(HTTP_HOST=host_of(structure), enforce_csrf_checks=True)
    page = anonymous.get(path)
    assert page.status_code == 200
    assert "Ne plus recevoir les emails d'information" in page.content.decode()
    done = anonymous.post(path)
    assert done.status_code == 200
    assert "ne recevra plus les emails" in done.content.decode()
    # One-click (RFC 8058) from a mail client: the same URL, the form body only.
    bruno = next(m for m in messages if m["X-Rcpt-To"] == "bruno@client.test")
    one_click = (
        re.sub(r"\s+", "", bruno["List-Unsubscribe"]).strip("<>").split(host_of(structure), 1)[1]
    )
    one_click = one_click.lstrip(":0123456789")
    answer = anonymous.post(one_click, {"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200
    with schema_context(structure.schema_name):
        assert sorted(Unsubscribe.objects.values_list("email", flat=True)) == [
            "anne@client.test",
            "bruno@client.test",
        ]
        anne_consent = Consent.objects.get(customer__first_name="Anne")
        assert (anne_consent.consented, anne_consent.source) == (False, "unsubscribe")
        customer("Denis")
        second = _create(client, name="Deuxième")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{BASE}{second.pk}/envoyer/")
    messages = smtp_server.wait_for(3)
    assert [m["X-Rcpt-To"] for m in messages[2:]] == ["denis@client.test"]
    page = client.get(f"{BASE}{campaign.pk}/").content.decode()
    assert 'data-em="sent">2<' in page


def test_forged_or_foreign_unsubscribe_token_is_refused_in_french(em_structure, make_structure):
    structure, _ = em_structure
    other, _ = make_structure(name="Autre club")
    with schema_context(structure.schema_name):
        customer("Anne")
    anonymous = Client(HTTP_HOST=host_of(structure))
    forged = anonymous.post("/emailing/desinscription/abc.def.ghi/")
    foreign_token = unsubscribe_token(
        structure_id=other.pk, campaign_id=1, email="anne@client.test"
    )
    foreign = anonymous.post(f"/emailing/desinscription/{foreign_token}/")
    for response in (forged, foreign):
        assert response.status_code == 400
        assert "Ce lien de désinscription n&#x27;est pas valide" in response.content.decode()
    with schema_context(structure.schema_name):
        assert Unsubscribe.objects.count() == 0
        assert Consent.objects.get().consented is True


def test_schedule_cancel_and_the_periodic_check(
    em_structure, client_for, smtp_server, django_capture_on_commit_callbacks
):
    """EM-1: programmed for a Paris time; cancelled, it never starts; a due one is started by
    the periodic check (`emarketing.tick`)."""
    structure, owner = em_structure
    client = client_for(structure, owner)
    with schema_context(structure.schema_name):
        customer("Anne")
        first = _create(client)
        second = _create(client, name="Autre")
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    for campaign in (first, second):
        response = client.post(
            f"{BASE}{campaign.pk}/programmer/", {"date": tomorrow.isoformat(), "time": "09:30"}
        )
        assert response.status_code == 302
    with schema_context(structure.schema_name):
        first.refresh_from_db()
        assert first.state == Campaign.State.SCHEDULED
        assert first.scheduled_at == dt.datetime.combine(tomorrow, dt.time(9, 30), tzinfo=PARIS)
    assert client.post(f"{BASE}{second.pk}/annuler/").status_code == 302
    listing = client.get(BASE).content.decode()
    assert "Programmée" in listing and "Annulée" in listing

    with schema_context(structure.schema_name):
        Campaign.objects.filter(pk__in=[first.pk, second.pk]).update(
            scheduled_at=timezone.now() - dt.timedelta(minutes=1)
        )
    with django_capture_on_commit_callbacks(execute=True):
        report = tick_task()
    assert report == {structure.schema_name: [first.pk]}
    assert [m["X-Rcpt-To"] for m in smtp_server.wait_for(1)] == ["anne@client.test"]
    with schema_context(structure.schema_name):
        states = dict(Campaign.objects.values_list("pk", "state"))
    assert states == {first.pk: "sent", second.pk: "cancelled"}


def test_test_send_and_preview(
    em_structure, client_for, smtp_server, django_capture_on_commit_callbacks
):
    """EM-1: the preview shows the email; "M'envoyer un test" reaches the staff member only."""
    structure, owner = em_structure
    client = client_for(structure, owner)
    with schema_context(structure.schema_name):
        customer("Anne")
        campaign = _create(client)
    preview = client.get(f"{BASE}{campaign.pk}/apercu/").content.decode()
    assert "<strong>stages</strong>" in preview and "Se désinscrire" in preview
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{BASE}{campaign.pk}/test/")
    (message,) = smtp_server.wait_for(1)
    assert message["X-Rcpt-To"] == owner.email
    assert subject_of(message) == "[TEST] Les stages d'été sont ouverts"
    with schema_context(structure.schema_name):
        campaign.refresh_from_db()
        assert campaign.state == Campaign.State.DRAFT


def test_failed_recipient_is_reported_with_the_reason(
    em_structure, client_for, smtp_server, django_capture_on_commit_callbacks
):
    """EM-1 results: an address the SMTP server refuses for good is "failed" with its reason;
    the others are sent."""
    structure, owner = em_structure
    client = client_for(structure, owner)
    with schema_context(structure.schema_name):
        customer("Anne")
        customer("Refus", email="refus@client.test")
        campaign = _create(client)
    collector = smtp_server._collector

    async def handle_rcpt(server, session, envelope, address, rcpt_options):
        if address.startswith("refus@"):
            return "550 5.1.1 Boîte inconnue"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    collector.handle_RCPT = handle_rcpt
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{BASE}{campaign.pk}/envoyer/")
    assert [m["X-Rcpt-To"] for m in smtp_server.wait_for(1)] == ["anne@client.test"]
    page = client.get(f"{BASE}{campaign.pk}/").content.decode()
    assert "refus@client.test" in page and "550 5.1.1 Boîte inconnue" in page
    with schema_context(structure.schema_name):
        states = dict(Recipient.objects.values_list("email", "state"))
    assert states == {"anne@client.test": "sent", "refus@client.test": "failed"}


def test_consent_on_the_customer_card(em_structure, client_for):
    """EM-1 consent: shown on the card with its date and source, and changed there."""
    structure, owner = em_structure
    client = client_for(structure, owner)
    with schema_context(structure.schema_name):
        c = customer("Anne", consent=False)
    card = client.get(f"/manager/clients/{c.pk}/").content.decode()
    assert "Emails marketing" in card and "N'accepte pas les emails marketing" in card
    client.post(f"{BASE}clients/{c.pk}/consentement/", {"consented": "1"})
    card = client.get(f"/manager/clients/{c.pk}/").content.decode()
    today = timezone.localdate().strftime("%d/%m/%Y")
    assert f"depuis le {today} (Saisie au Club Manager)" in card
    with schema_context(structure.schema_name):
        assert Consent.objects.get(customer=c).consented is True


def test_the_periodic_check_is_in_beats_schedule():
    """EM-1 scheduling: `celery beat` runs `emarketing.tick` every minute (ADR 0019)."""
    from ponton.config.celery import app

    app.loader.import_default_modules()
    entry = app.conf.beat_schedule["emarketing-tick"]
    assert (entry["task"], entry["schedule"]) == ("emarketing.tick", 60.0)
