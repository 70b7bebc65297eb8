"""Access checks for Club Manager views: who may open what, on which structure.

`staff_view("perm")` wraps a view: anonymous users go to the login page; a user who is not
an active member of the structure of the request's host gets 403; a member whose role lacks
the permission gets 403. `public_view` marks the few views anyone may open. The URL test
walks every pattern and fails on a view that is neither.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404

from ponton.accounts.permissions import role_has
from ponton.accounts.selectors import membership_for


def check_staff_access(request, permission: str):
    """Return the membership, or raise PermissionDenied / Http404."""
    structure = getattr(request, "tenant", None)
    if structure is None or structure.is_platform:
        raise Http404
    read = getattr(request.user, "membership_read", None)  # with the API token
    if read is not None and read[0] == structure.pk:
        membership = read[1]
    else:
        membership = membership_for(user=request.user, structure=structure)
    if membership is None:
        raise PermissionDenied("not a member of this structure")
    if not role_has(membership.role, permission):
        raise PermissionDenied(f"role {membership.role} lacks {permission}")
    request.membership = membership
    return membership


def staff_view(permission: str) -> Callable:
    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            check_staff_access(request, permission)
            return view(request, *args, **kwargs)

        wrapped.ponton_permission = permission  # type: ignore[attr-defined]
        return wrapped

    return decorator


def public_view(view: Callable) -> Callable:
    view.ponton_public = True  # type: ignore[attr-defined]
    return view


def operator_view(view: Callable) -> Callable:
    """Platform console: platform operators only, on the platform domain."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        structure = getattr(request, "tenant", None)
        if structure is None or not structure.is_platform:
            raise Http404
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_platform_operator:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapped.ponton_permission = "platform.operator"  # type: ignore[attr-defined]
    return wrapped
