"""Fixtures of the statistics tests: the dated story of tests/support/stats_story.py."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from ponton.accounts.models import Role
from tenants.management.commands.seed_demo import ensure_platform
from tests.conftest import create_structure
from tests.support.stats_story import Clock, build_story


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture(scope="module")
def _story(django_db_setup, django_db_blocker, _schema_pool):
    """The data set, built once per test module in a new structure's schema, inside a
    transaction rolled back at the module's end; each test runs in a savepoint of it
    (pytest-django's `db`), so nothing a test changes reaches the next one."""
    with django_db_blocker.unblock(), pytest.MonkeyPatch.context() as patch:
        _schema_pool.replenish()
        patch.setattr("tenants.services.clone_schema", _schema_pool.clone)
        real_now = timezone.now
        outer = transaction.atomic()
        outer.__enter__()
        try:
            ensure_platform()
            structure, owner = create_structure(name="Club A")
            with schema_context(structure.schema_name):
                data = build_story(structure, Clock(patch))
            patch.setattr(timezone, "now", real_now)
            data.owner = owner
            yield data
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            connection.set_schema_to_public()


@pytest.fixture
def story(_story, db):
    """The story; the test runs inside its structure's schema."""
    with schema_context(_story.structure.schema_name):
        yield _story


@pytest.fixture
def accountant(story, make_member):
    return make_member(story.structure, role=Role.ACCOUNTANT)


@pytest.fixture
def cashier(story, make_member):
    return make_member(story.structure, role=Role.CASHIER)
