"""Writes of the planning (PL-1 add dates, PL-2 change a session). Every refusal raises
`PlanningError` before any write, inside one transaction: nothing is half-saved."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ponton.catalogue.models import Product, Site
from ponton.planning.models import ResourceNeed, Session
from ponton.planning.selectors_holidays import public_holidays
from ponton.web.bounds import CAPACITY_MAX, date_refusal
from realtime.services import availability_changed

SessionSpec = tuple[dt.datetime, dt.datetime, int]  # (starts_at, ends_at, capacity)


class PlanningError(Exception):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def _check_product(product: Product) -> None:
    if product.kind != Product.Kind.ACTIVITY:
        raise PlanningError(_("Seule une activité peut avoir des séances."), "product")


def _check_day(day: dt.date, field: str) -> None:
    refusal = date_refusal(day)
    if refusal:
        raise PlanningError(refusal, field)


def _check_times(starts_at: dt.datetime, ends_at: dt.datetime) -> None:
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise ValueError("session times must be timezone-aware")
    # Compared in UTC first: a date near year 1 or 9999 has no local time to ask for.
    _check_day(starts_at.astimezone(dt.UTC).date(), "starts_at")
    _check_day(ends_at.astimezone(dt.UTC).date(), "ends_at")
    if ends_at <= starts_at:
        raise PlanningError(_("La fin doit être après le début."), "ends_at")


def capacity_refusal(capacity: int) -> str | None:
    """Why a session may not have `capacity` places (French), or None: 1 to CAPACITY_MAX."""
    if capacity < 0:
        return _("Le nombre de places ne peut pas être négatif.")
    if capacity < 1:
        return _("Une séance a au moins 1 place.")
    if capacity > CAPACITY_MAX:
        return _("Une séance a au plus %(max)s places.") % {
            "max": f"{CAPACITY_MAX:,}".replace(",", " ")
        }
    return None


def _check_capacity(capacity: int) -> None:
    refusal = capacity_refusal(capacity)
    if refusal:
        raise PlanningError(refusal, "capacity")


def _build(*, product: Product, site: Site | None, specs: Iterable[SessionSpec]) -> list[Session]:
    sessions = []
    for starts_at, ends_at, capacity in specs:
        _check_times(starts_at, ends_at)
        _check_capacity(capacity)
        sessions.append(
            Session(
                product=product,
                site=site,
                starts_at=starts_at,
                ends_at=ends_at,
                capacity=capacity,
            )
        )
    return sessions


@transaction.atomic
def sessions_add(
    *, product: Product, sessions: Sequence[SessionSpec], site: Site | None = None
) -> list[Session]:
    """PL-1: several sessions at once ("ajouter une autre séance"); all or none. RE-1: each
    gets the resources its activity needs, or none is created (refusals per date)."""
    _check_product(product)
    created = Session.objects.bulk_create(_build(product=product, site=site, specs=sessions))
    _resources().sessions_book_needs(sessions=created)
    return created


def session_add(
    *,
    product: Product,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    capacity: int,
    site: Site | None = None,
) -> Session:
    """PL-1: one session."""
    return sessions_add(product=product, sessions=[(starts_at, ends_at, capacity)], site=site)[0]


def recurrence_specs(
    *,
    start_date: dt.date,
    end_date: dt.date,
    weekdays: Iterable[int],
    times: Sequence[tuple[dt.time, dt.time]],
    capacity: int,
    skip_holidays: bool = False,
) -> list[SessionSpec]:
    """The sessions of a recurrence: every chosen weekday (0 = Monday) of the period, at each
    (start, end) time, in the structure's time zone; without France's public holidays when
    `skip_holidays` ("Ne pas créer les séances des jours fériés")."""
    days = set(weekdays)
    if not days:
        raise PlanningError(_("Choisissez au moins un jour de la semaine."), "weekdays")
    if end_date < start_date:
        raise PlanningError(_("La fin de la période doit être après son début."), "end_date")
    if not times:
        raise PlanningError(_("Indiquez au moins un horaire."), "times")
    _check_day(start_date, "start_date")
    _check_day(end_date, "end_date")
    _check_capacity(capacity)
    zone = timezone.get_current_timezone()
    skipped = public_holidays(start=start_date, end=end_date) if skip_holidays else {}
    specs = []
    day = start_date
    while day <= end_date:
        if day.weekday() in days and day not in skipped:
            for start, end in times:
                specs.append(
                    (
                        dt.datetime.combine(day, start, tzinfo=zone),
                        dt.datetime.combine(day, end, tzinfo=zone),
                        capacity,
                    )
                )
        day += dt.timedelta(days=1)
    return specs


@transaction.atomic
def sessions_add_recurrence(
    *,
    product: Product,
    start_date: dt.date,
    end_date: dt.date,
    weekdays: Iterable[int],
    times: Sequence[tuple[dt.time, dt.time]],
    capacity: int,
    site: Site | None = None,
    skip_holidays: bool = False,
) -> list[Session]:
    """PL-1: recurring sessions over a period on chosen weekdays (public holidays left out on
    request), one bulk insert. RE-1: every date gets the resources its activity needs, or
    nothing of the series is created and the refusal says, date by date, what is busy."""
    _check_product(product)
    specs = recurrence_specs(
        start_date=start_date,
        end_date=end_date,
        weekdays=weekdays,
        times=times,
        capacity=capacity,
        skip_holidays=skip_holidays,
    )
    created = Session.objects.bulk_create(
        _build(product=product, site=site, specs=specs), batch_size=1000
    )
    _resources().sessions_book_needs(sessions=created)
    return created


def _resources():
    """The resources' services (RE-1), which build on this module (`PlanningError`)."""
    from ponton.planning import services_resources

    return services_resources


