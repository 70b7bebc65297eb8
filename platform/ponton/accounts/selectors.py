from __future__ import annotations

from ponton.accounts.models import Membership, User


def membership_for(*, user: User, structure) -> Membership | None:
    if not user.is_authenticated or structure is None or structure.is_platform:
        return None
    return (
        Membership.objects.filter(
            user=user, structure=structure, is_active=True, user__is_active=True
        )
        .select_related("user")
        .first()
    )


def structure_memberships(*, structure):
    return (
        Membership.objects.filter(structure=structure)
        .select_related("user")
        .order_by("user__last_name", "user__email")
    )
