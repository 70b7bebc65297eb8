"""Charts of the statistics pages: pygal SVG rendered on the server and inlined in the page.

- No JavaScript: pygal's tooltips script (from a CDN) is off (`js=[]`) and the inline config
  script pygal always writes is removed; the Content-Security-Policy forbids both anyway.
- The chart's own <style> carries the request's CSP nonce (style-src allows nonced blocks).
- French everywhere: labels come from the selectors (month names, "semaine du …"), values are
  written "1 234,50 €", "33,3 %", "1 234".
- Accessible: the <svg> is an image named by its title; the same figures are in the <table>
  beside it (the template), which screen readers and exports use.
- Readable colours: the design system's blue, orange, teal, violet and green, on white.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

import pygal
from django.utils.formats import number_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from pygal.style import Style

from ponton.web.formats import money_text

ChartKind = Literal["bar", "line", "hbar"]
Unit = Literal["money", "percent", "integer"]

COLOURS = ("#1d4e89", "#e67e22", "#00a6a6", "#6b4fbb", "#2e8b57", "#c0392b")
STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1f2933",
    foreground_strong="#1f2933",
    foreground_subtle="#6b7280",
    opacity="0.9",
    opacity_hover="1",
    colors=COLOURS,
    font_family='system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
    label_font_size=13,
    major_label_font_size=13,
    value_font_size=13,
    legend_font_size=14,
    title_font_size=16,
    tooltip_font_size=13,
)
SVG = "{http://www.w3.org/2000/svg}"


def percent_text(value) -> str:
    return "" if value is None else f"{number_format(Decimal(str(value)), 1)} %"


def integer_text(value) -> str:
    return "" if value is None else number_format(int(value), force_grouping=True)


FORMATTERS: dict[str, Callable[[object], str]] = {
    "money": money_text,
    "percent": percent_text,
    "integer": integer_text,
}


@dataclass(frozen=True)
class Series:
    title: str
    values: Sequence[object]  # Decimal, int or None (no value: no bar, a gap in a line)


def _plain(value) -> float | None:
    return None if value is None else float(value)


def _filter(title: str, nonce: str) -> Callable:
    """An lxml filter: no <script>, a nonce on <style>, an image named by its title."""

    def apply(root):
        for element in list(root.iter()):
            tag = element.tag if isinstance(element.tag, str) else ""
            name = tag.removeprefix(SVG)
            if name == "script":
                element.getparent().remove(element)
            elif name == "style" and nonce:
                element.set("nonce", nonce)
        root.set("role", "img")
        root.set("aria-label", title)
        root.set("class", "pygal-chart stats-chart")
        return root

    return apply


def chart_svg(
    *,
    kind: ChartKind,
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    unit: Unit,
    nonce: str = "",
) -> SafeString:
    """The chart's <svg> element, ready to inline in a page."""
    factory = {"bar": pygal.Bar, "line": pygal.Line, "hbar": pygal.HorizontalBar}[kind]
    many = len(labels) > 8
    chart = factory(
        js=[],
        disable_xml_declaration=True,
        style=STYLE,
        title=title,
        width=820,
        height=360 if kind != "hbar" else max(240, 70 + 34 * len(labels) * len(series)),
        value_formatter=FORMATTERS[unit],
        legend_at_bottom=True,
        legend_at_bottom_columns=len(series),
        show_legend=len(series) > 1,
        # A horizontal bar chart's amounts run along the bottom: slanted, they do not overlap.
        x_label_rotation=35 if many or kind == "hbar" else 0,
        show_minor_x_labels=len(labels) <= 31,
        truncate_label=-1,
        truncate_legend=-1,
        include_x_axis=True,
        print_values=False,
        margin_bottom=10,
        no_data_text=_("Aucune donnée"),
    )
    chart.add_xml_filter(_filter(title, nonce))
    if kind == "line" and many:
        chart.config.dots_size = 2
    order = slice(None, None, -1) if kind == "hbar" else slice(None)  # hbar: first row on top
    chart.x_labels = list(labels)[order]
    if kind != "line" and len(labels) > 31:
        chart.x_labels_major_every = max(1, len(labels) // 12)
    for item in series:
        chart.add(item.title, [_plain(value) for value in item.values][order])
    return mark_safe(chart.render(is_unicode=True))  # noqa: S308 - our SVG, labels escaped by lxml
