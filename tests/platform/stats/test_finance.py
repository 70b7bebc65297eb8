"""ST-2 Statistiques financières: exact figures on the story of conftest.py, and their
agreement to the cent with the documents, the orders' balances and the ledger."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Sum

from ponton.billing.models import Document
from ponton.billing.selectors import order_balance
from ponton.compta.ereporting import ereporting_days
from ponton.ledger.models import LedgerEntry, LedgerHead
from ponton.sales.models import Order
from ponton.selling import services as selling
from ponton.selling.services import LineRequest
from ponton.stats.models import RevenueDay, RevenueSummary
from ponton.stats.periods import Period
from ponton.stats.selectors import Filters, finance_statistics, outstanding_by_age
from ponton.stats.services import revenue_summary_update
from tests.support.sales import STAFF
from tests.support.stats_story import at, pay

SPRING = Period(dt.date(2026, 3, 1), dt.date(2026, 4, 30), "month")
MAY_20 = dt.date(2026, 5, 20)
D = Decimal


def revenue(row):
    return (row.label, row.figures.ttc, row.figures.ht, row.figures.vat)


def test_st2_revenue_by_month_with_last_year(story):
    """ST-2: revenue incl./excl. VAT by month = invoices + receipts − credit notes; the invoice
    made from a receipt is not counted again; March 2025 beside March 2026."""
    stats = finance_statistics(period=SPRING, today=MAY_20)
    assert [revenue(row) for row in stats.by_period] == [
        ("mars 2026", D("1070.00"), D("891.67"), D("178.33")),
        ("avril 2026", D("141.10"), D("120.00"), D("21.10")),
    ]
    assert [row.previous_ttc for row in stats.by_period] == [D("720.00"), D("0.00")]
    assert stats.by_period[0].change == D("48.6")  # (1070 − 720) / 720
    assert (stats.total.ttc, stats.total.ht, stats.total.vat) == (
        D("1211.10"),
        D("1011.67"),
        D("199.43"),
    )
    assert stats.previous_ttc == D("720.00")


def test_st2_by_product_category_and_site(story):
    """ST-2: by product (free lines apart), category and site (the session's, else the
    product's). The cap and the T-shirt share one invoice's VAT rounding: 8,33 + 8,34."""
    stats = finance_statistics(period=SPRING, today=MAY_20)
    assert [(*revenue(row), row.figures.quantity, row.share) for row in stats.by_product] == [
        ("Stage catamaran", D("1020.00"), D("850.00"), D("170.00"), 6, D("84.2")),
        ("Location paddle", D("150.00"), D("125.00"), D("25.00"), 5, D("12.4")),
        ("Lignes libres", D("21.10"), D("20.00"), D("1.10"), 1, D("1.7")),
        ("Casquette", D("10.00"), D("8.34"), D("1.66"), 1, D("0.8")),
        ("T-shirt", D("10.00"), D("8.33"), D("1.67"), 1, D("0.8")),
    ]
    assert [revenue(row) for row in stats.by_category] == [
        ("Sport > Voile", D("1020.00"), D("850.00"), D("170.00")),
        ("Sport > Nautisme", D("150.00"), D("125.00"), D("25.00")),
        ("Sans catégorie", D("21.10"), D("20.00"), D("1.10")),
        ("Boutique > Vêtements", D("20.00"), D("16.67"), D("3.33")),
    ]
    assert [revenue(row) for row in stats.by_site] == [
        ("Port du Moulin Blanc", D("1020.00"), D("850.00"), D("170.00")),
        ("Plage du Trez", D("150.00"), D("125.00"), D("25.00")),
        ("Sans site", D("41.10"), D("36.67"), D("4.43")),
    ]


def test_st2_vat_per_rate_agrees_with_the_documents(story):
    """ST-2: VAT collected per rate, to the cent the documents' own VAT breakdowns (credit
    notes negative, the invoice made from a receipt not counted)."""
    stats = finance_statistics(period=SPRING, today=MAY_20)
    assert [(row.rate, row.base, row.vat, row.ttc) for row in stats.vat] == [
        (D("5.50"), D("20.00"), D("1.10"), D("21.10")),
        (D("20.00"), D("991.67"), D("198.33"), D("1190.00")),
    ]
    expected: dict[Decimal, list[Decimal]] = {}
    documents = Document.objects.filter(
        issued_at__gte=SPRING.since, issued_at__lt=SPRING.until
    ).exclude(pk=story.receipt_invoice.pk)
    for document in documents:
        sign = -1 if document.kind == Document.Kind.CREDIT_NOTE else 1
        for part in document.vat:
            sums = expected.setdefault(D(part["rate"]), [D(0), D(0)])
            sums[0] += sign * D(part["base"])
            sums[1] += sign * D(part["vat"])
    assert {row.rate: [row.base, row.vat] for row in stats.vat} == expected


def test_st2_agrees_with_the_ledger(story):
    """ST-2: revenue = the ledger's sales effects of the period, net received by method = its
    payment effects; over all time, the perpetual totals of the ledger's head."""
    stats = finance_statistics(period=SPRING, today=MAY_20)
    entries = LedgerEntry.objects.filter(
        recorded_at__gte=SPRING.since, recorded_at__lt=SPRING.until
    ).aggregate(sales=Sum("sales_amount"), payments=Sum("payments_amount"))
    assert stats.total.ttc == entries["sales"] == D("1211.10")
    assert sum(row.net for row in stats.by_method) == entries["payments"] == D("840.00")
    always = finance_statistics(period=Period(dt.date(2020, 1, 1), dt.date(2026, 12, 31), "year"))
    head = LedgerHead.objects.get()
    assert always.total.ttc == head.sales_total == D("1931.10")
    assert sum(row.net for row in always.by_method) == head.payments_total == D("1560.00")


