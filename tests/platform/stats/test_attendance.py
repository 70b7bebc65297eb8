"""ST-1 Statistiques de fréquentation: exact figures on the story of conftest.py."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ponton.stats.periods import Period
from ponton.stats.selectors import Filters, attendance_statistics

SPRING = Period(dt.date(2026, 3, 1), dt.date(2026, 4, 30), "month")


def figures(attendance):
    return (attendance.sessions, attendance.offered, attendance.sold, attendance.fill_rate)


def test_st1_fill_rates_by_month_with_last_year(story):
    """ST-1: sessions, seats offered, seats sold (ordered or invoiced lines; the quote and the
    cancelled line take none) and fill rate by month, with the same months of 2025."""
    stats = attendance_statistics(period=SPRING)
    assert [row.label for row in stats.by_period] == ["mars 2026", "avril 2026"]
    march, april = stats.by_period
    assert figures(march.figures) == (2, 30, 10, Decimal("33.3"))
    assert figures(april.figures) == (1, 8, 1, Decimal("12.5"))
    assert figures(march.previous) == (1, 10, 4, Decimal("40.0"))
    assert figures(april.previous) == (0, 0, 0, None)
    assert figures(stats.total) == (3, 38, 11, Decimal("28.9"))
    assert figures(stats.previous_total) == (1, 10, 4, Decimal("40.0"))
    assert not stats.empty


def test_st1_by_activity_site_and_rate(story):
    """ST-1: by activity, by site (the session's), by rate (share of the seats sold)."""
    stats = attendance_statistics(period=SPRING)
    assert [(row.label, *figures(row.figures)) for row in stats.by_activity] == [
        ("Stage catamaran", 2, 18, 6, Decimal("33.3")),
        ("Location paddle", 1, 20, 5, Decimal("25.0")),
    ]
    assert [(row.label, *figures(row.figures)) for row in stats.by_site] == [
        ("Plage du Trez", 1, 20, 5, Decimal("25.0")),
        ("Port du Moulin Blanc", 2, 18, 6, Decimal("33.3")),
    ]
    assert [(row.label, row.sold, row.share) for row in stats.by_rate] == [
        ("Sans tarif", 5, Decimal("45.5")),
        ("Adulte", 4, Decimal("36.4")),
        ("Enfant", 2, Decimal("18.2")),
    ]


def test_st1_filters_by_site_activity_category(story):
    """ST-1: the filters narrow sessions and seats alike."""
    port = attendance_statistics(period=SPRING, filters=Filters(site_id=story.port.pk))
    assert figures(port.total) == (2, 18, 6, Decimal("33.3"))
    assert figures(port.previous_total) == (1, 10, 4, Decimal("40.0"))
    paddle = attendance_statistics(period=SPRING, filters=Filters(product_id=story.paddle.pk))
    assert figures(paddle.total) == (1, 20, 5, Decimal("25.0"))
    assert figures(paddle.previous_total) == (0, 0, 0, None)
    sailing = attendance_statistics(
        period=SPRING, filters=Filters(category_id=story.catamaran.category.parent_id)
    )  # the "Sport" domain takes Voile and Nautisme
    assert figures(sailing.total) == (3, 38, 11, Decimal("28.9"))
    shop = attendance_statistics(
        period=SPRING, filters=Filters(category_id=story.tshirt.category_id)
    )
    assert shop.empty and figures(shop.total) == (0, 0, 0, None)


def test_st1_by_week_and_day_compare_with_last_year(story):
    """ST-1: by week, the week 52 weeks earlier; by day, the same day a year earlier."""
    weeks = attendance_statistics(period=Period(dt.date(2026, 3, 9), dt.date(2026, 3, 22), "week"))
    assert [(row.label, row.figures.sold, row.previous.sold) for row in weeks.by_period] == [
        ("semaine du 09/03/2026", 5, 4),  # Saturday 15/03/2025: the week of 10/03/2025
        ("semaine du 16/03/2026", 5, 0),
    ]
    days = attendance_statistics(period=Period(dt.date(2026, 3, 15), dt.date(2026, 3, 15), "day"))
    (row,) = days.by_period
    assert (row.label, row.figures.sold, row.previous.sold) == ("15/03/2026", 5, 4)


def test_st1_empty_period(story):
    """ST-1: a period without sessions is empty (the page says "Aucune donnée")."""
    stats = attendance_statistics(period=Period(dt.date(2024, 1, 1), dt.date(2024, 12, 31), "year"))
    assert stats.empty
    assert [row.label for row in stats.by_period] == ["2024"]
    assert stats.by_activity == [] and stats.by_rate == []
