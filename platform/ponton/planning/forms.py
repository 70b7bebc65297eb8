from django import forms
from django.utils.translation import gettext_lazy as _

from ponton.planning import selectors

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
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class RecurrenceForm(forms.Form):
    """PL-1 "Ajouter des dates": recurring sessions over a period (one date: same start and end
    date, its weekday)."""

    product = forms.ModelChoiceField(label=_("Activité"), queryset=None)
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
        label=_("Heure de début"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    end_time = forms.TimeField(
        label=_("Heure de fin"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    capacity = forms.IntegerField(label=_("Nombre de places"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = selectors.activity_list()