def test_st2_agrees_with_the_ereporting_to_the_cent(story):
    """ST-2 and CO-5: the B2C e-reporting of the period (sales to private persons, per day,
    category and rate) adds up to the financial statistics, per VAT rate and in total."""
    stats = finance_statistics(period=SPRING, today=MAY_20)
    days = ereporting_days(start=SPRING.start, end=SPRING.end)
    assert days, "the story sells in March and April"
    per_rate: dict[Decimal, list[Decimal]] = {}
    for day in days:
        for category in day.categories:
            for part in category.rates:
                sums = per_rate.setdefault(part.rate, [D(0), D(0)])
                sums[0] += part.taxable
                sums[1] += part.tax
    assert {row.rate: [row.base, row.vat] for row in stats.vat if row.vat} == per_rate
    assert sum(day.exempt_amount for day in days) == sum(
        (row.ttc for row in stats.vat if not row.vat), D(0)
    )
    assert sum(day.total for day in days) == stats.total.ttc == D("1211.10")
    assert sum(day.taxable for day in days) == stats.total.ht
    assert sum(day.tax for day in days) == stats.total.vat


def test_st2_payments_refunds_and_credit_notes(story):
    """ST-2: by method, payments − refunds; refunds and credit notes by month."""
    stats = finance_statistics(period=SPRING, today=MAY_20)
    assert [(r.label, r.payments, r.refunds, r.net, r.count) for r in stats.by_method] == [
        ("Espèces", D("160.00"), D("60.00"), D("100.00"), 3),
        ("Chèque", D("300.00"), D("0.00"), D("300.00"), 1),
        ("Carte bancaire", D("440.00"), D("0.00"), D("440.00"), 2),
    ]
    assert [(r.label, r.credit_notes, r.credited, r.refunded) for r in stats.refunds] == [
        ("mars 2026", 0, D("0.00"), D("0.00")),
        ("avril 2026", 1, D("60.00"), D("60.00")),
    ]


def test_st2_outstanding_by_age_agrees_with_order_balances(story):
    """ST-2: reste dû today by days past due (0–30, 31–60, 61–90, > 90), its total the sum of
    the orders' balances."""
    rows = outstanding_by_age(today=MAY_20)
    assert [(r.label, r.documents, r.due) for r in rows] == [
        ("0 à 30 jours", 0, D("0.00")),
        ("31 à 60 jours", 1, D("21.10")),  # o6, due 05/04/2026
        ("61 à 90 jours", 1, D("350.00")),  # o2, due 02/03/2026
        ("Plus de 90 jours", 0, D("0.00")),
    ]
    balances = [order_balance(order_id=pk) for pk in Order.objects.values_list("pk", flat=True)]
    assert sum(r.due for r in rows) == sum(b for b in balances if b > 0) == D("371.10")
    later = outstanding_by_age(today=dt.date(2026, 7, 1))
    assert [(r.label, r.due) for r in later][2:] == [
        ("61 à 90 jours", D("21.10")),
        ("Plus de 90 jours", D("350.00")),
    ]
    earlier = outstanding_by_age(today=dt.date(2026, 4, 1))
    assert [(r.label, r.due) for r in earlier][0:2] == [
        ("Non échu", D("21.10")),
        ("0 à 30 jours", D("350.00")),
    ]


