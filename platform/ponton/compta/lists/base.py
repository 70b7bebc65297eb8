"""CO-2: what every list of Compta > Listes is made of, declared once.

A `ListDefinition` names its filters (a Django form read from GET parameters, so a filtered
list is a bookmarkable URL), its base queryset, its fields (each a
`ponton.web.spreadsheets.Column` plus how it sorts and whether it has a total) and its totals
(one aggregate over every filtered row, not just the page). The page, the Excel file and the
CSV file are all made from that one definition: an export holds exactly the filtered rows,
in the order of the page.

Rows are `values()` dictionaries: the page reads one bounded slice of them, the exports
stream them from the database with `.iterator(chunk_size=...)`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from django import forms
from django.db.models import DecimalField, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ponton.web.bounds import TOTAL_MAX, date_refusal
from ponton.web.spreadsheets import Column

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

PAGE_SIZE = 50
MAX_PAGES = 200  # beyond 10,000 rows, filter more or export: deep OFFSETs are not served
EXPORT_CHUNK = 2000
MONEY: DecimalField = DecimalField(max_digits=14, decimal_places=2)


@dataclass(frozen=True)
class Field:
    """One column of a list: the spreadsheet column (French title, kind, value of a row),
    the ORM fields it sorts by (none: not sortable) and the name of its total, if any."""

    key: str
    column: Column
    sort: tuple[str, ...] = ()
    total: str | None = None
    link: Callable[[dict], str | None] | None = None


def date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def amount_field(label: StrOrPromise) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=TOTAL_MAX,
        localize=True,
    )


def product_field() -> forms.ModelChoiceField:
    from ponton.catalogue.models import Product

    return forms.ModelChoiceField(
        label=gettext_lazy("Produit"),
        required=False,
        empty_label=gettext_lazy("Tous"),
        queryset=Product.objects.order_by("name", "pk"),
    )


def site_field() -> forms.ModelChoiceField:
    from ponton.catalogue.models import Site

    return forms.ModelChoiceField(
        label=gettext_lazy("Site"),
        required=False,
        empty_label=gettext_lazy("Tous"),
        queryset=Site.objects.order_by("name", "pk"),
    )


class ListFilters(forms.Form):
    """The filters every list has: a period ("Du" / "Au"), and an amount range when
    `amounts` is set. Subclasses add theirs."""

    start = forms.DateField(label=gettext_lazy("Du"), required=False, widget=date_widget())
    end = forms.DateField(label=gettext_lazy("Au"), required=False, widget=date_widget())
    amount_min = amount_field(gettext_lazy("Montant minimum (€)"))
    amount_max = amount_field(gettext_lazy("Montant maximum (€)"))

    amounts: ClassVar[bool] = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.amounts:
            del self.fields["amount_min"]
            del self.fields["amount_max"]

    def clean_start(self):
        return self._in_window("start")

    def clean_end(self):
        return self._in_window("end")

    def _in_window(self, name: str) -> dt.date | None:
        day = self.cleaned_data.get(name)
        if day is not None and (refusal := date_refusal(day)):
            raise forms.ValidationError(refusal)
        return day

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", _("Le début de la période doit précéder la fin."))
        low, high = data.get("amount_min"), data.get("amount_max")
        if low is not None and high is not None and low > high:
            self.add_error(
                "amount_max", _("Le montant minimum doit être inférieur au montant maximum.")
            )
        return data


def day_start(day: dt.date) -> dt.datetime:
    """Midnight of `day` in the structure's time zone (Europe/Paris), as an aware moment: a
    datetime column is filtered by a range that its index serves (not by `__date`)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def moment_range(prefix: str, start: dt.date | None, end: dt.date | None) -> Q:
    """Q for the Paris days from `start` to `end` inclusive on the datetime `prefix`."""
    q = Q()
    if start is not None:
        q &= Q(**{f"{prefix}__gte": day_start(start)})
    if end is not None:
        q &= Q(**{f"{prefix}__lt": day_start(end + dt.timedelta(days=1))})
    return q


def words_filter(text: str, *prefixes: str) -> Q:
    """Every word of `text` (five at most) in the first name, last name or email of one of
    the customers reached by `prefixes` ("" for the customer itself)."""
    q = Q()
    for word in text.split()[:5]:
        one = Q()
        for prefix in prefixes:
            for name in ("first_name", "last_name", "email"):
                path = f"{prefix}__{name}" if prefix else name
                one |= Q(**{f"{path}__icontains": word})
        q &= one
    return q


def label_of(choices) -> Callable[[object], str]:
    """value -> its French label, translated once (not once per row of an export)."""
    labels = {value: str(label) for value, label in choices}
    return lambda value: labels.get(value, str(value or ""))


