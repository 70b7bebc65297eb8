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


def access_membership(*, structure, membership_id: int) -> Membership:
    """A membership of this structure named in a URL; 404 for any other."""
    from django.http import Http404

    membership = (
        Membership.objects.filter(pk=membership_id, structure=structure)
        .select_related("user")
        .first()
    )
    if membership is None:
        raise Http404
    return membership
