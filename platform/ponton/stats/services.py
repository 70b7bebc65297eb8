"""Writes of the statistics: the revenue summary of whole past days (docs/adr/0018)."""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction
from django.utils import timezone

from ponton.billing.models import Document
from ponton.stats.models import RevenueSummary
from ponton.stats.periods import local_midnight
from ponton.stats.selectors import sql

# Days before yesterday are final: a document is issued "now" and never changes, and the
# transaction that issues it lasts well under a day. Yesterday stays live, so a document issued
# at 23:59:59 and committed just after midnight is never missed.
LIVE_DAYS = 2


@transaction.atomic
def revenue_summary_update(*, today: dt.date | None = None) -> int:
    """Summarize the days not summarized yet, up to the day before yesterday; returns how many
    days were added. One INSERT … SELECT; concurrent callers wait for the first (the summary
    row is locked) and then find nothing left to do."""
    today = today or timezone.localdate()
    summary = RevenueSummary.objects.select_for_update().get(pk=True)
    cutoff = today - dt.timedelta(days=LIVE_DAYS - 1)  # exclusive: days < cutoff are final
    start = summary.until
    if start is None:
        first = Document.objects.order_by("issued_at").values_list("issued_at", flat=True).first()
        start = timezone.localdate(first) if first is not None else cutoff
    if start >= cutoff:
        return 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('work_mem', '64MB', true)")
        cursor.execute(
            sql.summarize_sql(),
            {
                "zone": timezone.get_current_timezone_name(),
                "live_since": local_midnight(start),
                "live_until": local_midnight(cutoff),
            },
        )
    summary.until = cutoff
    summary.save(update_fields=["until"])
    return (cutoff - start).days
