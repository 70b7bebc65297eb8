"""ST-2 tables and charts: revenue by period (N and N-1), product, category and site; VAT per
rate; payments by method; credit notes and refunds; reste dû by age."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from ponton.stats.charts import Series, chart_svg
from ponton.stats.selectors.finance import FinanceStatistics, RevenueRow
from ponton.stats.tables import StatsTable
from ponton.web.formats import money_text
from ponton.web.formats import percent_text as vat_rate_text
from ponton.web.spreadsheets import Column

CHART_ROWS = 12  # bars in a chart by product or category; the table has every row


def _revenue_columns(first: str) -> list[Column]:
    return [
        Column(first, "text", lambda row: row.label),
        Column(_("CA TTC"), "money", lambda row: row.figures.ttc),
        Column(_("CA HT"), "money", lambda row: row.figures.ht),
        Column(_("TVA"), "money", lambda row: row.figures.vat),
        Column(_("Part du CA TTC"), "percent", lambda row: row.share),
    ]


def _revenue_totals(first: str, stats: FinanceStatistics) -> dict[str, object]:
    return {
        first: _("Total"),
        _("CA TTC"): stats.total.ttc,
        _("CA HT"): stats.total.ht,
        _("TVA"): stats.total.vat,
    }


def _revenue_table(slug: str, caption: str, first: str, rows: list[RevenueRow], stats):
    return StatsTable(
        slug=slug,
        caption=caption,
        columns=_revenue_columns(first),
        rows=rows,
        totals=_revenue_totals(first, stats),
    )


def finance_tables(
    stats: FinanceStatistics, *, nonce: str = "", charts: bool = True
) -> list[StatsTable]:
    period = stats.period
    by_period = StatsTable(
        slug="periodes",
        caption=_(
            "Chiffre d'affaires par période %(period)s, et la même période l'an dernier (N-1)"
        )
        % {"period": period.describe()},
        columns=[
            Column(_("Période"), "text", lambda row: row.label),
            Column(_("CA TTC"), "money", lambda row: row.figures.ttc),
            Column(_("CA HT"), "money", lambda row: row.figures.ht),
            Column(_("TVA"), "money", lambda row: row.figures.vat),
            Column(_("CA TTC N-1"), "money", lambda row: row.previous_ttc),
            Column(_("Évolution"), "percent", lambda row: row.change),
        ],
        rows=stats.by_period,
        totals={
            **_revenue_totals(_("Période"), stats),
            _("CA TTC N-1"): stats.previous_ttc,
        },
    )
    by_product = _revenue_table(
        "produits", _("Chiffre d'affaires par produit"), _("Produit"), stats.by_product, stats
    )
    by_product.columns.insert(1, Column(_("Quantité"), "integer", lambda r: r.figures.quantity))
    by_category = _revenue_table(
        "categories",
        _("Chiffre d'affaires par catégorie"),
        _("Catégorie"),
        stats.by_category,
        stats,
    )
    by_site = _revenue_table(
        "sites", _("Chiffre d'affaires par site"), _("Site"), stats.by_site, stats
    )
    vat = StatsTable(
        slug="tva",
        caption=_("TVA collectée par taux"),
        columns=[
            Column(_("Taux de TVA"), "percent", lambda row: row.rate),
            Column(_("Base HT"), "money", lambda row: row.base),
            Column(_("TVA collectée"), "money", lambda row: row.vat),
            Column(_("Total TTC"), "money", lambda row: row.ttc),
        ],
        rows=stats.vat,
        totals={
            _("Taux de TVA"): None,
            _("Base HT"): stats.total.ht,
            _("TVA collectée"): stats.total.vat,
            _("Total TTC"): stats.total.ttc,
        },
        displays={_("Taux de TVA"): vat_rate_text},  # "20 %", "5,5 %"
    )
    methods = StatsTable(
        slug="modes",
        caption=_("Encaissements par mode de paiement (paiements moins remboursements)"),
        columns=[
            Column(_("Mode de paiement"), "text", lambda row: row.label),
            Column(_("Opérations"), "integer", lambda row: row.count),
            Column(_("Paiements"), "money", lambda row: row.payments),
            Column(_("Remboursements"), "money", lambda row: row.refunds),
            Column(_("Net encaissé"), "money", lambda row: row.net),
        ],
        rows=stats.by_method,
        totals={
            _("Mode de paiement"): _("Total"),
            _("Opérations"): sum(row.count for row in stats.by_method),
            _("Paiements"): sum(row.payments for row in stats.by_method),
            _("Remboursements"): sum(row.refunds for row in stats.by_method),
            _("Net encaissé"): sum(row.net for row in stats.by_method),
        },
        note=_(
            "Un paiement porte sur une facture entière : les filtres par site, produit ou "
            "catégorie ne s'appliquent pas aux encaissements ni au reste dû."
        ),
    )
    refunds = StatsTable(
        slug="remboursements",
        caption=_("Avoirs émis et remboursements par période"),
        columns=[
            Column(_("Période"), "text", lambda row: row.label),
            Column(_("Avoirs émis"), "integer", lambda row: row.credit_notes),
            Column(_("Montant des avoirs TTC"), "money", lambda row: row.credited),
            Column(_("Remboursements"), "money", lambda row: row.refunded),
        ],
        rows=stats.refunds,
        totals={
            _("Période"): _("Total"),
            _("Avoirs émis"): sum(row.credit_notes for row in stats.refunds),
            _("Montant des avoirs TTC"): sum(row.credited for row in stats.refunds),
            _("Remboursements"): sum(row.refunded for row in stats.refunds),
        },
    )
    outstanding = StatsTable(
        slug="reste-du",
        caption=_("Reste dû au %(day)s, par ancienneté (jours après l'échéance)")
        % {"day": timezone.localdate().strftime("%d/%m/%Y")},
        columns=[
            Column(_("Ancienneté"), "text", lambda row: row.label),
            Column(_("Documents"), "integer", lambda row: row.documents),
            Column(_("Reste dû"), "money", lambda row: row.due),
        ],
        rows=stats.outstanding,
        totals={
            _("Ancienneté"): _("Total"),
            _("Documents"): sum(row.documents for row in stats.outstanding),
            _("Reste dû"): stats.outstanding_total,
        },
    )
    tables = [by_period, by_product, by_category, by_site, vat, methods, refunds, outstanding]
    if charts:
        _add_charts(stats, tables, nonce)
    return tables


def _add_charts(stats: FinanceStatistics, tables: list[StatsTable], nonce: str) -> None:
    by_period, by_product, by_category, by_site, vat, methods, refunds, outstanding = tables

    def chart(kind, title, labels, series, unit="money"):
        return chart_svg(
            kind=kind, title=title, labels=labels, series=series, unit=unit, nonce=nonce
        )

    by_period.chart = chart(
        "bar",
        _("Chiffre d'affaires TTC, N et N-1"),
        [row.label for row in stats.by_period],
        [
            Series(_("N"), [row.figures.ttc for row in stats.by_period]),
            Series(_("N-1"), [row.previous_ttc for row in stats.by_period]),
        ],
    )
    for table, kind, title in (
        (by_product, "hbar", _("Chiffre d'affaires TTC par produit")),
        (by_category, "hbar", _("Chiffre d'affaires TTC par catégorie")),
        (by_site, "bar", _("Chiffre d'affaires TTC par site")),
    ):
        rows = table.rows[:CHART_ROWS]
        if len(table.rows) > CHART_ROWS:
            title = _("%(title)s (les %(count)s premiers)") % {"title": title, "count": CHART_ROWS}
        table.chart = chart(
            kind,
            title,
            [row.label for row in rows],
            [
                Series(_("CA TTC"), [row.figures.ttc for row in rows]),
                Series(_("CA HT"), [row.figures.ht for row in rows]),
            ],
        )
    vat.chart = chart(
        "bar",
        _("TVA collectée par taux"),
        [_("TVA %(rate)s") % {"rate": vat_rate_text(row.rate)} for row in stats.vat],
        [Series(_("TVA collectée"), [row.vat for row in stats.vat])],
    )
    methods.chart = chart(
        "bar",
        _("Net encaissé par mode de paiement"),
        [row.label for row in stats.by_method],
        [
            Series(_("Paiements"), [row.payments for row in stats.by_method]),
            Series(_("Remboursements"), [row.refunds for row in stats.by_method]),
            Series(_("Net encaissé"), [row.net for row in stats.by_method]),
        ],
    )
    refunds.chart = chart(
        "bar",
        _("Avoirs et remboursements"),
        [row.label for row in stats.refunds],
        [
            Series(_("Montant des avoirs TTC"), [row.credited for row in stats.refunds]),
            Series(_("Remboursements"), [row.refunded for row in stats.refunds]),
        ],
    )
    outstanding.chart = chart(
        "bar",
        _("Reste dû par ancienneté"),
        [row.label for row in stats.outstanding],
        [Series(_("Reste dû"), [row.due for row in stats.outstanding])],
    )


def finance_summary(stats: FinanceStatistics) -> list[tuple[str, str]]:
    """The key figures above the tables."""
    return [
        (_("CA TTC"), money_text(stats.total.ttc)),
        (_("CA HT"), money_text(stats.total.ht)),
        (_("TVA collectée"), money_text(stats.total.vat)),
        (_("CA TTC N-1"), money_text(stats.previous_ttc)),
        (_("Net encaissé"), money_text(sum(row.net for row in stats.by_method))),
        (_("Reste dû à ce jour"), money_text(stats.outstanding_total)),
    ]
