"""One statistics table: what the page shows beside its chart and what its Excel and CSV
exports hold — the same columns (`ponton.web.spreadsheets.Column`), rows and totals, so the
three never disagree."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from ponton.stats.charts import integer_text, percent_text
from ponton.web.formats import money_text
from ponton.web.spreadsheets import Column

NUMERIC = {"money", "number", "integer", "percent"}


def cell_text(kind: str, value: object) -> str:
    """A cell as the page writes it: "1 234,50 €", "33,3 %", "1 234"."""
    if value is None or value == "":
        return "—" if kind in NUMERIC else ""
    if kind == "money":
        return money_text(value)
    if kind == "percent":
        return percent_text(value)
    if kind == "integer":
        return integer_text(value)
    return str(value)


@dataclass(frozen=True)
class Cell:
    text: str
    numeric: bool


@dataclass
class StatsTable:
    slug: str  # in the export's URL and file name
    caption: str
    columns: list[Column]
    rows: list[Any]
    totals: dict[str, object] | None = None
    chart: SafeString | str = ""
    note: str = ""
    extra_charts: list[SafeString] = field(default_factory=list)
    # Column title -> how the page writes its values, when not as its kind says.
    displays: dict[str, Callable[[object], str]] = field(default_factory=dict)

    def _text(self, column: Column, value: object) -> str:
        display = self.displays.get(column.title)
        if display is not None and value is not None:
            return display(value)
        return cell_text(column.kind, value)

    def _cells(self, values: Callable[[Column], object]) -> list[Cell]:
        return [
            Cell(self._text(column, values(column)), column.kind in NUMERIC)
            for column in self.columns
        ]

    @property
    def header(self) -> list[Cell]:
        return [Cell(column.title, column.kind in NUMERIC) for column in self.columns]

    @property
    def body(self) -> list[list[Cell]]:
        return [self._row(row) for row in self.rows]

    def _row(self, row: Any) -> list[Cell]:
        return self._cells(lambda column: column.value(row))

    @property
    def footer(self) -> list[Cell] | None:
        if not self.totals:
            return None
        totals = self.totals
        cells = self._cells(lambda column: totals.get(column.title))
        if totals.get(self.columns[0].title) is None:  # a numeric first column (a VAT rate)
            cells[0] = Cell(_("Total"), cells[0].numeric)
        return cells
