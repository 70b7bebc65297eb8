from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def forbidden(request, exception=None):
    return render(request, "web/403.html", status=403)


def not_found(request, exception=None):
    # Under /api/ a path that matches no endpoint (an id that is not a number...) answers as
    # every 404 of the API does: JSON, as its schema says.
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Pas trouvé.")}, status=404)
    return render(request, "web/404.html", status=404)
