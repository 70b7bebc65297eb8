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


@transaction.atomic
def membership_invite(
    *, structure, email: str, first_name: str, last_name: str, role: str, base_url: str
) -> Membership:
    """Give a person a role in the structure and email them a link to set their password.

    `base_url` is the structure's address (scheme://host[:port]); no password is ever emailed.
    """
    if role not in Role.values:
        raise ValueError(role)
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
def membership_set_role(*, membership: Membership, role: str) -> Membership:
    if role not in Role.values:
        raise ValueError(role)
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_deactivate(*, membership: Membership) -> None:
    membership.is_active = False
    membership.save(update_fields=["is_active"])
