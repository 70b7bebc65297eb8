"""RE-1: resources (people, counted equipment, rooms), what activities need, bookings never
doubled (the database's exclusion constraint, equipment counts), refusals naming the session."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from ponton.catalogue.models import Product
from ponton.planning import services
from ponton.planning import services_resources as res
from ponton.planning import services_resources_settings as rs
from ponton.planning.models import Resource, Session, SessionResource
from ponton.planning.services import PlanningError

PARIS = ZoneInfo("Europe/Paris")


def at(day: str, hour: str, fold: int = 0) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day} {hour}").replace(tzinfo=PARIS, fold=fold)


def activity(name: str) -> Product:
    return Product.objects.create(kind=Product.Kind.ACTIVITY, name=name, price=Decimal("50.00"))


def person(name: str = "Marie", **kw) -> Resource:
    return rs.resource_create(data=rs.ResourceData(kind="person", name=name, **kw))


def equipment(name: str, quantity: int) -> Resource:
    return rs.resource_create(data=rs.ResourceData(kind="equipment", name=name, quantity=quantity))


def session(product: Product, day: str, start: str, end: str, capacity: int = 6) -> Session:
    return services.session_add(
        product=product, starts_at=at(day, start), ends_at=at(day, end), capacity=capacity
    )


@pytest.fixture
def tenant(structure_a):
    structure, owner = structure_a
    with schema_context(structure.schema_name):
        yield structure


def test_a_person_is_never_on_two_overlapping_sessions(tenant):
    """RE-1: the activity needs Marie; a second session overlapping the first is refused, the
    refusal names the first; the minute boundary (12:00 then 12:00) is allowed."""
    marie = person()
    optimist = activity("Stage Optimist")
    rs.need_set(product=optimist, resource=marie, quantity=1, per_participant=False)
    first = session(optimist, "2026-07-12", "10:00", "12:00")
    assert [b.resource.name for b in first.resource_bookings.all()] == ["Marie"]

    with pytest.raises(PlanningError) as refused:
        session(optimist, "2026-07-12", "11:00", "13:00")
    assert str(refused.value) == "Marie est déjà sur Stage Optimist du 12/07, 10h–12h."
    assert Session.objects.count() == 1  # nothing half-written

    after = session(optimist, "2026-07-12", "12:00", "14:00")  # half-open ranges '[)'
    assert SessionResource.objects.filter(resource=marie).count() == 2
    assert after.resource_bookings.get().starts_at == at("2026-07-12", "12:00")


def test_the_database_refuses_an_overlap_the_services_did_not_check(tenant):
    """RE-1: the exclusion constraint (btree_gist, tstzrange '[)') refuses two overlapping
    bookings of a person written straight to the table; equipment rows are not exclusive."""
    marie = person()
    optimist = activity("Stage Optimist")
    one = session(optimist, "2026-07-12", "10:00", "12:00")
    two = session(optimist, "2026-07-12", "11:30", "13:00")
    SessionResource.objects.create(
        session=one, resource=marie, starts_at=one.starts_at, ends_at=one.ends_at
    )
    with pytest.raises(IntegrityError, match="violates exclusion constraint"):
        with transaction.atomic():
            SessionResource.objects.create(
                session=two, resource=marie, starts_at=two.starts_at, ends_at=two.ends_at
            )
    with connection.cursor() as cur:
        # (a schema copied with CREATE TABLE … LIKE names its constraints anew: found by type)
        cur.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE contype = 'x' "
            "AND conrelid = %s::regclass",
            [f"{tenant.schema_name}.planning_sessionresource"],
        )
        (definition,) = cur.fetchone()
        cur.execute(
            "SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'btree_gist'"
        )
        assert cur.fetchone() == ("public",)
    assert "resource_id WITH =" in definition
    assert "tstzrange(starts_at, ends_at, '[)'::text) WITH &&" in definition


@pytest.mark.real_clone
def test_a_new_structure_cloned_from_the_template_has_the_constraint(make_structure):
    """RE-1: a structure created by cloning the template schema refuses overlaps too."""
    structure, _owner = make_structure(name="Club cloné")
    with schema_context(structure.schema_name):
        marie = person()
        optimist = activity("Stage Optimist")
        one = session(optimist, "2026-07-12", "10:00", "12:00")
        two = session(optimist, "2026-07-12", "11:00", "12:30")
        SessionResource.objects.create(
            session=one, resource=marie, starts_at=one.starts_at, ends_at=one.ends_at
        )
        with pytest.raises(IntegrityError, match="violates exclusion constraint"):
            with transaction.atomic():
                SessionResource.objects.create(
                    session=two, resource=marie, starts_at=two.starts_at, ends_at=two.ends_at
                )


def test_counted_equipment_never_beyond_its_count(tenant):
    """RE-1: "Laser ×6": 4 on one session, 2 on an overlapping one, a third overlapping session
    wanting 1 more is refused naming who holds them; after the first ends, 6 are free again."""
    laser = equipment("Laser", 6)
    a, b, c = activity("Stage Laser"), activity("Régate"), activity("Balade")
    rs.need_set(product=a, resource=laser, quantity=4, per_participant=False)
    rs.need_set(product=b, resource=laser, quantity=2, per_participant=False)
    rs.need_set(product=c, resource=laser, quantity=1, per_participant=False)
    session(a, "2026-07-12", "10:00", "12:00")
    session(b, "2026-07-12", "11:00", "13:00")
    with pytest.raises(PlanningError) as refused:
        session(c, "2026-07-12", "11:30", "12:30")
    assert str(refused.value) == (
        "Plus assez de Laser : 6 sur 6 déjà pris par Stage Laser du 12/07, 10h–12h "
        "(il en faut 1 pour cette séance)."
    )
    # 12:00–14:00 overlaps only the Régate (2): the peak, not the sum of overlapping bookings
    session(c, "2026-07-12", "12:00", "14:00")
    assert not Session.objects.filter(product=c, starts_at=at("2026-07-12", "11:30")).exists()


def test_recurrence_reports_every_busy_date_and_creates_nothing(tenant):
    """RE-1: "Ajouter des dates" checks the resources of every date and names, per date, which
    could not be had; none of the series is created."""
    marie = person()
    regate = activity("Régate du club")
    optimist = activity("Stage Optimist")
    session(regate, "2026-07-14", "09:00", "11:00")
    session(regate, "2026-07-16", "10:30", "12:00")
    for s in Session.objects.all():
        res.session_resource_add(session=s, resource=marie)
    rs.need_set(product=optimist, resource=marie, quantity=1, per_participant=False)
    with pytest.raises(res.ResourceError) as refused:
        services.sessions_add_recurrence(
            product=optimist,
            start_date=dt.date(2026, 7, 13),
            end_date=dt.date(2026, 7, 17),
            weekdays=[0, 1, 2, 3, 4],
            times=[(dt.time(10), dt.time(12))],
            capacity=6,
        )
    assert refused.value.problems == [
        "Aucune séance n'a été créée : les ressources ne sont pas disponibles pour 2 dates.",
        "Le 14/07/2026 (10h–12h) : Marie est déjà sur Régate du club du 14/07, 9h–11h.",
        "Le 16/07/2026 (10h–12h) : Marie est déjà sur Régate du club du 16/07, 10h30–12h.",
    ]
    assert not Session.objects.filter(product=optimist).exists()
    assert SessionResource.objects.count() == 2


def test_absence_and_availability_hours(tenant):
    """RE-1: an absent instructor or a session outside their hours is refused in French; an
    absence over a session already planned is refused too."""
    marie = person(available_from=dt.time(9), available_until=dt.time(18))
    optimist = activity("Stage Optimist")
    rs.need_set(product=optimist, resource=marie, quantity=1, per_participant=False)
    with pytest.raises(PlanningError, match=r"^Marie n'est disponible que de 9h à 18h\.$"):
        session(optimist, "2026-07-12", "17:00", "19:00")
    rs.absence_add(
        resource=marie,
        starts_on=dt.date(2026, 7, 20),
        ends_on=dt.date(2026, 7, 25),
        reason="congés",
    )
    with pytest.raises(PlanningError) as refused:
        session(optimist, "2026-07-22", "10:00", "12:00")
    assert str(refused.value) == "Marie est absent(e) du 20/07/2026 au 25/07/2026 (congés)."
    session(optimist, "2026-07-26", "10:00", "12:00")
    with pytest.raises(PlanningError) as refused:
        rs.absence_add(resource=marie, starts_on=dt.date(2026, 7, 26), ends_on=dt.date(2026, 7, 26))
    assert str(refused.value).startswith("Marie est déjà sur Stage Optimist du 26/07, 10h–12h")
    assert marie.absences.count() == 1


def test_move_and_capacity_recheck_resources(tenant):
    """RE-1: moving a session onto Marie's other session is refused (nothing moved); a
    capacity whose places would need more Lasers than exist is refused with the same words."""
    marie = person()
    laser = equipment("Laser", 6)
    optimist = activity("Stage Optimist")
    rs.need_set(product=optimist, resource=marie, quantity=1, per_participant=False)
    rs.need_set(product=optimist, resource=laser, quantity=1, per_participant=True)
    first = session(optimist, "2026-07-12", "10:00", "12:00")
    second = session(optimist, "2026-07-12", "14:00", "16:00")
    with pytest.raises(PlanningError) as refused:
        services.session_move(
            session=second, starts_at=at("2026-07-12", "11:00"), ends_at=at("2026-07-12", "13:00")
        )
    assert str(refused.value) == "Marie est déjà sur Stage Optimist du 12/07, 10h–12h."
    second.refresh_from_db()
    assert second.starts_at == at("2026-07-12", "14:00")
    assert second.resource_bookings.count() == 2  # its resources kept, at their times
    assert {b.starts_at for b in second.resource_bookings.all()} == {at("2026-07-12", "14:00")}

    services.session_move(
        session=second, starts_at=at("2026-07-12", "12:00"), ends_at=at("2026-07-12", "13:00")
    )
    assert {b.starts_at for b in second.resource_bookings.all()} == {at("2026-07-12", "12:00")}

    with pytest.raises(PlanningError) as refused:
        services.session_set_capacity(session=first, capacity=8)
    assert str(refused.value) == (
        "Laser : il en faut 8 pour les 8 places de la séance (1 par participant), "
        "il n'y en a que 6."
    )
    first.refresh_from_db()
    assert first.capacity == 6


def test_a_session_across_the_october_time_change(tenant):
    """RE-1: times are instants: a session from 00:00 to 04:00 on 25/10/2026 (Paris) lasts five
    hours; 02:30 of the second pass (CET) overlaps it; 04:00 does not."""
    marie = person()
    night = activity("Veille de nuit")
    rs.need_set(product=night, resource=marie, quantity=1, per_participant=False)
    long = session(night, "2026-10-25", "00:00", "04:00", capacity=2)
    booking = long.resource_bookings.get()
    assert booking.ends_at - booking.starts_at == dt.timedelta(hours=5)
    with pytest.raises(PlanningError, match="Marie est déjà sur Veille de nuit du 25/10, 0h–4h"):
        services.session_add(
            product=night,
            starts_at=at("2026-10-25", "02:30", fold=1),
            ends_at=at("2026-10-25", "03:30"),
            capacity=2,
        )
    session(night, "2026-10-25", "04:00", "05:00", capacity=2)


def test_a_resource_of_another_structure_is_refused(structure_a, structure_b, client_for):
    """RE-1: tenant isolation: an id of another structure's resource is not one of this
    structure's: refused in French, nothing written."""
    tenant, owner = structure_a
    other, _other_owner = structure_b
    with schema_context(other.schema_name):
        for name in ("A", "B", "C", "D"):
            person(name)
        foreign = person("Paul").pk
    with schema_context(tenant.schema_name):
        optimist = activity("Stage Optimist")
        planned = session(optimist, "2026-07-12", "10:00", "12:00")
        assert not Resource.objects.filter(pk=foreign).exists()
    response = client_for(tenant, owner).post(
        f"/manager/planning/seances/{planned.pk}/ressources/",
        {"resource-resource": str(foreign), "resource-quantity": "1"},
    )
    assert response.status_code == 400
    assert "Cette ressource n&#x27;existe pas dans votre structure." in response.content.decode()
    with schema_context(tenant.schema_name):
        assert SessionResource.objects.count() == 0