@transaction.atomic
def session_move(*, session: Session, starts_at: dt.datetime, ends_at: dt.datetime) -> Session:
    """PL-2: move the date/time of a session (its series is renumbered by the selectors).
    RE-1: its resources go with it, refused as when planning when one is busy then."""
    _check_times(starts_at, ends_at)
    previous = session.starts_at, session.ends_at
    session.starts_at, session.ends_at = starts_at, ends_at
    try:
        session.save(update_fields=["starts_at", "ends_at"])
        _resources().session_resources_recheck(session=session)
    except PlanningError:
        session.starts_at, session.ends_at = previous
        raise
    availability_changed(session_ids=[session.pk])
    return session


@transaction.atomic
def session_set_capacity(*, session: Session, capacity: int) -> Session:
    """PL-2: change the capacity, never below the seats sold."""
    _check_capacity(capacity)
    locked = Session.objects.select_for_update().get(pk=session.pk)
    if capacity < locked.sold:
        raise PlanningError(
            _("Impossible de descendre sous les %(sold)s places déjà vendues.")
            % {"sold": locked.sold},
            "capacity",
        )
    _resources().session_resources_capacity_check(session=locked, capacity=capacity)
    locked.capacity = capacity
    locked.save(update_fields=["capacity"])
    availability_changed(session_ids=[locked.pk])
    session.capacity, session.sold = locked.capacity, locked.sold
    return session


def _recorded_on(session_ids: list[int]) -> str:
    """The orders and quotes whose lines name these sessions, as a French list ("le devis
    DE-2026-00001 et la commande CO-2026-00002"), empty when none does.

    With no seat sold, such lines are a quote's or cancelled ones. They stay as they are: a
    quote may still become an order on its session, a cancelled line keeps its history (and may
    be on an issued invoice), so a session they name is not deleted. The lines are reached
    through the reverse relation: planning does not import sales (sales imports planning)."""
    line_model = Session._meta.get_field("order_lines").related_model
    assert not isinstance(line_model, str)  # a resolved model once the apps are loaded
    lines = line_model._default_manager
    orders = list(
        lines.filter(session_id__in=session_ids)
        .values_list("order__number", "order__status")
        .distinct()
        .order_by("order__number")
    )
    names = [
        (_("le devis %(number)s") if status == "quote" else _("la commande %(number)s"))
        % {"number": number}
        for number, status in orders[:5]
    ]
    if len(orders) > 5:
        names[-1] += " …"
    if len(names) < 2:
        return "".join(names)
    return _("%(first)s et %(last)s") % {"first": ", ".join(names[:-1]), "last": names[-1]}


