"""Creating a structure: schema cloned from the template, domain, owner, module switches."""

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from ponton.accounts.models import Membership, Role
from ponton.catalogue.models import Site
from tenants.cloning import schema_exists
from tenants.models import Domain, ModuleSubscription

pytestmark = pytest.mark.real_clone


def _tables(schema):
    with connection.cursor() as cur:
        cur.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s ORDER BY 1",
            [schema],
        )
        return [r[0] for r in cur.fetchall()]


def _migrations(schema):
    with connection.cursor() as cur:
        cur.execute(f'SELECT app, name FROM "{schema}".django_migrations ORDER BY app, name')
        return cur.fetchall()


def test_structure_create_clones_the_template_schema(make_structure, settings):
    """EG-1 (last step): schema, domain, owner and modules exist."""
    structure, owner = make_structure(name="Club de voile de Brest", slug="cvbrest")

    assert structure.schema_name == "s_cvbrest"
    assert schema_exists("s_cvbrest")
    assert _tables("s_cvbrest") == _tables(settings.TENANT_BASE_SCHEMA)
    assert _migrations("s_cvbrest") == _migrations(settings.TENANT_BASE_SCHEMA)
    assert Domain.objects.get(tenant=structure).domain == "cvbrest.localhost"
    assert Membership.objects.get(structure=structure).user == owner
    assert Membership.objects.get(structure=structure).role == Role.OWNER
    assert not owner.has_usable_password() or owner.check_password("Un-mot-de-passe-de-test-42")
    subs = dict(
        ModuleSubscription.objects.filter(structure=structure).values_list("module", "enabled")
    )
    assert subs == {
        "forum": True,
        "sms": False,
        "ffvoile": False,
        "emarketing": False,
        "pos": False,
        "testmodule": False,
    }


def test_cloned_schema_is_usable_and_isolated(make_structure):
    a, _ = make_structure(slug="clubaa")
    b, _ = make_structure(slug="clubbb")
    with schema_context(a.schema_name):
        Site.objects.create(name="Plage du Moulin")
        Site.objects.create(name="Port")
    with schema_context(b.schema_name):
        site = Site.objects.create(name="Lac")
        assert site.pk == 1  # identity sequences start after the template's rows
        assert list(Site.objects.values_list("name", flat=True)) == ["Lac"]
    with schema_context(a.schema_name):
        assert list(Site.objects.values_list("name", flat=True)) == ["Plage du Moulin", "Port"]


def test_structure_create_refuses_taken_or_reserved_slug(make_structure):
    import pytest

    from tenants.services import StructureError

    make_structure(slug="prise")
    with pytest.raises(StructureError, match="déjà pris"):
        make_structure(slug="prise")
    with pytest.raises(StructureError, match="pas utilisable"):
        make_structure(slug="console")
    assert not schema_exists("s_console")
