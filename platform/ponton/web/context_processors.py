from __future__ import annotations

from django.conf import settings


def ponton(request) -> dict:
    structure = getattr(request, "tenant", None)
    context = {
        "platform_name": settings.PLATFORM_NAME,
        "structure": structure if structure is not None and not structure.is_platform else None,
        "on_platform": structure is None or structure.is_platform,
        "show_outbox": settings.SHOW_OUTBOX,
    }
    membership = getattr(request, "membership", None)
    if membership is not None:
        from ponton.accounts.permissions import role_has
        from ponton.web.menu import manager_menu

        context["membership"] = membership
        context["manager_menu"] = manager_menu(request, structure, membership)
        context["can_sell"] = role_has(membership.role, "sales.manage")
        context["notification_bell"] = _notification_bell(structure, request.user.id)
    return context


def _notification_bell(structure, user_id: int):
    """The bell's unread count and latest notifications (NO-1), read only if a page shows it."""
    from django.utils.functional import SimpleLazyObject

    from realtime.selectors import notifications_menu

    return SimpleLazyObject(lambda: notifications_menu(structure=structure, user_id=user_id))
