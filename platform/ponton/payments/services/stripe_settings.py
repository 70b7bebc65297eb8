"""A structure's own Stripe account, entered in its settings."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils.translation import gettext as _

from ponton.payments.models import StripeAccount
from ponton.payments.services.common import (
    PaymentsError,
)
from ponton.sales.services import Actor

logger = logging.getLogger("ponton.payments")

# Settings --------------------------------------------------------------------------------


@transaction.atomic
def stripe_account_save(
    *, publishable_key: str, secret_key: str, webhook_secret: str, actor: Actor
) -> StripeAccount:
    """Save the structure's Stripe keys. An empty secret keeps the stored one (the form never
    shows secrets back); keys are checked for their Stripe prefixes."""
    account = StripeAccount.objects.select_for_update().first() or StripeAccount()
    publishable_key = (publishable_key or "").strip()
    secret_key = (secret_key or "").strip() or account.secret_key
    webhook_secret = (webhook_secret or "").strip() or account.webhook_secret
    if publishable_key and not publishable_key.startswith("pk_"):
        raise PaymentsError(
            _("La clé publiable Stripe commence par « pk_ »."), field="publishable_key"
        )
    if secret_key and not secret_key.startswith(("sk_", "rk_")):
        raise PaymentsError(
            _("La clé secrète Stripe commence par « sk_ » (ou « rk_ »)."), field="secret_key"
        )
    if webhook_secret and not webhook_secret.startswith("whsec_"):
        raise PaymentsError(
            _("Le secret de signature des webhooks commence par « whsec_ »."),
            field="webhook_secret",
        )
    filled = [bool(publishable_key), bool(secret_key), bool(webhook_secret)]
    if any(filled) and not all(filled):
        field = ("publishable_key", "secret_key", "webhook_secret")[filled.index(False)]
        raise PaymentsError(
            _("Renseignez les trois clés Stripe, ou aucune pour la passerelle de test."),
            field=field,
        )
    account.publishable_key = publishable_key
    account.secret_key = secret_key
    account.webhook_secret = webhook_secret
    account.updated_by_id = actor.account_id
    account.save()
    return account


@transaction.atomic
def stripe_account_clear(*, actor: Actor) -> None:
    """Forget the Stripe keys: the test gateway is used again."""
    StripeAccount.objects.all().delete()