def test_background_generation_checks_every_date_before_the_job(tenant):
    """RE-1 with PL-1's background generation: a busy date refuses the series before any job
    exists; a free series is generated chunk by chunk with its resources booked."""
    from ponton.planning import services_jobs
    from ponton.planning.models import GenerationJob

    marie = person()
    optimist = activity("Stage Optimist")
    rs.need_set(product=optimist, resource=marie, quantity=1, per_participant=False)
    busy = session(activity("Régate"), "2026-07-15", "11:00", "12:00")
    res.session_resource_add(session=busy, resource=marie)
    recurrence = {
        "product": optimist,
        "start_date": dt.date(2026, 7, 13),
        "end_date": dt.date(2026, 7, 17),
        "weekdays": [0, 1, 2, 3, 4],
        "times": [(dt.time(10), dt.time(12))],
        "capacity": 6,
    }
    with pytest.raises(res.ResourceError) as refused:
        services_jobs.recurrence_job_start(**recurrence)
    assert refused.value.problems[1:] == [
        "Le 15/07/2026 (10h–12h) : Marie est déjà sur Régate du 15/07, 11h–12h."
    ]
    assert GenerationJob.objects.count() == 0

    job = services_jobs.recurrence_job_start(
        **{**recurrence, "start_date": dt.date(2026, 7, 20), "end_date": dt.date(2026, 7, 24)}
    )
    services_jobs.recurrence_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.state, job.done) == ("done", 5)
    assert SessionResource.objects.filter(resource=marie, session__product=optimist).count() == 5


