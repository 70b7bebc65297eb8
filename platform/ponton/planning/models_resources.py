"""Resources a structure plans with (RE-1): people (instructors, guides), counted equipment
(boats by type: "Laser ×6") and rooms or places; what each activity needs per session; and the
bookings of resources by sessions.

Never booked twice, enforced by the database:
- a person or a room: an exclusion constraint over (resource, tstzrange(starts_at, ends_at,
  '[)')) on the bookings that are `exclusive`, so 10:00–12:00 then 12:00–14:00 is allowed;
  it needs `btree_gist` for the equality on the resource id (installed in the public schema by
  migration 0003, see there for the embedded PostgreSQL without contrib extensions);
- counted equipment: the services lock the resource row (a short `SELECT … FOR UPDATE`) while
  they add up what the overlapping bookings hold, so two sessions never take the last boats
  together.

A booking copies its session's times (the constraint needs them in its own row); the services
move them with the session."""

from __future__ import annotations

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeBoundary, RangeOperators
from django.contrib.postgres.indexes import GistIndex
from django.db import models
from django.utils.translation import gettext_lazy as _

from ponton.catalogue.models import Product, Site


class TsTzRange(models.Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class Resource(models.Model):
    class Kind(models.TextChoices):
        PERSON = "person", _("Personne (moniteur, guide)")
        EQUIPMENT = "equipment", _("Matériel (bateaux, équipements)")
        ROOM = "room", _("Salle ou lieu")

    kind = models.CharField(_("type de ressource"), max_length=10, choices=Kind)
    name = models.CharField(_("nom"), max_length=120)
    site = models.ForeignKey(
        Site,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="resources",
        verbose_name=_("site"),
    )
    quantity = models.PositiveIntegerField(_("nombre"), default=1)
    available_from = models.TimeField(_("disponible à partir de"), null=True, blank=True)
    available_until = models.TimeField(_("disponible jusqu'à"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "name", "id"]
        verbose_name = _("ressource")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1), name="planning_resource_quantity_positive"
            ),
            models.CheckConstraint(
                # People and rooms are one each: only equipment is counted.
                condition=models.Q(kind="equipment") | models.Q(quantity=1),
                name="planning_resource_one_unless_equipment",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def exclusive(self) -> bool:
        return self.kind != self.Kind.EQUIPMENT

    @property
    def label(self) -> str:
        """ "Laser ×6" for counted equipment, the name otherwise."""
        if self.kind == self.Kind.EQUIPMENT:
            return f"{self.name} ×{self.quantity}"
        return self.name


class ResourceAbsence(models.Model):
    """Whole days a resource is not available (holidays of an instructor, a boat in repair)."""

    resource = models.ForeignKey(
        Resource, on_delete=models.CASCADE, related_name="absences", verbose_name=_("ressource")
    )
    starts_on = models.DateField(_("du"))
    ends_on = models.DateField(_("au"))
    reason = models.CharField(_("motif"), max_length=120, blank=True)

    class Meta:
        ordering = ["starts_on", "id"]
        verbose_name = _("absence")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="planning_absence_ends_after_start",
            ),
        ]


class ResourceNeed(models.Model):
    """What each session of an activity needs: `quantity` of a resource, fixed ("1 moniteur,
    1 bateau à moteur") or per participant ("1 Laser par participant")."""

    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="resource_needs", verbose_name=_("activité")
    )
    resource = models.ForeignKey(
        Resource, on_delete=models.CASCADE, related_name="needs", verbose_name=_("ressource")
    )
    quantity = models.PositiveIntegerField(_("quantité"), default=1)
    per_participant = models.BooleanField(_("par participant"), default=False)

    class Meta:
        ordering = ["resource__kind", "resource__name", "id"]
        verbose_name = _("besoin en ressource")
        constraints = [
            models.UniqueConstraint(fields=["product", "resource"], name="planning_need_once"),
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1), name="planning_need_quantity_positive"
            ),
        ]


class SessionResource(models.Model):
    """A resource booked by a session. `quantity` is what the session holds now: the fixed
    quantity, or `per_participant` × the seats sold (it follows the sales)."""

    session = models.ForeignKey(
        "planning.Session",
        on_delete=models.CASCADE,
        related_name="resource_bookings",
        verbose_name=_("séance"),
    )
    resource = models.ForeignKey(
        Resource, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("ressource")
    )
    quantity = models.PositiveIntegerField(_("quantité"), default=1)
    per_participant = models.PositiveIntegerField(_("par participant"), default=0)
    exclusive = models.BooleanField(default=True)
    starts_at = models.DateTimeField(_("début"))
    ends_at = models.DateTimeField(_("fin"))

    class Meta:
        ordering = ["resource__kind", "resource__name", "id"]
        verbose_name = _("ressource de la séance")
        indexes = [
            # "Which bookings overlap this time?": a GiST index on the time range (no extension
            # needed), for every booking (the constraint's own index covers people and rooms).
            GistIndex(
                TsTzRange("starts_at", "ends_at", RangeBoundary()), name="planning_booking_during"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "resource"], name="planning_booking_once_per_session"
            ),
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="planning_booking_ends_after_start",
            ),
            ExclusionConstraint(
                name="planning_booking_no_overlap",
                expressions=[
                    ("resource", RangeOperators.EQUAL),
                    (
                        TsTzRange("starts_at", "ends_at", RangeBoundary()),
                        RangeOperators.OVERLAPS,
                    ),
                ],
                condition=models.Q(exclusive=True),
            ),
        ]
