"""Who may call the API: a token of an active member of the host's structure, whose role has
the view's permission."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Subquery
from django.http import Http404
from rest_framework.authentication import TokenAuthentication
from rest_framework.permissions import BasePermission

from ponton.accounts.access import check_staff_access
from ponton.accounts.models import Membership


class MemberTokenAuthentication(TokenAuthentication):
    """DRF's token authentication ("Authorization: Token …") that also reads, in the same
    query, the user's active membership of the host's structure, which every API call checks
    (`IsStructureStaff`, `check_staff_access`): one statement fewer per call. An unknown token
    or an inactive user is refused by DRF's own checks, with its messages."""

    def authenticate(self, request):
        self.structure = getattr(request, "tenant", None)
        return super().authenticate(request)

    def authenticate_credentials(self, key):
        structure = self.structure
        if structure is None or structure.is_platform:
            return super().authenticate_credentials(key)
        memberships = Membership.objects.filter(
            user=OuterRef("user"), structure=structure, is_active=True
        )
        token = (
            self.get_model()
            .objects.select_related("user")
            .annotate(
                membership_id=Subquery(memberships.values("pk")[:1]),
                membership_role=Subquery(memberships.values("role")[:1]),
            )
            .filter(key=key, user__is_active=True)
            .first()
        )
        if token is None:
            return super().authenticate_credentials(key)  # refused there, with DRF's message
        user = token.user
        membership = None
        if token.membership_id is not None:
            membership = Membership(
                pk=token.membership_id,
                user=user,
                structure=structure,
                role=token.membership_role,
                is_active=True,
            )
        user.membership_read = (structure.pk, membership)
        return user, token


class IsStructureStaff(BasePermission):
    """API access: an active member of the host's structure whose role has the view's
    `required_permission`. A view that names no permission is refused (fail closed)."""

    def has_permission(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        permission = getattr(view, "required_permission", None)
        if permission is None:
            return False
        try:
            check_staff_access(request, permission)
        except (PermissionDenied, Http404):
            return False
        return True
