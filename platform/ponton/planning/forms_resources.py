"""Forms of resources (RE-1): Paramètres > Ressources, an activity's needs, a session's
resources and the "free resources" search. The services check everything again."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ponton.catalogue.models import Site
from ponton.planning.models import Resource
from ponton.planning.selectors_resources import resource_list

FOREIGN = _("Cette ressource n'existe pas dans votre structure.")


def _time(label) -> forms.TimeField:
    return forms.TimeField(
        label=label,
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )


def _date(label) -> forms.DateField:
    return forms.DateField(
        label=label, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


class ResourceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type de ressource"), choices=Resource.Kind.choices)
    name = forms.CharField(label=_("Nom"), max_length=120)
    quantity = forms.IntegerField(
        label=_("Nombre"),
        min_value=1,
        initial=1,
        help_text=_("Pour le matériel : combien en a la structure (« Laser ×6 »)."),
    )
    site = forms.ModelChoiceField(label=_("Site"), queryset=Site.objects.none(), required=False)
    available_from = _time(_("Disponible à partir de"))
    available_until = _time(_("Disponible jusqu'à"))

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = Site.objects.order_by("name", "pk")  # type: ignore[attr-defined]
        if editing:  # the kind stays: the bookings depend on it
            del self.fields["kind"]


class AbsenceForm(forms.Form):
    starts_on = _date(_("Absent(e) du"))
    ends_on = _date(_("Au"))
    reason = forms.CharField(label=_("Motif"), max_length=120, required=False)


class _ResourceChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.label


class NeedForm(forms.Form):
    resource = _ResourceChoice(
        label=_("Ressource"),
        queryset=Resource.objects.none(),
        error_messages={"invalid_choice": FOREIGN},
    )
    quantity = forms.IntegerField(label=_("Quantité"), min_value=1, initial=1)
    per_participant = forms.BooleanField(
        label=_("Par participant"),
        required=False,
        help_text=_("Matériel seulement : par exemple 1 Laser par participant."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resource"].queryset = resource_list()


class SessionResourceForm(NeedForm):
    """Assign a resource to a planned session."""


class FreeSearchForm(forms.Form):
    date = _date(_("Date"))
    start_time = forms.TimeField(
        label=_("Heure de début"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    end_time = forms.TimeField(
        label=_("Heure de fin"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )

    def clean(self):
        data = super().clean()
        if (
            data.get("start_time")
            and data.get("end_time")
            and data["end_time"] <= data["start_time"]
        ):
            self.add_error("end_time", _("La fin doit être après le début."))
        return data
