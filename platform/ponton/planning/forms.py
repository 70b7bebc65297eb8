from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ponton.planning import selectors
from ponton.planning.services import capacity_refusal
from ponton.web.bounds import date_refusal

if TYPE_CHECKING:
    from ponton.catalogue.models import Product

WEEKDAYS = [
    ("0", _("Lundi")),
    ("1", _("Mardi")),
    ("2", _("Mercredi")),
    ("3", _("Jeudi")),
    ("4", _("Vendredi")),
    ("5", _("Samedi")),
    ("6", _("Dimanche")),
]


class WeekForm(forms.Form):
    week = forms.DateField(
        label=_("Sélectionnez la semaine"),
        required=False,
        # An <input type="date"> only takes yyyy-mm-dd: the French dd/mm/yyyy is dropped.
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class RecurrenceForm(forms.Form):
    """PL-1 "Ajouter des dates": recurring sessions over a period (one date: same start and end
    date, its weekday)."""

    product: forms.ModelChoiceField[Product] = forms.ModelChoiceField(
        label=_("Activité"), queryset=None
    )
    start_date = forms.DateField(
        label=_("Du"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    end_date = forms.DateField(
        label=_("Au"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    weekdays = forms.MultipleChoiceField(
        label=_("Jours de la semaine"),
        choices=WEEKDAYS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    start_time = forms.TimeField(
        label=_("Heure de début"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    end_time = forms.TimeField(
        label=_("Heure de fin"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    capacity = forms.IntegerField(label=_("Nombre de places"))
    skip_holidays = forms.BooleanField(
        label=_("Ne pas créer les séances des jours fériés"),
        required=False,
        help_text=_("Jours fériés de France (25 décembre, 1er janvier, 14 juillet…)."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = selectors.activity_list()


# --- PL-3 planning views: the date pickers of the day and month views -----------------------


class DayForm(forms.Form):
    date = forms.DateField(
        label=_("Sélectionnez le jour"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class MonthForm(forms.Form):
    date = forms.DateField(
        label=_("Sélectionnez le mois"),
        required=False,
        input_formats=["%Y-%m", "%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )


# --- PL-2 change a session, PL-1 "Ajouter une autre séance" -----------------------------------


def local_datetime(day: dt.date, time: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=timezone.get_current_timezone())


class SessionMoveForm(forms.Form):
    """PL-2: move a session to a new date and times (the service checks end after start)."""

    date = forms.DateField(
        label=_("Nouvelle date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    start_time = forms.TimeField(
        label=_("Heure de début"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    end_time = forms.TimeField(
        label=_("Heure de fin"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )

    def times(self) -> tuple[dt.datetime, dt.datetime]:
        data = self.cleaned_data
        return (
            local_datetime(data["date"], data["start_time"]),
            local_datetime(data["date"], data["end_time"]),
        )


class SessionCapacityForm(forms.Form):
    """PL-2: change the capacity (the service refuses less than the seats sold)."""

    capacity = forms.IntegerField(label=_("Nombre de places"))


class SessionRowForm(forms.Form):
    """One session of "Ajouter une autre séance" (PL-1). Rows are checked here, with the service's
    own messages, so a bad row shows its error on that row; the service checks again."""

    date = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    start_time = forms.TimeField(
        label=_("Heure de début"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    end_time = forms.TimeField(
        label=_("Heure de fin"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    capacity = forms.IntegerField(label=_("Nombre de places"))

    def clean_date(self) -> dt.date:
        day = self.cleaned_data["date"]
        refusal = date_refusal(day)
        if refusal:
            raise forms.ValidationError(refusal)
        return day

    def clean_capacity(self) -> int:
        capacity = self.cleaned_data["capacity"]
        refusal = capacity_refusal(capacity)
        if refusal:
            raise forms.ValidationError(refusal)
        return capacity

    def clean(self):
        data = super().clean()
        if data.get("date") and data.get("start_time") and data.get("end_time"):
            if data["end_time"] <= data["start_time"]:
                self.add_error("end_time", _("La fin doit être après le début."))
        return data

    def spec(self) -> tuple[dt.datetime, dt.datetime, int]:
        data = self.cleaned_data
        return (
            local_datetime(data["date"], data["start_time"]),
            local_datetime(data["date"], data["end_time"]),
            data["capacity"],
        )


SessionRowFormSet = forms.formset_factory(
    SessionRowForm, extra=0, min_num=1, validate_min=True, max_num=200, validate_max=True
)
