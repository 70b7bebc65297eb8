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


class GenerationJob(models.Model):
    """PL-1 "Progress shown for long generations": a recurrence of more than
    `PLANNING_BACKGROUND_THRESHOLD` sessions is generated in the background (a Celery task that
    names its structure) while the page shows a progress bar.

    Design, so that nothing is lost and nothing is half-saved by surprise:
    - the recurrence is validated in full before the job exists (same French errors as the
      synchronous form); `parameters` keep what is needed to recompute the exact same list of
      sessions (dates, weekdays, times, capacity, time zone), in a stable order;
    - the task inserts the sessions in chunks; each chunk is its own transaction, which also
      locks this row, checks `done` is where the chunk starts and moves `done` past it. So
      `done` is always exactly the number of sessions this job has saved, the progress bar
      reads committed rows, and a chunk is never inserted twice (a second worker on the same
      job, or a retry, finds `done` moved and skips or resumes from there);
    - on an error the current chunk is rolled back whole, the job becomes "failed" with the
      error message and keeps `done`: the page says exactly how many sessions were created
      (the first `done` of the list, in date order) and how many were not; "Reprendre" runs it
      again from `done`, so the missing sessions are created and none twice."""

    class State(models.TextChoices):
        PENDING = "pending", _("en attente")
        RUNNING = "running", _("en cours")
        DONE = "done", _("terminé")
        FAILED = "failed", _("échoué")

    product = models.ForeignKey(
        # A job is a record of work, not of sales: it never keeps an activity from being deleted
        # (its sessions do, through Session.product).
        Product,
        on_delete=models.CASCADE,
        related_name="generation_jobs",
        verbose_name=_("activité"),
    )
    site = models.ForeignKey(
        Site,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="generation_jobs",
        verbose_name=_("site"),
    )
    parameters = models.JSONField(_("paramètres"))
    total = models.PositiveIntegerField(_("séances à créer"))
    done = models.PositiveIntegerField(_("séances créées"), default=0)
    state = models.CharField(_("état"), max_length=10, choices=State, default=State.PENDING)
    error = models.TextField(_("erreur"), blank=True)
    created_by_id = models.BigIntegerField(_("créé par (compte)"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("génération de séances")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(done__lte=models.F("total")),
                name="planning_generationjob_done_within_total",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product} {self.done}/{self.total} ({self.state})"

    @property
    def percent(self) -> int:
        return 100 if not self.total else self.done * 100 // self.total

    @property
    def remaining(self) -> int:
        return self.total - self.done

    @property
    def finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)


from ponton.planning.models_resources import (  # noqa: E402 - RE-1 models, same app
    Resource,
    ResourceAbsence,
    ResourceNeed,
    SessionResource,
)

__all__ = [
    "GenerationJob",
    "Resource",
    "ResourceAbsence",
    "ResourceNeed",
    "Session",
    "SessionResource",
]
