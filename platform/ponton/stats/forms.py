"""The statistics filters (ST-1, ST-2): period (du/au), grouping, site, activity or product,
category. Refusals are French and name the field: an inverted or absurd range, too many points
for one chart."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ponton.catalogue.models import Category, Product, Site
from ponton.stats.periods import MAX_BUCKETS, Period, default_period
from ponton.stats.selectors import Filters

FIRST_YEAR, LAST_YEAR = 2000, 2100
GROUPING_CHOICES = [
    ("day", gettext_lazy("Jour")),
    ("week", gettext_lazy("Semaine")),
    ("month", gettext_lazy("Mois")),
    ("year", gettext_lazy("Année")),
]


class _CategoryChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return str(obj)


def _date_field(label) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class StatsFilterForm(forms.Form):
    start = _date_field(gettext_lazy("Du"))
    end = _date_field(gettext_lazy("Au"))
    grouping = forms.ChoiceField(
        label=gettext_lazy("Regroupement"), choices=GROUPING_CHOICES, required=False
    )
    site = forms.ModelChoiceField(
        label=gettext_lazy("Site"),
        queryset=Site.objects.order_by("name"),
        required=False,
        empty_label=gettext_lazy("Tous les sites"),
    )
    product = forms.ModelChoiceField(
        label=gettext_lazy("Produit"),
        queryset=Product.objects.order_by("name"),
        required=False,
        empty_label=gettext_lazy("Tous les produits"),
    )
    category = _CategoryChoice(
        label=gettext_lazy("Catégorie"),
        queryset=Category.objects.select_related("parent").order_by(
            "parent__position", "parent__name", "position", "name"
        ),
        required=False,
        empty_label=gettext_lazy("Toutes les catégories"),
    )

    def __init__(self, *args, activities_only: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if activities_only:
            field = self.fields["product"]
            assert isinstance(field, forms.ModelChoiceField)
            field.label = _("Activité")
            field.empty_label = _("Toutes les activités")
            field.queryset = Product.objects.filter(kind=Product.Kind.ACTIVITY).order_by("name")
        default = default_period()
        self.initial.setdefault("start", default.start)
        self.initial.setdefault("end", default.end)
        self.initial.setdefault("grouping", default.grouping)

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        start, end = data.get("start"), data.get("end")
        today = timezone.localdate()
        if start is None and end is None:
            start, end = default_period(today).start, default_period(today).end
        elif start is None:
            start = dt.date(end.year, 1, 1)
        elif end is None:
            end = dt.date(start.year, 12, 31)
        for name, day in (("start", start), ("end", end)):
            if not FIRST_YEAR <= day.year <= LAST_YEAR:
                self.add_error(
                    name,
                    _("Choisissez une date entre %(first)s et %(last)s.")
                    % {"first": FIRST_YEAR, "last": LAST_YEAR},
                )
        if self.errors:
            return data
        if start > end:
            self.add_error("end", _("La date de fin précède la date de début."))
            return data
        period = Period(start, end, data.get("grouping") or "month")
        count = period.bucket_count()
        if count > MAX_BUCKETS:
            self.add_error(
                "grouping",
                _(
                    "Cette période compte %(count)s points pour ce regroupement, %(max)s au plus : "
                    "choisissez un regroupement plus large ou une période plus courte."
                )
                % {"count": f"{count:,}".replace(",", " "), "max": MAX_BUCKETS},
            )
            return data
        data["period"] = period
        return data

    def period(self) -> Period:
        """The period asked for (the default one before any filter)."""
        if self.is_bound and self.is_valid():
            return self.cleaned_data["period"]
        return default_period()

    def filters(self) -> Filters:
        if not (self.is_bound and self.is_valid()):
            return Filters()
        data = self.cleaned_data
        return Filters(
            site_id=data["site"].pk if data.get("site") else None,
            product_id=data["product"].pk if data.get("product") else None,
            category_id=data["category"].pk if data.get("category") else None,
        )
