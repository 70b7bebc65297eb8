from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework.permissions import BasePermission

from ponton.accounts.access import check_staff_access


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