@transaction.atomic
def session_delete(*, session: Session) -> None:
    """PL-2: delete a session, refused once seats are sold, and while an order or a quote
    names it (a quote's lines, cancelled lines: see `_recorded_on`)."""
    locked = Session.objects.select_for_update().get(pk=session.pk)
    if locked.sold:
        raise PlanningError(
            ngettext(
                "Impossible de supprimer cette séance : %(sold)s place est déjà vendue.",
                "Impossible de supprimer cette séance : %(sold)s places sont déjà vendues.",
                locked.sold,
            )
            % {"sold": locked.sold}
        )
    orders = _recorded_on([locked.pk])
    if orders:
        raise PlanningError(
            _("Impossible de supprimer cette séance : elle figure sur %(orders)s.")
            % {"orders": orders}
        )
    availability_changed(session_ids=[locked.pk])  # sent as null: the session is gone
    locked.delete()


@transaction.atomic
def sessions_delete_date(*, product: Product, day: dt.date) -> int:
    """PL-2: delete every session of an activity on one date (structure's time zone); refused,
    deleting nothing, when a seat is sold on one of them. Returns the number deleted."""
    _check_day(day, "date")
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    sessions = list(
        Session.objects.select_for_update()
        .filter(
            product=product,
            starts_at__gte=start,
            starts_at__lt=start + dt.timedelta(days=1),
        )
        .order_by("starts_at")
    )
    sold = sum(s.sold for s in sessions)
    if sold:
        raise PlanningError(
            ngettext(
                "Impossible de supprimer cette date : %(sold)s place est déjà vendue.",
                "Impossible de supprimer cette date : %(sold)s places sont déjà vendues.",
                sold,
            )
            % {"sold": sold}
        )
    orders = _recorded_on([s.pk for s in sessions])
    if orders:
        raise PlanningError(
            _("Impossible de supprimer cette date : ses séances figurent sur %(orders)s.")
            % {"orders": orders}
        )
    availability_changed(session_ids=[s.pk for s in sessions])  # sent as null: gone
    Session.objects.filter(pk__in=[s.pk for s in sessions]).delete()
    return len(sessions)


# --- Duplicate an activity, with or without its planning (CA-5) -----------------------------


def _shifted(moment: dt.datetime, days: int, zone) -> dt.datetime:
    """The same wall-clock time `days` later in `zone`: a 10:00 session stays 10:00 across a
    change of summer/winter time."""
    local = timezone.localtime(moment, zone)
    return dt.datetime.combine(
        local.date() + dt.timedelta(days=days), local.time().replace(tzinfo=None), tzinfo=zone
    )


