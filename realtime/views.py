"""The staff notification centre (NO-1): list, mark read, mark all read, catch-up JSON."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from ponton.accounts.access import staff_view
from realtime import selectors, services


def _int_param(request, name: str) -> int | None:
    """A non-negative integer query parameter; None when absent; ValueError when malformed."""
    raw = request.GET.get(name)
    if raw is None or raw == "":
        return None
    value = int(raw)
    if value < 0:
        raise ValueError(name)
    return value


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _back(request):
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(next_url)
    return redirect("manager:notifications")


def _marked(request, ids: list[int]):
    unread = selectors.user_unread_count(structure=request.tenant, user_id=request.user.id)
    if _wants_json(request):
        return JsonResponse({"ids": ids, "unread_count": unread})
    return _back(request)


@staff_view("dashboard.view")
@require_GET
def notification_list(request):
    try:
        before = _int_param(request, "avant")
    except ValueError:
        return HttpResponseBadRequest(_("Paramètre « avant » invalide."))
    page = selectors.notifications_page(
        structure=request.tenant, user_id=request.user.id, before_id=before
    )
    return render(request, "realtime/notification_list.html", {"page": page, "before": before})


@staff_view("dashboard.view")
@require_POST
def notification_read(request, notification_id: int):
    notification = selectors.access_notification(
        structure=request.tenant, user_id=request.user.id, notification_id=notification_id
    )
    ids = services.notification_mark_read(
        structure=request.tenant, user_id=request.user.id, notification_ids=[notification.id]
    )
    return _marked(request, ids)


@staff_view("dashboard.view")
@require_POST
def notifications_read_all(request):
    ids = services.notification_mark_all_read(structure=request.tenant, user_id=request.user.id)
    if not _wants_json(request):
        if ids:
            messages.success(
                request,
                ngettext(
                    "%(count)d notification marquée comme lue.",
                    "%(count)d notifications marquées comme lues.",
                    len(ids),
                )
                % {"count": len(ids)},
            )
        else:
            messages.info(request, _("Aucune notification non lue."))
    return _marked(request, ids)


@staff_view("dashboard.view")
@require_GET
def notifications_since(request):
    """Catch-up after a dropped socket: `?apres=<last id seen>` (required) returns the user's
    notifications after it, oldest first, and the unread count; `&a_partir_de=<smallest id
    shown>` adds which ids from `unread_ids_from` on are still unread (read marks made in
    another tab meanwhile). `has_more`: ask again from the last id received."""
    try:
        after = _int_param(request, "apres")
        from_id = _int_param(request, "a_partir_de")
    except ValueError:
        after = None
    if after is None:
        return JsonResponse(
            {"error": _("Le paramètre « apres » (un identifiant, nombre entier) est requis.")},
            status=400,
        )
    catch_up = selectors.notifications_since(
        structure=request.tenant, user_id=request.user.id, after_id=after, from_id=from_id
    )
    return JsonResponse(
        {
            "notifications": catch_up.notifications,
            "unread_count": catch_up.unread_count,
            "unread_ids": catch_up.unread_ids,
            "unread_ids_from": catch_up.unread_ids_from,
            "has_more": catch_up.has_more,
        }
    )
