"""Writes of Paramètres > Ressources (RE-1): the resources (people, counted equipment, rooms),
their absences, and what each activity needs per session. A change that would no longer hold
the sessions to come (narrower hours, fewer boats, an absence) is refused naming the session.
The booking itself is `services_resources`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ponton.catalogue.models import Product, Site
from ponton.planning.models import Resource, ResourceAbsence, ResourceNeed, Session
from ponton.planning.services_resources import (
    ResourceError,
    Timeline,
    Want,
    booking_rows,
    booking_words,
    outside_hours,
)
from ponton.web.bounds import CAPACITY_MAX, date_refusal

NAME_MAX = 120
REASON_MAX = 120


@dataclass(frozen=True)
class ResourceData:
    kind: str
    name: str
    site: Site | None = None
    quantity: int = 1
    available_from: dt.time | None = None
    available_until: dt.time | None = None


def _clean(data: ResourceData, *, kind: str) -> ResourceData:
    if kind not in Resource.Kind.values:
        raise ResourceError(_("Choisissez le type de ressource."), "kind")
    name = (data.name or "").strip()
    if not name:
        raise ResourceError(_("Indiquez le nom de la ressource."), "name")
    if len(name) > NAME_MAX:
        raise ResourceError(
            _("Le nom ne doit pas dépasser %(max)s caractères.") % {"max": NAME_MAX}, "name"
        )
    quantity = data.quantity if kind == Resource.Kind.EQUIPMENT else 1
    if quantity < 1 or quantity > CAPACITY_MAX:
        raise ResourceError(_("Le nombre doit être compris entre 1 et 100 000."), "quantity")
    if (
        data.available_from is not None
        and data.available_until is not None
        and data.available_until <= data.available_from
    ):
        raise ResourceError(
            _("La fin de la disponibilité doit être après son début."), "available_until"
        )
    return ResourceData(
        kind=kind,
        name=name,
        site=data.site,
        quantity=quantity,
        available_from=data.available_from,
        available_until=data.available_until,
    )


def resource_create(*, data: ResourceData) -> Resource:
    """RE-1: a person, a counted equipment ("Laser ×6") or a room."""
    data = _clean(data, kind=data.kind)
    return Resource.objects.create(
        kind=data.kind,
        name=data.name,
        site=data.site,
        quantity=data.quantity,
        available_from=data.available_from,
        available_until=data.available_until,
    )


@transaction.atomic
def resource_update(*, resource: Resource, data: ResourceData) -> Resource:
    """RE-1: name, site, count, availability hours (the kind stays: bookings depend on it)."""
    locked = Resource.objects.select_for_update().get(pk=resource.pk)
    data = _clean(data, kind=locked.kind)
    if data.quantity < locked.quantity:
        peak, holder = _future_peak(locked)
        if peak > data.quantity:
            raise ResourceError(
                _(
                    "Impossible de descendre à %(count)s : %(peak)s sont déjà pris en même temps "
                    "(%(session)s)."
                )
                % {"count": data.quantity, "peak": peak, "session": holder},
                "quantity",
            )
    for name in ("name", "site", "quantity", "available_from", "available_until"):
        setattr(locked, name, getattr(data, name))
    _check_future_hours(locked)
    locked.save(update_fields=["name", "site", "quantity", "available_from", "available_until"])
    return locked


def _check_future_hours(resource: Resource) -> None:
    """New availability hours must still hold the sessions to come that use the resource."""
    if resource.available_from is None and resource.available_until is None:
        return
    rows = booking_rows(
        resource_ids=[resource.pk], start=timezone.now(), end=None, exclude_session_ids=()
    )
    for held in sorted(rows.get(resource.pk, []), key=lambda h: h.starts_at):
        probe = Session(starts_at=held.starts_at, ends_at=held.ends_at, capacity=1)
        if outside_hours(resource, Want(session=probe, resource=resource)):
            raise ResourceError(
                _("%(name)s est déjà sur %(session)s, en dehors de ces horaires.")
                % {"name": resource.name, "session": held.words},
                "available_from",
            )


def _future_peak(resource: Resource) -> tuple[int, str]:
    """The most units of `resource` that sessions still to come hold at the same moment, and
    the session holding most of them then."""
    rows = booking_rows(
        resource_ids=[resource.pk], start=timezone.now(), end=None, exclude_session_ids=()
    )
    timeline = Timeline(rows.get(resource.pk, []))
    best, holder = 0, ""
    for item in timeline.items:
        peak, top = timeline.peak(item.starts_at, item.ends_at)
        if peak > best:
            best, holder = peak, top
    return best, holder


@transaction.atomic
def resource_delete(*, resource: Resource) -> None:
    """RE-1: delete a resource no session uses (its needs and absences go with it)."""
    locked = Resource.objects.select_for_update().get(pk=resource.pk)
    booking = locked.bookings.select_related("session__product").order_by("starts_at", "id").first()
    if booking is not None:
        raise ResourceError(
            _("Impossible de supprimer %(name)s : la ressource est utilisée par %(session)s.")
            % {"name": locked.name, "session": booking_words(booking)}
        )
    locked.delete()


@transaction.atomic
def absence_add(
    *, resource: Resource, starts_on: dt.date, ends_on: dt.date, reason: str = ""
) -> ResourceAbsence:
    """RE-1: whole days a resource is away; refused while a session already uses it then."""
    for day, name in ((starts_on, "starts_on"), (ends_on, "ends_on")):
        refusal = date_refusal(day)
        if refusal:
            raise ResourceError(refusal, name)
    if ends_on < starts_on:
        raise ResourceError(_("La fin de l'absence doit être après son début."), "ends_on")
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX:
        raise ResourceError(
            _("Le motif ne doit pas dépasser %(max)s caractères.") % {"max": REASON_MAX}, "reason"
        )
    locked = Resource.objects.select_for_update().get(pk=resource.pk)
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(starts_on, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(ends_on + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    booking = (
        locked.bookings.filter(starts_at__lt=end, ends_at__gt=start)
        .select_related("session__product")
        .order_by("starts_at", "id")
        .first()
    )
    if booking is not None:
        raise ResourceError(
            _("%(name)s est déjà sur %(session)s : changez d'abord la ressource de cette séance.")
            % {"name": locked.name, "session": booking_words(booking)},
            "starts_on",
        )
    return ResourceAbsence.objects.create(
        resource=locked, starts_on=starts_on, ends_on=ends_on, reason=reason
    )


def absence_delete(*, absence: ResourceAbsence) -> None:
    absence.delete()


def need_set(
    *, product: Product, resource: Resource, quantity: int, per_participant: bool
) -> ResourceNeed:
    """RE-1: what each session of an activity needs ("1 moniteur", "1 Laser par participant").
    Sessions planned afterwards get it; a session already planned keeps its resources."""
    if product.kind != Product.Kind.ACTIVITY:
        raise ResourceError(_("Seule une activité a des besoins en ressources."), "product")
    if quantity < 1:
        raise ResourceError(_("La quantité doit être au moins 1."), "quantity")
    if resource.exclusive and (quantity != 1 or per_participant):
        raise ResourceError(
            _("Une personne ou une salle compte pour 1 par séance : seul le matériel se compte."),
            "quantity",
        )
    if quantity > resource.quantity:
        raise ResourceError(
            _("%(name)s : il n'y en a que %(count)s.")
            % {"name": resource.name, "count": resource.quantity},
            "quantity",
        )
    need, _created = ResourceNeed.objects.update_or_create(
        product=product,
        resource=resource,
        defaults={"quantity": quantity, "per_participant": per_participant},
    )
    return need


def need_delete(*, need: ResourceNeed) -> None:
    need.delete()
