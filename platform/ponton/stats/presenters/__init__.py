"""The statistics pages' tables and charts, built from the selectors' figures (ST-1, ST-2)."""

from ponton.stats.presenters.attendance import attendance_summary, attendance_tables
from ponton.stats.presenters.finance import finance_summary, finance_tables

__all__ = ["attendance_summary", "attendance_tables", "finance_summary", "finance_tables"]