def test_changing_a_resource_keeps_the_sessions_to_come(tenant):
    """RE-1: hours that no longer hold a session to come, or fewer boats than a coming session
    holds, are refused naming it; nothing is changed."""
    marie = person()
    laser = equipment("Laser", 6)
    regate = activity("Régate")
    rs.need_set(product=regate, resource=marie, quantity=1, per_participant=False)
    rs.need_set(product=regate, resource=laser, quantity=4, per_participant=False)
    future = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    session(regate, future, "17:00", "19:00")
    day = dt.date.fromisoformat(future).strftime("%d/%m")
    with pytest.raises(PlanningError) as refused:
        rs.resource_update(
            resource=marie,
            data=rs.ResourceData(kind="person", name="Marie", available_until=dt.time(18)),
        )
    assert str(refused.value) == (
        f"Marie est déjà sur Régate du {day}, 17h–19h, en dehors de ces horaires."
    )
    with pytest.raises(PlanningError) as refused:
        rs.resource_update(
            resource=laser, data=rs.ResourceData(kind="equipment", name="Laser", quantity=3)
        )
    assert str(refused.value) == (
        f"Impossible de descendre à 3 : 4 sont déjà pris en même temps (Régate du {day}, 17h–19h)."
    )
    marie.refresh_from_db()
    laser.refresh_from_db()
    assert (marie.available_until, laser.quantity) == (None, 6)
    rs.resource_update(
        resource=laser, data=rs.ResourceData(kind="equipment", name="Laser", quantity=4)
    )
