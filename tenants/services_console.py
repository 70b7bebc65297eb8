"""Writes of the platform console (EG-3): activation keys, contracts received by post."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from ponton.accounts.models import User
from ponton.web.mail import email_send
from tenants.models import ActivationKey, ContractSignature, Structure, StructureState
from tenants.selectors import platform_url
from tenants.services import StructureError, structure_activate

# No 0/O, 1/I/L: a key is read from an email and typed by hand.
KEY_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
KEY_GROUPS = 4
KEY_GROUP_LENGTH = 4
MAX_VALID_DAYS = 365


def activation_key_generate() -> str:
    """A random key such as "K7QF-2MZP-9XWD-HT4C" (19 characters, about 79 bits)."""
    return "-".join(
        "".join(secrets.choice(KEY_ALPHABET) for _char in range(KEY_GROUP_LENGTH))
        for _group in range(KEY_GROUPS)
    )


@transaction.atomic
def activation_key_issue(
    *, intended_for: str, email: str, valid_days: int, issued_by: User | None
) -> ActivationKey:
    """Create a single-use activation key for a structure to come and email it, after commit,
    with the address of the signup wizard."""
    intended_for = intended_for.strip()
    email = email.strip().lower()
    if not intended_for:
        raise StructureError(_("Indiquez la structure à qui la clé est destinée."))
    if not 1 <= valid_days <= MAX_VALID_DAYS:
        raise StructureError(
            _("La durée de validité doit être comprise entre 1 et %(max)d jours.")
            % {"max": MAX_VALID_DAYS}
        )
    expires_at = timezone.now() + timedelta(days=valid_days)
    for _attempt in range(5):
        try:
            with transaction.atomic():
                key = ActivationKey.objects.create(
                    key=activation_key_generate(),
                    intended_for=intended_for,
                    email=email,
                    issued_by=issued_by,
                    expires_at=expires_at,
                )
            break
        except IntegrityError:  # the same random key twice: draw another one
            continue
    else:
        raise StructureError(_("Impossible de générer une clé unique, réessayez."))
    # The recipient reads French, whatever the language of the operator's browser.
    with translation.override(settings.LANGUAGE_CODE):
        email_send(
            to=[email],
            subject=_("Votre clé d'activation pour vous inscrire sur Ponton"),
            template="tenants/email/activation_key",
            context={
                "key": key,
                "signup_url": platform_url("/inscription/"),
                "expires": date_format(timezone.localtime(key.expires_at), "j F Y"),
            },
        )
    return key


@transaction.atomic
def contract_mark_received(*, structure: Structure, operator: User) -> ContractSignature:
    """The paper contract of a structure arrived by post: record it and open the structure.

    A structure suspended meanwhile by an operator stays suspended: receiving its contract
    does not lift a suspension."""
    contract = ContractSignature.objects.select_for_update().filter(structure=structure).first()
    if contract is None:
        raise StructureError(_("Cette structure n'a pas encore de contrat."))
    if contract.method != ContractSignature.Method.POST:
        raise StructureError(
            _("Ce contrat a été signé électroniquement : aucun courrier n'est attendu.")
        )
    if contract.received_at is not None:
        raise StructureError(
            _("Le contrat signé de cette structure a déjà été marqué comme reçu le %(date)s.")
            % {"date": date_format(timezone.localtime(contract.received_at), "j F Y")}
        )
    contract.received_at = timezone.now()
    contract.received_by = operator
    contract.save(update_fields=["received_at", "received_by"])
    structure.refresh_from_db(fields=["state"])
    if structure.state == StructureState.CONTRACT_PENDING:
        structure_activate(structure=structure)
    return contract