@transaction.atomic
def activity_duplicate(
    *, product: Product, name: str, new_start: dt.date | None, with_planning: bool
) -> Product:
    """CA-5: a new draft activity with the product's fields, seasons, rates, promotions, custom
    fields, associated products, stock (a dedicated stock gets its own new stock of the same
    quantity, a shared one stays shared) and resource needs (RE-1). With its planning: every
    session copied in one bulk insert, shifted by whole days so the first session falls on
    `new_start`, local times and capacities kept, no seat sold, their resources booked (a busy
    one refuses the whole copy, naming each date). Every refusal rolls back the whole copy."""
    from ponton.catalogue.models import (
        CustomField,
        ProductAssociation,
        Promotion,
        Rate,
        Season,
        StockPool,
    )
    from ponton.catalogue.services import PRODUCT_FIELDS

    if product.kind != Product.Kind.ACTIVITY:
        raise PlanningError(_("Seule une activité peut être dupliquée avec son planning."))
    name = (name or "").strip()
    if not name:
        raise PlanningError(_("Indiquez le nom de la nouvelle activité."), "name")
    max_length = Product._meta.get_field("name").max_length
    assert max_length is not None  # a CharField
    if len(name) > max_length:
        raise PlanningError(_("Le nom ne doit pas dépasser 200 caractères."), "name")
    source = (
        Product.objects.select_for_update(of=("self",))
        .select_related("stock_pool")
        .get(pk=product.pk)
    )
    sessions = list(source.sessions.order_by("starts_at", "pk")) if with_planning else []
    if with_planning:
        if new_start is None:
            raise PlanningError(
                _("Indiquez la nouvelle date de début pour copier le planning."), "new_start"
            )
        if not sessions:
            raise PlanningError(
                _(
                    "Cette activité n'a aucune séance : il n'y a pas de planning à copier. "
                    "Décochez « Copier le planning »."
                ),
                "with_planning",
            )

    copy = Product(kind=source.kind, status=Product.Status.DRAFT)
    for field in PRODUCT_FIELDS:
        setattr(copy, field, getattr(source, field))
    copy.name = name
    pool = source.stock_pool
    if pool is not None and not pool.shared:
        copy.stock_pool = StockPool.objects.create(name=name, quantity=pool.quantity, shared=False)
    copy.save()

    seasons: dict[int | None, Season] = {
        season.pk: Season.objects.create(
            product=copy, name=season.name, starts_on=season.starts_on, ends_on=season.ends_on
        )
        for season in source.seasons.all()
    }
    Rate.objects.bulk_create(
        Rate(
            product=copy,
            name=rate.name,
            amount=rate.amount,
            season=seasons.get(rate.season_id),
            position=rate.position,
        )
        for rate in source.rates.all()
    )
    Promotion.objects.bulk_create(
        Promotion(
            product=copy,
            name=promotion.name,
            kind=promotion.kind,
            value=promotion.value,
            condition=promotion.condition,
            starts_on=promotion.starts_on,
            ends_on=promotion.ends_on,
        )
        for promotion in source.promotions.all()
    )
    ProductAssociation.objects.bulk_create(
        ProductAssociation(
            product=copy,
            associated_id=association.associated_id,
            starts_on=association.starts_on,
            ends_on=association.ends_on,
            mandatory=association.mandatory,
        )
        for association in source.associations.all()
    )
    links = CustomField.products.through
    links.objects.bulk_create(
        links(customfield_id=field_id, product_id=copy.pk)
        for field_id in source.custom_fields.values_list("pk", flat=True)
    )

    # RE-1: what each session needs (instructors, boats, rooms) comes along.
    ResourceNeed.objects.bulk_create(
        ResourceNeed(
            product=copy,
            resource_id=need.resource_id,
            quantity=need.quantity,
            per_participant=need.per_participant,
        )
        for need in source.resource_needs.all()
    )

    if sessions:
        zone = timezone.get_current_timezone()
        first_day = timezone.localtime(sessions[0].starts_at, zone).date()
        assert new_start is not None  # required above when the planning is copied
        days = (new_start - first_day).days
        created = Session.objects.bulk_create(
            (
                Session(
                    product=copy,
                    site_id=session.site_id,
                    starts_at=_shifted(session.starts_at, days, zone),
                    ends_at=_shifted(session.ends_at, days, zone),
                    capacity=session.capacity,
                    sold=0,
                )
                for session in sessions
            ),
            batch_size=1000,
        )
        # Their resources are booked like any planning: a busy one refuses the copy (per date).
        _resources().sessions_book_needs(sessions=created)
    return copy
