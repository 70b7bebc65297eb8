"""The structure's planning (tenant schema): the dated sessions of its activities (PL-1, PL-2).

A session's number in its series (the Nth session of its product) is not stored: the selectors
compute it by start order (see `selectors.with_number`), so adding, moving or deleting a session
renumbers the series without any write."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from ponton.catalogue.models import Product, Site


class Session(models.Model):
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("activité")
    )
    site = models.ForeignKey(
        Site,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sessions",
        verbose_name=_("site"),
    )
    starts_at = models.DateTimeField(_("début"))
    ends_at = models.DateTimeField(_("fin"))
    capacity = models.PositiveIntegerField(_("places"))
    sold = models.PositiveIntegerField(_("places vendues"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("séance")
        indexes = [models.Index(fields=["product", "starts_at"], name="planning_session_series")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(sold__gte=0) & models.Q(sold__lte=models.F("capacity")),
                name="planning_session_sold_within_capacity",
            ),
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="planning_session_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def free(self) -> int:
        return self.capacity - self.sold
