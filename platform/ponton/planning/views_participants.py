"""Club Manager > Planning > a session > "Participants" (PL-4): the list of the session's
participants (consumer, payer, rate, payment state), rows to tick, and the export of the ticked
rows or of all of them as CSV (French Excel) or Excel. Sending an SMS or a Click & Pay reminder
to the ticked rows: the Click & Pay reminder (payments) and the modules' buttons
(`ponton_participants_actions`, e.g. the SMS module's "Envoyer un sms")."""

from __future__ import annotations

from typing import cast

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ponton.accounts.access import staff_view
from ponton.accounts.permissions import role_has
from ponton.billing.selectors_participants import Participant, session_participants
from ponton.planning import exports, selectors
from ponton.plugins.manager import hooks_for

EXPORTS = {
    # button value: (only the ticked rows?, format)
    "selection_csv": (True, "csv"),
    "selection_xlsx": (True, "xlsx"),
    "all_csv": (False, "csv"),
    "all_xlsx": (False, "xlsx"),
}


class ParticipantExportForm(forms.Form):
    selected = forms.MultipleChoiceField(
        label=gettext_lazy("Participants sélectionnés"),
        required=False,
        error_messages={
            "invalid_choice": gettext_lazy(
                "Un participant sélectionné n'est plus inscrit à cette séance : rechargez la page."
            )
        },
    )
    export = forms.ChoiceField(choices=[(key, key) for key in EXPORTS])

    def __init__(self, *args, rows: list[Participant], **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows
        cast(forms.MultipleChoiceField, self.fields["selected"]).choices = [
            (row.key, row.consumer) for row in rows
        ]

    def clean(self):
        data = super().clean()
        only_selected, _format = EXPORTS.get(data.get("export"), (False, ""))
        if only_selected and "selected" in data and not data["selected"]:
            self.add_error("selected", _("Cochez au moins un participant à exporter."))
        return data

    def chosen(self) -> tuple[list[Participant], str]:
        only_selected, file_format = EXPORTS[self.cleaned_data["export"]]
        if not only_selected:
            return self.rows, file_format
        keys = set(self.cleaned_data["selected"])
        return [row for row in self.rows if row.key in keys], file_format


def _download(session, rows: list[Participant], file_format: str) -> HttpResponse:
    starts = timezone.localtime(session.starts_at)
    name = f"participants-{slugify(session.product.name)}-{starts:%Y-%m-%d-%Hh%M}"
    if file_format == "xlsx":
        body = exports.participants_xlsx(rows, title=f"{starts:%d-%m-%Y %Hh%M}")
        content_type = exports.XLSX_CONTENT_TYPE
    else:
        body = exports.participants_csv(rows)
        content_type = exports.CSV_CONTENT_TYPE
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}.{file_format}"'
    return response


def _module_actions(request, session) -> list:
    """Buttons of the modules that are on (the SMS module's "Envoyer un sms"): they submit the
    ticked rows to the module."""
    if not role_has(request.membership.role, "module.use"):
        return []
    items = [
        item
        for items in hooks_for(request.tenant).ponton_participants_actions(
            structure=request.tenant, session=session, user=request.user
        )
        for item in (items or [])
    ]
    return sorted(items, key=lambda i: (i.order, i.label))


@staff_view("customers.view")
def planning_participants(request, session_id: int):
    session = selectors.access_session(session_id=session_id)
    rows = session_participants(session=session)
    status = 200
    if request.method == "POST":
        form = ParticipantExportForm(data=request.POST, rows=rows)
        if form.is_valid():
            chosen, file_format = form.chosen()
            return _download(session, chosen, file_format)
        messages.error(request, _("La liste n'a pas été exportée : corrigez la sélection."))
        status = 400
    else:
        form = ParticipantExportForm(rows=rows)
    selected = set(form["selected"].value() or [])
    return render(
        request,
        "planning/participants.html",
        {
            "session": session,
            "rows": [(row, row.key in selected) for row in rows],
            "form": form,
            "headers": exports.headers(),
            "module_actions": _module_actions(request, session),
        },
        status=status,
    )
