"""Live availability's catch-up over HTTP (MP-1): a shop page that (re)connects its socket asks
for the free seats of the sessions it shows."""

from __future__ import annotations

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ponton.accounts.access import public_view
from realtime.selectors import AVAILABILITY_MAX_IDS, public_seats_reading

ID_MAX = 2**63 - 1  # a session id is a bigint: a larger number names no session
ID_DIGITS = len(str(ID_MAX))


class BadSessionIdsError(ValueError):
    pass


def _session_ids(raw: str | None) -> set[int]:
    parts = (raw or "").split(",")
    if len(parts) > AVAILABILITY_MAX_IDS:
        raise BadSessionIdsError(
            _("Au plus %(max)s séances à la fois.") % {"max": AVAILABILITY_MAX_IDS}
        )
    if not all(part.isascii() and part.isdigit() and len(part) <= ID_DIGITS for part in parts):
        raise BadSessionIdsError(
            _("Paramètre « seances » attendu : des numéros de séances séparés par des virgules.")
        )
    return {pk for pk in map(int, parts) if 0 < pk <= ID_MAX}


@public_view
@require_GET
@never_cache
def availability(request):
    """`GET /disponibilites/?seances=1,2,3`: `{"sessions": {"1": {"free": 3, "capacity": 10}},
    "version": [xmax, -n]}` (the reading's order, as in `availability.changed`) for those of
    the sessions that the shop shows (published, not counter-only products); others (unknown,
    another structure's, drafts, counter-only) are left out. At most 200 ids; anything but
    comma-separated numbers is a 400 with a French message."""
    try:
        ids = _session_ids(request.GET.get("seances"))
    except BadSessionIdsError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    seats, version = public_seats_reading(session_ids=ids)
    return JsonResponse(
        {"sessions": {str(pk): seats[pk] for pk in sorted(seats)}, "version": version}
    )
