"""ST-1 tables and charts: by period (N and N-1), activity, site and rate."""

from __future__ import annotations

from django.utils.translation import gettext as _

from ponton.stats.charts import ChartKind, Series, chart_svg, integer_text, percent_text
from ponton.stats.selectors.attendance import Attendance, AttendanceStatistics
from ponton.stats.tables import StatsTable
from ponton.web.spreadsheets import Column


def _figure_columns(get, suffix: str = "") -> list[Column]:
    """Sessions, seats offered, seats sold, fill rate of the Attendance `get(row)`."""
    return [
        Column(_("Séances") + suffix, "integer", lambda row: get(row).sessions),
        Column(_("Places offertes") + suffix, "integer", lambda row: get(row).offered),
        Column(_("Places vendues") + suffix, "integer", lambda row: get(row).sold),
        Column(_("Taux de remplissage") + suffix, "percent", lambda row: get(row).fill_rate),
    ]


def _totals(first: str, total: Attendance, suffix: str = "") -> dict[str, object]:
    """The totals line: "Total", then the figures of `total` under the columns' titles."""
    return {
        first: _("Total"),
        _("Séances") + suffix: total.sessions,
        _("Places offertes") + suffix: total.offered,
        _("Places vendues") + suffix: total.sold,
        _("Taux de remplissage") + suffix: total.fill_rate,
    }


def attendance_tables(
    stats: AttendanceStatistics, *, nonce: str = "", charts: bool = True
) -> list[StatsTable]:
    period = stats.period
    label = Column(_("Période"), "text", lambda row: row.label)
    columns = [
        label,
        *_figure_columns(lambda row: row.figures),
        *_figure_columns(lambda row: row.previous, " " + _("N-1")),
    ]
    by_period = StatsTable(
        slug="periodes",
        caption=_("Fréquentation par période %(period)s, et la même période l'an dernier (N-1)")
        % {"period": period.describe()},
        columns=columns,
        rows=stats.by_period,
        totals={
            **_totals(label.title, stats.total),
            **_totals(label.title, stats.previous_total, " " + _("N-1")),
        },
    )
    activity = Column(_("Activité"), "text", lambda row: row.label)
    site = Column(_("Site"), "text", lambda row: row.label)
    by_activity = StatsTable(
        slug="activites",
        caption=_("Fréquentation par activité"),
        columns=[activity, *_figure_columns(lambda row: row.figures)],
        rows=stats.by_activity,
        totals=_totals(activity.title, stats.total),
    )
    by_site = StatsTable(
        slug="sites",
        caption=_("Fréquentation par site"),
        columns=[site, *_figure_columns(lambda row: row.figures)],
        rows=stats.by_site,
        totals=_totals(site.title, stats.total),
    )
    by_rate = StatsTable(
        slug="tarifs",
        caption=_("Places vendues par tarif"),
        columns=[
            Column(_("Tarif"), "text", lambda row: row.label),
            Column(_("Places vendues"), "integer", lambda row: row.sold),
            Column(_("Part des places vendues"), "percent", lambda row: row.share),
        ],
        rows=stats.by_rate,
        totals={_("Tarif"): _("Total"), _("Places vendues"): stats.total.sold},
    )
    tables = [by_period, by_activity, by_site, by_rate]
    if charts:
        labels = [row.label for row in stats.by_period]
        by_period.chart = chart_svg(
            kind="bar",
            title=_("Places vendues, N et N-1"),
            labels=labels,
            series=[
                Series(_("N"), [row.figures.sold for row in stats.by_period]),
                Series(
                    _("N-1"), [row.previous.sold if row.previous else 0 for row in stats.by_period]
                ),
            ],
            unit="integer",
            nonce=nonce,
        )
        by_period.extra_charts = [
            chart_svg(
                kind="line",
                title=_("Taux de remplissage, N et N-1"),
                labels=labels,
                series=[
                    Series(_("N"), [row.figures.fill_rate for row in stats.by_period]),
                    Series(
                        _("N-1"),
                        [
                            row.previous.fill_rate if row.previous else None
                            for row in stats.by_period
                        ],
                    ),
                ],
                unit="percent",
                nonce=nonce,
            )
        ]
        pairs: tuple[tuple[StatsTable, ChartKind, str], ...] = (
            (by_activity, "hbar", _("Places offertes et vendues par activité")),
            (by_site, "bar", _("Places offertes et vendues par site")),
        )
        for table, kind, title in pairs:
            table.chart = chart_svg(
                kind=kind,
                title=title,
                labels=[row.label for row in table.rows],
                series=[
                    Series(_("Places offertes"), [row.figures.offered for row in table.rows]),
                    Series(_("Places vendues"), [row.figures.sold for row in table.rows]),
                ],
                unit="integer",
                nonce=nonce,
            )
        by_rate.chart = chart_svg(
            kind="hbar",
            title=_("Places vendues par tarif"),
            labels=[row.label for row in stats.by_rate],
            series=[Series(_("Places vendues"), [row.sold for row in stats.by_rate])],
            unit="integer",
            nonce=nonce,
        )
    return tables


def attendance_summary(stats: AttendanceStatistics) -> list[tuple[str, str]]:
    """The key figures above the tables."""
    total, previous = stats.total, stats.previous_total
    return [
        (_("Séances"), integer_text(total.sessions)),
        (_("Places offertes"), integer_text(total.offered)),
        (_("Places vendues"), integer_text(total.sold)),
        (_("Taux de remplissage"), percent_text(total.fill_rate) or "—"),
        (_("Places vendues N-1"), integer_text(previous.sold)),
        (_("Taux de remplissage N-1"), percent_text(previous.fill_rate) or "—"),
    ]
