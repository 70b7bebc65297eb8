"""The structure's Stripe secrets are sealed in the database (ponton.web.sealed): the column
holds ciphertext, the model gives the clear value, Django's SECRET_KEY rotation keeps them
readable, and keys saved in clear before are sealed by the migration."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.db import connection
from django_tenants.utils import schema_context

from ponton.payments.gateway import StripeGateway, gateway_for_current_structure
from ponton.payments.models import StripeAccount

SECRET = "sk_test_sealed_0123456789"
WEBHOOK = "whsec_sealed_0123456789"

migration = importlib.import_module("ponton.payments.migrations.0002_sealed_stripe_secrets")


@pytest.fixture
def in_structure(structure_a):
    with schema_context(structure_a[0].schema_name):
        yield structure_a[0]


def stored() -> tuple[str, str]:
    with connection.cursor() as cur:
        cur.execute("SELECT secret_key, webhook_secret FROM payments_stripeaccount")
        return cur.fetchone()


def test_secrets_are_ciphertext_in_the_table_and_clear_in_the_model(in_structure):
    StripeAccount.objects.create(
        publishable_key="pk_test_x", secret_key=SECRET, webhook_secret=WEBHOOK
    )
    secret_column, webhook_column = stored()
    for column, clear in ((secret_column, SECRET), (webhook_column, WEBHOOK)):
        assert column.startswith("sealed:") and clear not in column
    account = StripeAccount.objects.get()
    assert (account.secret_key, account.webhook_secret) == (SECRET, WEBHOOK)
    gateway = gateway_for_current_structure()
    assert isinstance(gateway, StripeGateway) and gateway._secret_key == SECRET


def test_secret_key_rotation(in_structure, settings):
    """A new SECRET_KEY with the old one in SECRET_KEY_FALLBACKS still opens the secrets; a
    save seals them under the new key; without the old key they read as empty and the
    account is no longer configured (the structure enters its keys again)."""
    StripeAccount.objects.create(
        publishable_key="pk_test_x", secret_key=SECRET, webhook_secret=WEBHOOK
    )
    old = settings.SECRET_KEY
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "a-new-test-key", [old]
    account = StripeAccount.objects.get()
    assert account.secret_key == SECRET and account.configured
    account.save()
    settings.SECRET_KEY_FALLBACKS = []
    assert StripeAccount.objects.get().secret_key == SECRET
    settings.SECRET_KEY = "yet-another-test-key"
    lost = StripeAccount.objects.get()
    assert lost.secret_key == "" and not lost.configured


def test_migration_seals_keys_saved_in_clear_and_reverses(in_structure):
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO payments_stripeaccount (publishable_key, secret_key, webhook_secret, "
            "updated_at) VALUES ('pk_test_x', %s, %s, now())",
            [SECRET, WEBHOOK],
        )
    assert stored() == (SECRET, WEBHOOK)
    assert StripeAccount.objects.get().secret_key == SECRET  # read as it is before sealing
    migration.seal_existing(apps, None)
    assert all(column.startswith("sealed:") for column in stored())
    with connection.schema_editor() as editor:
        migration.unseal_existing(apps, editor)
    assert stored() == (SECRET, WEBHOOK)