class ListDefinition:
    """One list. Subclasses set the class attributes and the three methods."""

    slug: ClassVar[str]
    title: ClassVar[StrOrPromise]
    description: ClassVar[StrOrPromise]
    form_class: ClassVar[type[ListFilters]] = ListFilters
    default_sort: ClassVar[str]
    # Totals shown under the table: (name in `totals()`, French label, kind).
    total_labels: ClassVar[list[tuple[str, StrOrPromise, str]]] = []

    def fields(self) -> list[Field]:
        raise NotImplementedError

    def queryset(self, filters: dict[str, Any]) -> QuerySet:
        """The filtered rows, as a model queryset (annotated), unsorted."""
        raise NotImplementedError

    def values(self) -> list[str]:
        """The names `values()` reads for the fields (the keys of a row)."""
        raise NotImplementedError

    def totals(self, queryset: QuerySet) -> dict[str, Any]:
        """One aggregate over every filtered row; `count` is the number of rows."""
        raise NotImplementedError

    def for_rows(self, queryset: QuerySet) -> QuerySet:
        """What only the rows need (joins for names...), kept out of the totals' query."""
        return queryset

    # --- derived -------------------------------------------------------------------------

    def columns(self) -> list[Column]:
        return [f.column for f in self.fields()]

    def sort_keys(self) -> dict[str, tuple[str, ...]]:
        return {f.key: f.sort for f in self.fields() if f.sort}

    def order_by(self, sort: str) -> list[str]:
        """The ORM ordering of a valid sort key ("date", "-amount"), with the primary key as
        the last tie-breaker so that pages never overlap."""
        descending = sort.startswith("-")
        names = self.sort_keys()[sort.lstrip("-")]
        sign = "-" if descending else ""
        return [f"{sign}{name}" for name in names] + [f"{sign}pk"]

    def column_totals(self, totals: dict[str, Any]) -> dict[str, object]:
        """The bold last line of an export: column title -> its total."""
        return {f.column.title: totals.get(f.total) for f in self.fields() if f.total}


@dataclass
class ListRequest:
    """A list's GET parameters, read: the bound filter form, the sort, the page asked."""

    definition: ListDefinition
    form: ListFilters
    sort: str
    page: int
    errors: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return self.form.is_valid()

    @property
    def filters(self) -> dict[str, Any]:
        return self.form.cleaned_data if self.valid else {}


def list_request(definition: ListDefinition, params) -> ListRequest:
    """Read `params` (a QueryDict or a dict): filters, sort key (whitelisted: an unknown one
    is refused with a French message and the default is used), page number."""
    form = definition.form_class(data=params)
    errors = []
    sort = str(params.get("sort") or definition.default_sort)
    if sort.lstrip("-") not in definition.sort_keys():
        errors.append(_("Ce tri n'existe pas : la liste est triée par défaut."))
        sort = definition.default_sort
    raw_page = str(params.get("page") or "1")
    page = int(raw_page) if raw_page.isdigit() and len(raw_page) < 6 else 0
    if page < 1:
        errors.append(_("Cette page n'existe pas : voici la première."))
        page = 1
    return ListRequest(definition=definition, form=form, sort=sort, page=page, errors=errors)


@dataclass
class ListPage:
    rows: list[dict]
    totals: dict[str, Any]
    page: int
    pages: int

    @property
    def count(self) -> int:
        return int(self.totals.get("count") or 0)

    @property
    def truncated(self) -> bool:
        """More rows than the pages show (MAX_PAGES): filter more, or export."""
        return self.count > MAX_PAGES * PAGE_SIZE


def filtered(request: ListRequest) -> QuerySet:
    return request.definition.queryset(request.filters)


def list_page(request: ListRequest) -> ListPage:
    """The asked page of an (already valid) list: two queries whatever the rows — the totals
    of every filtered row (one aggregate) and the page's rows (one `values()` slice)."""
    definition = request.definition
    queryset = filtered(request)
    totals = definition.totals(queryset)
    count = int(totals.get("count") or 0)
    pages = max(1, min(MAX_PAGES, -(-count // PAGE_SIZE)))
    page = min(request.page, pages)
    if page != request.page:
        request.errors.append(_("Cette page n'existe pas : voici la dernière."))
    start = (page - 1) * PAGE_SIZE
    rows = list(
        definition.for_rows(queryset)
        .order_by(*definition.order_by(request.sort))
        .values(*definition.values())[start : start + PAGE_SIZE]
    )
    return ListPage(rows=rows, totals=totals, page=page, pages=pages)


def export_rows(request: ListRequest) -> Iterator[dict]:
    """Every filtered row in the page's order, streamed from the database (a server-side
    cursor, `EXPORT_CHUNK` rows at a time): memory stays flat whatever the count."""
    definition = request.definition
    return (
        definition.for_rows(filtered(request))
        .order_by(*definition.order_by(request.sort))
        .values(*definition.values())
        .iterator(chunk_size=EXPORT_CHUNK)
    )
