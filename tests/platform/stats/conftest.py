"""Fixtures of the statistics tests: the dated story of tests/support/stats_story.py."""

from __future__ import annotations

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from ponton.accounts.models import Role
from tests.support.stats_story import Clock, build_story


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture
def story(structure_a, clock, monkeypatch):
    """The data set, built in structure A's schema; the test runs inside that schema with the
    real clock back."""
    structure = structure_a[0]
    real_now = timezone.now
    with schema_context(structure.schema_name):
        data = build_story(structure, clock)
        monkeypatch.setattr(timezone, "now", real_now)
        data.owner = structure_a[1]
        yield data


@pytest.fixture
def accountant(story, make_member):
    return make_member(story.structure, role=Role.ACCOUNTANT)


@pytest.fixture
def cashier(story, make_member):
    return make_member(story.structure, role=Role.CASHIER)
