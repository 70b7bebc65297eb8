"""The product's own error pages (never Django's debug or English pages).

403 and 404 render in the site's layout with the request's context. 400 and 500 render the
standalone `web/error.html` WITHOUT the request's context processors: the error may come from
the very thing they read (the database, the session, the structure), so the page only needs
the templates and the static URL.
"""

from __future__ import annotations

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _

# When even the standalone template fails (a broken installation), this still answers French.
LAST_RESORT = (
    '<!doctype html><html lang="fr"><meta charset="utf-8"><title>Erreur</title>'
    "<h1>Une erreur est survenue</h1><p>Réessayez dans un instant.</p></html>"
)


def standalone_error(*, status: int, title: str, message: str) -> HttpResponse:
    """An error page rendered without the request (no context processors, no database)."""
    try:
        body = loader.get_template("web/error.html").render(
            {"status": status, "title": title, "message": message}
        )
    except Exception:  # noqa: BLE001 - an error page must answer whatever else is broken
        body = LAST_RESORT
    return HttpResponse(body, status=status)


def bad_request(request, exception=None):
    return standalone_error(
        status=400,
        title=_("Requête invalide"),
        message=_("Cette requête n'a pas pu être comprise. Vérifiez l'adresse et réessayez."),
    )


def forbidden(request, exception=None):
    return render(request, "web/403.html", status=403)


def csrf_failure(request, reason=""):
    return render(request, "web/403_csrf.html", status=403)


def not_found(request, exception=None):
    # Under /api/ a path that matches no endpoint (an id that is not a number...) answers as
    # every 404 of the API does: JSON, as its schema says.
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Pas trouvé.")}, status=404)
    return render(request, "web/404.html", status=404)


def server_error(request):
    return standalone_error(
        status=500,
        title=_("Une erreur est survenue"),
        message=_(
            "Le serveur n'a pas pu traiter cette page. L'erreur est enregistrée ; réessayez "
            "dans un instant."
        ),
    )


class DiskFullMiddleware:
    """A full disk met by a page that has no form to say it on (a custom field's file in a
    basket, the signup's last step, an upload's temporary file): a French page (507), never a
    traceback. The upload forms say it themselves (ponton.web.storage.DiskFullError)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from ponton.web.storage import disk_full, disk_full_message

        if not disk_full(exception):
            return None
        return standalone_error(status=507, title=_("Disque plein"), message=disk_full_message())
