"""EM-1 demo: the demo structure has the e-marketing module on and one campaign sent."""

import io

import pytest
from django.core.management import call_command
from django_tenants.utils import schema_context

from modules.emarketing.models import Campaign, Recipient
from tenants.management.commands.seed_demo import DEMO_SLUG
from tenants.models import Structure
from tenants.selectors import enabled_module_labels

pytestmark = pytest.mark.django_db


def test_demo_has_the_module_on_and_one_sent_campaign():
    call_command("seed_demo", stdout=io.StringIO())
    demo = Structure.objects.get(slug=DEMO_SLUG)
    assert "emarketing" in enabled_module_labels(structure=demo)
    with schema_context(demo.schema_name):
        campaign = Campaign.objects.get()
        assert campaign.state == Campaign.State.SENT
        assert campaign.total > 0
        assert Recipient.objects.filter(campaign=campaign, state="sent").count() == campaign.total