def test_st2_outstanding_allocates_oldest_first(story, clock):
    """ST-2: what is left on an order with two invoices is aged on the newest first (payments
    settle the oldest first)."""
    clock.set(at(2026, 5, 1))
    order = selling.order_place(
        payer=story.claire,
        lines=[LineRequest(story.tshirt, quantity=1), LineRequest(story.cap, quantity=1)],
        actor=STAFF,
    )
    tshirt, cap = order.lines.order_by("position")
    first = selling.invoice(
        structure=story.structure, order=order, line_ids=[tshirt.pk], actor=STAFF
    )
    pay(first, "5.00", "cash")
    clock.set(at(2026, 6, 1))
    selling.invoice(structure=story.structure, order=order, line_ids=[cap.pk], actor=STAFF)
    rows = outstanding_by_age(today=dt.date(2026, 6, 20))
    assert [(r.label, r.documents, r.due) for r in rows] == [
        ("0 à 30 jours", 1, D("10.00")),  # the cap's invoice, 19 days
        ("31 à 60 jours", 1, D("5.00")),  # what is left of the T-shirt's, 50 days
        ("61 à 90 jours", 1, D("21.10")),
        ("Plus de 90 jours", 1, D("350.00")),
    ]
    assert order_balance(order_id=order.pk) == D("15.00")


def test_st2_filters_narrow_revenue_not_payments(story):
    """ST-2: site, product and category narrow the revenue tables (same HT as unfiltered);
    payments concern whole invoices and stay as they are."""
    by_product = finance_statistics(
        period=SPRING, filters=Filters(product_id=story.cap.pk), today=MAY_20
    )
    assert (by_product.total.ttc, by_product.total.ht) == (D("10.00"), D("8.34"))
    beach = finance_statistics(period=SPRING, filters=Filters(site_id=story.beach.pk))
    assert [revenue(row) for row in beach.by_period] == [
        ("mars 2026", D("210.00"), D("175.00"), D("35.00")),
        ("avril 2026", D("-60.00"), D("-50.00"), D("-10.00")),
    ]
    clothes = finance_statistics(
        period=SPRING, filters=Filters(category_id=story.tshirt.category.parent_id)
    )
    assert clothes.total.ttc == D("20.00")
    assert sum(row.net for row in clothes.by_method) == D("840.00")


def test_st2_empty_period(story):
    stats = finance_statistics(period=Period(dt.date(2024, 1, 1), dt.date(2024, 12, 31)))
    assert stats.empty
    assert stats.total.ttc == D("0.00") and stats.by_product == [] and stats.vat == []


def _figures(stats):
    return (
        [
            (r.label, r.figures.ttc, r.figures.ht, r.figures.quantity, r.previous_ttc)
            for r in stats.by_period
        ],
        [(r.label, r.figures.ttc, r.figures.ht, r.figures.quantity) for r in stats.by_product],
        [(r.label, r.figures.ttc, r.figures.ht) for r in stats.by_category],
        [(r.label, r.figures.ttc, r.figures.ht) for r in stats.by_site],
        [(r.rate, r.base, r.vat, r.ttc) for r in stats.vat],
    )


def test_st2_revenue_summary_gives_the_same_figures(story):
    """ST-2 (docs/adr/0018): past days are read from the revenue summary, the others from the
    documents; the figures are the same before, across the seam and after."""
    live = _figures(finance_statistics(period=SPRING, today=MAY_20))
    beach = Filters(site_id=story.beach.pk)
    live_beach = _figures(finance_statistics(period=SPRING, filters=beach))
    # Summarized up to 4 April: 5 April (credit note, receipt, free line) is read live.
    assert revenue_summary_update(today=dt.date(2026, 4, 6)) == 400  # 01/03/2025 to 04/04/2026
    assert RevenueSummary.objects.get().until == dt.date(2026, 4, 5)
    assert RevenueDay.objects.filter(day__gte=dt.date(2026, 4, 5)).count() == 0
    assert sum(RevenueDay.objects.values_list("ttc", flat=True)) == D("1790.00")  # 720 + 1070
    assert _figures(finance_statistics(period=SPRING, today=MAY_20)) == live
    assert _figures(finance_statistics(period=SPRING, filters=beach)) == live_beach
    assert revenue_summary_update(today=dt.date(2026, 12, 6)) == 244
    assert revenue_summary_update(today=dt.date(2026, 12, 6)) == 0
    assert sum(RevenueDay.objects.values_list("ttc", flat=True)) == D("1931.10")
    assert _figures(finance_statistics(period=SPRING, today=MAY_20)) == live
    assert _figures(finance_statistics(period=SPRING, filters=beach)) == live_beach
