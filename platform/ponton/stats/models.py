"""The revenue summary of the financial statistics (tenant schema), docs/adr/0018.

Issued documents never change (database triggers) and are issued "now": once a day is over,
its revenue lines are final. `RevenueDay` keeps, for each past day, the revenue of the
document lines grouped by product, session site and VAT rate (TTC, HT allocated as the live
query does, signed quantity); `RevenueSummary` says up to which day it is complete. The
statistics read the summary for the days it covers and the documents themselves for the
rest, so figures are the same whether a day is summarized or not (tests/platform/stats)."""

from django.db import models


class RevenueSummary(models.Model):
    """The single row saying which days are summarized: every day before `until`."""

    singleton = models.BooleanField(primary_key=True, default=True)
    until = models.DateField(null=True, blank=True)  # exclusive; None: nothing summarized yet

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(singleton=True), name="stats_revenue_summary_single"
            )
        ]

    def __str__(self) -> str:
        return f"revenue summarized until {self.until}"


class RevenueDay(models.Model):
    day = models.DateField()  # Europe/Paris day of issue
    product_id = models.BigIntegerField(null=True)  # None: free lines
    session_site_id = models.BigIntegerField(null=True)  # the session's site, if any
    vat_rate = models.DecimalField(max_digits=4, decimal_places=2)
    quantity = models.BigIntegerField()
    ttc = models.DecimalField(max_digits=14, decimal_places=2)
    ht = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        indexes = [models.Index(fields=["day"], name="stats_revenue_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.product_id} {self.vat_rate}: {self.ttc}"
