"""EM-1 module switch and isolation: off, the pages answer 404 (the unsubscribe link of emails
already sent still works), the card section and the menu entry vanish, the tasks do nothing,
the data stays; on again, all is back. Another structure's staff cannot open a campaign."""

from __future__ import annotations

from django_tenants.utils import schema_context

from modules.emarketing.models import Campaign, Consent, Recipient, Unsubscribe
from modules.emarketing.services import (
    CampaignData,
    campaign_save,
    campaign_start,
    unsubscribe_token,
)
from modules.emarketing.tasks import send_batch_task, tick_task
from tenants.services import module_set_enabled
from tests.conftest import host_of
from tests.modules.emarketing.conftest import customer


def _campaign() -> Campaign:
    return campaign_save(
        data=CampaignData(
            name="Printemps",
            sender_name="Club",
            subject="Bonjour",
            body="<p>Texte</p>",
            audience="rules",
            audience_rules={"combine": "and", "rules": [{"type": "has_email"}]},
        )
    )


def test_module_off_refuses_pages_hides_the_card_section_and_keeps_the_data(
    em_structure, client_for, smtp_server, django_capture_on_commit_callbacks, db
):
    structure, owner = em_structure
    client = client_for(structure, owner)
    with schema_context(structure.schema_name):
        anne = customer("Anne")
        campaign = _campaign()
    token = unsubscribe_token(
        structure_id=structure.pk, campaign_id=campaign.pk, email="anne@client.test"
    )
    urls = [
        "/manager/m/emarketing/",
        "/manager/m/emarketing/nouvelle/",
        f"/manager/m/emarketing/{campaign.pk}/",
        f"/manager/m/emarketing/{campaign.pk}/progression/",
        "/manager/m/emarketing/compter/",
    ]
    unsubscribe_url = f"/emailing/desinscription/{token}/"
    assert all(client.get(url).status_code == 200 for url in [*urls, unsubscribe_url])
    card_url = f"/manager/clients/{anne.pk}/"
    assert 'id="emarketing"' in client.get(card_url).content.decode()
    assert 'data-module="emarketing"' in client.get("/manager/").content.decode()

    module_set_enabled(structure=structure, label="emarketing", enabled=False)
    structure.refresh_from_db()
    assert [client.get(url).status_code for url in urls] == [404] * len(urls)
    assert client.post(f"/manager/m/emarketing/{campaign.pk}/envoyer/").status_code == 404
    card = client.get(card_url).content.decode()
    assert 'id="emarketing"' not in card and "Emails marketing" not in card
    assert 'data-module="emarketing"' not in client.get("/manager/").content.decode()
    # Its tasks do nothing while it is off (a campaign started before the switch waits).
    with schema_context(structure.schema_name):
        campaign_start(campaign_id=campaign.pk, allowed=(Campaign.State.DRAFT,))
        first = Recipient.objects.get().pk
    assert (
        send_batch_task.run(
            schema_name=structure.schema_name,
            campaign_id=campaign.pk,
            first_id=first,
            last_id=first,
        )
        == 0
    )
    assert tick_task.run() == {}
    assert smtp_server.messages == []
    with schema_context(structure.schema_name):
        assert Campaign.objects.count() == 1 and Consent.objects.count() == 1
        assert Recipient.objects.get().state == "pending"
    # An email sent before the switch can still be unsubscribed from, without login.
    anonymous = client_for(structure)
    assert anonymous.get(unsubscribe_url).status_code == 200
    assert anonymous.post(unsubscribe_url).status_code == 200
    with schema_context(structure.schema_name):
        assert Unsubscribe.objects.filter(email="anne@client.test").exists()

    module_set_enabled(structure=structure, label="emarketing", enabled=True)
    assert client.get(f"/manager/m/emarketing/{campaign.pk}/").status_code == 200
    assert 'id="emarketing"' in client.get(card_url).content.decode()


def test_another_structures_staff_cannot_open_a_campaign(em_structure, make_structure, client_for):
    structure, owner = em_structure
    other, other_owner = make_structure(name="Club B")
    with schema_context(structure.schema_name):
        campaign = _campaign()
    foreign = client_for(structure, other_owner)
    assert foreign.get(f"/manager/m/emarketing/{campaign.pk}/").status_code == 403
    assert foreign.post(f"/manager/m/emarketing/{campaign.pk}/envoyer/").status_code == 403
    anonymous = client_for(structure)
    response = anonymous.get(f"/manager/m/emarketing/{campaign.pk}/")
    assert response.status_code == 302 and "/connexion/" in response["Location"]
    assert host_of(structure) != host_of(other)
