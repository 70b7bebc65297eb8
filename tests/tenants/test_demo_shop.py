"""The demo structure of `make run` has a shop worth browsing (MP-1): open (CGV), published
activities with bookable sessions over the next weeks, photos, a shop item sold online, a
membership, an activity with a mandatory associated product."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context

from ponton.catalogue.models import Product, ProductAssociation, ProductPhoto
from ponton.shop.selectors import shop_is_open
from tenants.management.commands.seed_demo import DEMO_SLUG
from tenants.models import Structure
from tests.support.files import forget_media_root


@pytest.fixture
def demo(db, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    forget_media_root()
    call_command("seed_demo", stdout=io.StringIO())
    yield Structure.objects.get(slug=DEMO_SLUG)
    forget_media_root()


def test_the_demo_shop_is_open_with_something_to_book(demo):
    """MP-1: CGV stored privately, the shop open, photos, sessions bookable online."""
    assert shop_is_open(demo) == (True, "")
    assert demo.cgv.name.startswith("structures/cgv/")
    with schema_context(demo.schema_name):
        assert demo.cgv.open("rb").read(5) == b"%PDF-"
        assert ProductPhoto.objects.count() == 4
        association = ProductAssociation.objects.get(mandatory=True)
        assert association.associated.name == "Licence FFVoile journée"
        initiation = association.product
        assert initiation.sessions.count() == 24  # 4 a week, 6 weeks
    connection.set_schema_to_public()
    client = Client(HTTP_HOST=demo.get_primary_domain().domain)
    home = client.get("/").content.decode()
    for name in ("Stage catamaran", "Initiation voile", "Gourde de la base", "Adhésion"):
        assert name in home
    assert "T-shirt de la base" not in home  # counter-only
    assert "Licence FFVoile journée" not in home  # sold only as an associated product
    assert home.count('src="/media/') >= 4  # thumbnails
    paths = re.findall(r'href="(/activites/\d+-[a-z0-9-]+/)"', home)
    assert len(paths) == 4
    page = client.get(paths[0]).content.decode()
    assert "data-book-session=" in page and "Semaine du" in page
    with schema_context(demo.schema_name):
        url = f"/activites/{initiation.pk}-initiation-voile-demi-journee/"
    connection.set_schema_to_public()
    page = client.get(url).content.decode()
    assert "Licence FFVoile journée" in page and "ajouté automatiquement" in page
    with schema_context(demo.schema_name):
        assert Product.objects.filter(kind="membership", status="published").exists()
