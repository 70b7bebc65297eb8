"""The till's archives (PO-7), reached from "Historique des clôtures": the list, producing the
archive of a closed month or year on demand, and the download (a private file, served only
through this view)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from modules.pos.archives import till_archive_produce
from modules.pos.models import TillArchive
from modules.pos.selectors import access_till
from modules.pos.services import TillError
from ponton.accounts.access import staff_view


def _periods(today: dt.date) -> list[tuple[str, str, str]]:
    """The closed months of the last two years and the last closed years: (period, day, label)."""
    months = []
    first = today.replace(day=1)
    for _i in range(24):
        first = (first - dt.timedelta(days=1)).replace(day=1)
        months.append(("month", first.isoformat(), first.strftime("%m/%Y")))
    years = [
        ("year", dt.date(today.year - n, 1, 1).isoformat(), str(today.year - n)) for n in (1, 2)
    ]
    return months + years


@staff_view("till.sell")
def archives(request, till_id: int):
    till = access_till(till_id)
    return render(
        request,
        "pos/archives.html",
        {
            "till": till,
            "archives": TillArchive.objects.filter(till=till),
            "periods": _periods(timezone.localdate()),
        },
    )


@staff_view("till.sell")
@require_POST
def archive_produce(request, till_id: int):
    till = access_till(till_id)
    period, _sep, raw_day = request.POST.get("which", "").partition(":")
    try:
        day = dt.date.fromisoformat(raw_day)
    except ValueError:
        messages.error(request, _("Choisissez une période."))
        return redirect("till:archives", till_id=till.pk)
    try:
        archive = till_archive_produce(till=till, period=period, day=day)
    except TillError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(
            request,
            _("Archive du %(first)s au %(last)s prête (%(tickets)s tickets).")
            % {
                "first": archive.first_day.strftime("%d/%m/%Y"),
                "last": archive.last_day.strftime("%d/%m/%Y"),
                "tickets": archive.tickets,
            },
        )
    return redirect("till:archives", till_id=till.pk)


@staff_view("till.sell")
def archive_download(request, till_id: int, archive_id: int):
    till = access_till(till_id)
    archive = TillArchive.objects.filter(pk=archive_id, till=till).first()
    if archive is None:
        raise Http404
    name = archive.file.name.rsplit("/", 1)[-1]
    return FileResponse(archive.file.open("rb"), as_attachment=True, filename=name)
