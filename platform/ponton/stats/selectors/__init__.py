"""Reads of the statistics (ST-1 attendance, ST-2 finance): grouped SQL only."""

from ponton.stats.selectors.attendance import attendance_statistics
from ponton.stats.selectors.common import Filters
from ponton.stats.selectors.finance import finance_statistics, outstanding_by_age

__all__ = ["Filters", "attendance_statistics", "finance_statistics", "outstanding_by_age"]
