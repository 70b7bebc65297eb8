"""Writes on accounts: invitations, memberships, set-password links."""

from __future__ import annotations

from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from ponton.accounts.models import Membership, Role, User
from ponton.web.mail import email_send


def password_set_path(*, user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return reverse("password_set", kwargs={"uidb64": uid, "token": token})


def user_get_or_create(*, email: str, first_name: str = "", last_name: str = "") -> User:
    email = email.strip().lower()
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, first_name=first_name, last_name=last_name)
    return user


class MembershipError(Exception):
    """A refused change of the team, with a French message for the user."""


def _lock_team(*, structure_id: int, membership_pk: int | None) -> list[int]:
    """Lock the structure's active owner memberships (then the membership being changed) and
    return the owners' ids, so two changes at once cannot both remove "the other" owner."""
    owners = list(
        Membership.objects.select_for_update()
        .filter(structure_id=structure_id, role=Role.OWNER, is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if membership_pk is not None:
        list(Membership.objects.select_for_update().filter(pk=membership_pk).values_list("pk"))
    return owners


def _locked(membership: Membership) -> list[int]:
    """Lock as `_lock_team` and reload the membership's role and state under the lock."""
    owners = _lock_team(structure_id=membership.structure_id, membership_pk=membership.pk)
    membership.refresh_from_db(fields=["role", "is_active"])
    return owners


def _refuse_if_last_owner(*, membership: Membership, owners: list[int]) -> None:
    if owners == [membership.pk]:
        raise MembershipError(
            _(
                "Impossible : c'est le dernier Super Administrateur actif de la structure. "
                "Nommez d'abord un autre Super Administrateur."
            )
        )


def _refuse_unless_owner_may(*, by: Membership | None, membership_role: str, role: str) -> None:
    """Only a Super Administrateur names or changes a Super Administrateur."""
    if by is None or by.role == Role.OWNER:
        return
    if membership_role == Role.OWNER:
        raise MembershipError(
            _("Seul un Super Administrateur peut modifier un Super Administrateur.")
        )
    if role == Role.OWNER:
        raise MembershipError(
            _("Seul un Super Administrateur peut nommer un Super Administrateur.")
        )


@transaction.atomic
def membership_invite(
    *,
    structure,
    email: str,
    first_name: str,
    last_name: str,
    role: str,
    base_url: str,
    by: Membership | None = None,
) -> Membership:
    """Give a person a role in the structure and email them a link to set their password.

    `base_url` is the structure's address (scheme://host[:port]); no password is ever emailed.
    `by` is the inviting member (team page): an active member cannot be invited again (change
    their role instead) and only a Super Administrateur may invite a Super Administrateur.
    """
    if role not in Role.values:
        raise ValueError(role)
    existing = Membership.objects.filter(
        structure=structure, user__email=email.strip().lower()
    ).first()
    if existing is not None:
        owners = _locked(existing)
        if by is not None and existing.is_active:
            raise MembershipError(
                _("Cette personne fait déjà partie de l'équipe : changez son rôle dans la liste.")
            )
        _refuse_unless_owner_may(by=by, membership_role=existing.role, role=role)
        if existing.is_active and role != Role.OWNER:
            _refuse_if_last_owner(membership=existing, owners=owners)
    else:
        _refuse_unless_owner_may(by=by, membership_role="", role=role)
    user = user_get_or_create(email=email, first_name=first_name, last_name=last_name)
    membership, _created = Membership.objects.update_or_create(
        user=user, structure=structure, defaults={"role": role, "is_active": True}
    )
    link = (
        base_url + password_set_path(user=user)
        if not user.has_usable_password()
        else (base_url + reverse("login"))
    )
    email_send(
        to=[user.email],
        subject=_("Votre accès au Club Manager de %(name)s") % {"name": structure.name},
        template="accounts/email/invitation",
        structure_id=structure.pk,
        context={
            "user": user,
            "structure": structure,
            "link": link,
            "role": Role(role).label,
            "has_password": user.has_usable_password(),
        },
    )
    return membership


@transaction.atomic
def membership_set_role(
    *, membership: Membership, role: str, by: Membership | None = None
) -> Membership:
    """Change a member's role. The last active Super Administrateur keeps the role; only a
    Super Administrateur (`by`) names or changes a Super Administrateur."""
    if role not in Role.values:
        raise ValueError(role)
    owners = _locked(membership)
    _refuse_unless_owner_may(by=by, membership_role=membership.role, role=role)
    if role != Role.OWNER:
        _refuse_if_last_owner(membership=membership, owners=owners)
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_deactivate(*, membership: Membership, by: Membership | None = None) -> None:
    """Remove a member's access (the account and its history stay). Nobody deactivates
    themselves nor the last active Super Administrateur."""
    if by is not None and by.pk == membership.pk:
        raise MembershipError(_("Vous ne pouvez pas désactiver votre propre accès."))
    owners = _locked(membership)
    _refuse_unless_owner_may(by=by, membership_role=membership.role, role=membership.role)
    _refuse_if_last_owner(membership=membership, owners=owners)
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    from realtime.services import access_close  # realtime builds on accounts

    access_close(structure_id=membership.structure_id, user_id=membership.user_id)


@transaction.atomic
def membership_reactivate(*, membership: Membership, by: Membership | None = None) -> None:
    """Give a deactivated member their access back, with the role they had."""
    _locked(membership)
    _refuse_unless_owner_may(by=by, membership_role=membership.role, role=membership.role)
    membership.is_active = True
    membership.save(update_fields=["is_active"])


# --- API tokens (/api/v1/jeton/) ------------------------------------------------------------


@transaction.atomic
def api_token_issue(*, user: User) -> str:
    """The user's API token (created on first request). One token per person, valid on every
    structure where they are an active member: each request is checked against the host's
    structure (`IsStructureStaff`)."""
    from rest_framework.authtoken.models import Token

    token, _created = Token.objects.get_or_create(user=user)
    return token.key


@transaction.atomic
def api_token_revoke(*, user: User) -> None:
    """Delete the user's API token: every integration using it stops at once."""
    from rest_framework.authtoken.models import Token

    Token.objects.filter(user=user).delete()
