"""CA-5: "Duplicate a product: ... for an activity (optionally copying its planning); then archive
or unpublish the old one." (features.md). The help centre: « cliquez sur l'activité à dupliquer,
cliquez sur « Dupliquer », puis cliquez sur « Oui » pour recopier la planification dans le
nouveau produit »."""

from __future__ import annotations

import datetime as dt
import html
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django_tenants.utils import schema_context

from ponton.catalogue import services
from ponton.catalogue.models import (
    Category,
    CustomField,
    Product,
    ProductAssociation,
    Promotion,
    Rate,
    Season,
    Site,
    StockPool,
)
from ponton.catalogue.services import ProductData, PromotionData
from ponton.planning.models import Session
from ponton.planning.services import PlanningError, activity_duplicate

PARIS = ZoneInfo("Europe/Paris")


def at(day: str, hour: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day} {hour}").replace(tzinfo=PARIS)


def local(moment: dt.datetime) -> str:
    return moment.astimezone(PARIS).strftime("%Y-%m-%d %a %H:%M")


@pytest.fixture
def tenant(structure_a):
    structure, owner = structure_a
    with schema_context(structure.schema_name):
        yield structure, owner


def color_run(*, shared: bool = False, sessions: bool = True) -> Product:
    """A published activity with everything that belongs to it, and sessions around the change
    to summer time (Sunday 28 March 2027 in Europe/Paris), two of them with seats sold."""
    site = Site.objects.create(name="Parc de la Citadelle")
    pool = services.stock_pool_create(name="Dossards", quantity=40, shared=shared)
    poster = services.product_create(
        kind=Product.Kind.SHOP_ITEM, data=ProductData(name="Affiche", price=Decimal("7.00"))
    )
    product = services.product_create(
        kind=Product.Kind.ACTIVITY,
        data=ProductData(
            name="Color Run 2027",
            price=Decimal("25.00"),
            description="Course colorée",
            category=Category.objects.get(name="Arts et culture"),
            accounting_code="706200",
            min_participants=5,
            booking_opens_before_hours=720,
            booking_closes_before_hours=24,
            counter_only=True,
            site=site,
            stock_pool=pool,
        ),
    )
    haute = services.season_add(
        product=product,
        name="Haute saison",
        starts_on=dt.date(2027, 3, 1),
        ends_on=dt.date(2027, 4, 30),
    )
    services.rate_add(product=product, name="Adulte", amount=Decimal("25.00"))
    services.rate_add(product=product, name="Enfant", amount=Decimal("15.00"), season=haute)
    services.promotion_add(
        product=product,
        data=PromotionData(
            name="Tarif habitants", kind="percent", value=Decimal("10"), condition="Résidents"
        ),
    )
    services.association_add(product=product, associated=poster, starts_on=dt.date(2027, 1, 1))
    services.custom_field_create(
        label="Taille de tee-shirt", kind="text", asked_for="consumer", products=[product]
    )
    services.product_publish(product=product)
    if sessions:
        Session.objects.bulk_create(
            [
                # Saturday 20 March 2027, winter time (UTC+1)
                Session(
                    product=product,
                    site=site,
                    starts_at=at("2027-03-20", "10:00"),
                    ends_at=at("2027-03-20", "12:00"),
                    capacity=30,
                    sold=12,
                ),
                # Wednesday 24 March, winter time
                Session(
                    product=product,
                    starts_at=at("2027-03-24", "14:00"),
                    ends_at=at("2027-03-24", "17:00"),
                    capacity=20,
                    sold=0,
                ),
                # Saturday 3 April, summer time (UTC+2)
                Session(
                    product=product,
                    site=site,
                    starts_at=at("2027-04-03", "10:00"),
                    ends_at=at("2027-04-03", "12:00"),
                    capacity=30,
                    sold=30,
                ),
            ]
        )
    return product


def snapshot(product: Product) -> dict:
    product.refresh_from_db()
    return {
        "product": (product.name, product.status, product.stock_pool_id, product.updated_at),
        "pool": StockPool.objects.filter(pk=product.stock_pool_id).values_list("quantity", "sold")[
            0
        ],
        "rates": list(product.rates.values_list("name", "amount", "season_id")),
        "seasons": list(product.seasons.values_list("pk", "name")),
        "promotions": list(product.promotions.values_list("pk", "name")),
        "associations": list(product.associations.values_list("pk", "associated_id")),
        "custom_fields": list(product.custom_fields.values_list("pk", flat=True)),
        "sessions": list(
            product.sessions.values_list("pk", "starts_at", "ends_at", "capacity", "sold")
        ),
    }


def counts() -> tuple[int, ...]:
    return (
        Product.objects.count(),
        StockPool.objects.count(),
        Season.objects.count(),
        Rate.objects.count(),
        Promotion.objects.count(),
        ProductAssociation.objects.count(),
        CustomField.products.through.objects.count(),
        Session.objects.count(),
    )


def test_duplicate_with_planning_copies_everything_and_shifts_sessions_across_dst(tenant):
    """CA-5: with « Copier le planning », the new draft activity gets every field, season, rate,
    promotion, associated product, custom field and a new dedicated stock of the same quantity;
    its sessions are shifted by whole days so the first one lands on the new start, keeping
    local times across the change to summer time, capacities kept, no seat sold. The old
    activity is untouched."""
    old = color_run()
    before = snapshot(old)
    # first session Saturday 20 March 2027 -> Saturday 10 April 2027: 21 days later, all in
    # summer time.
    copy = activity_duplicate(
        product=old, name="  Color Run 2028  ", new_start=dt.date(2027, 4, 10), with_planning=True
    )

    assert snapshot(old) == before
    copy.refresh_from_db()
    assert (copy.kind, copy.status, copy.name) == ("activity", "draft", "Color Run 2028")
    for field in (
        "description",
        "price",
        "accounting_code",
        "min_participants",
        "booking_opens_before_hours",
        "booking_closes_before_hours",
        "counter_only",
        "site_id",
        "vat_rate",
    ):
        assert getattr(copy, field) == getattr(old, field), field
    assert copy.stock_pool_id != old.stock_pool_id
    assert (copy.stock_pool.quantity, copy.stock_pool.sold, copy.stock_pool.shared) == (
        40,
        0,
        False,
    )
    assert list(copy.seasons.values_list("name", "starts_on", "ends_on")) == [
        ("Haute saison", dt.date(2027, 3, 1), dt.date(2027, 4, 30))
    ]
    new_season = copy.seasons.get()
    assert new_season.pk not in [pk for pk, _ in before["seasons"]]
    assert list(copy.rates.values_list("name", "amount", "season_id")) == [
        ("Adulte", Decimal("25.00"), None),
        ("Enfant", Decimal("15.00"), new_season.pk),
    ]
    assert list(copy.promotions.values_list("name", "kind", "value", "condition")) == [
        ("Tarif habitants", "percent", Decimal("10.00"), "Résidents")
    ]
    assert list(copy.associations.values_list("associated__name", "starts_on")) == [
        ("Affiche", dt.date(2027, 1, 1))
    ]
    assert list(copy.custom_fields.values_list("label", flat=True)) == ["Taille de tee-shirt"]

    sessions = list(copy.sessions.order_by("starts_at"))
    assert [
        (local(s.starts_at), local(s.ends_at), s.capacity, s.sold, s.site_id) for s in sessions
    ] == [
        ("2027-04-10 Sat 10:00", "2027-04-10 Sat 12:00", 30, 0, old.site_id),
        ("2027-04-14 Wed 14:00", "2027-04-14 Wed 17:00", 20, 0, None),
        ("2027-04-24 Sat 10:00", "2027-04-24 Sat 12:00", 30, 0, old.site_id),
    ]
    # 10:00 in winter was 09:00 UTC; 10:00 in summer is 08:00 UTC.
    assert old.sessions.order_by("starts_at")[0].starts_at.astimezone(dt.UTC).hour == 9
    assert sessions[0].starts_at.astimezone(dt.UTC).hour == 8


def test_shift_back_into_winter_time_keeps_local_times(tenant):
    """CA-5: shifting from summer time back into winter time also keeps 10:00 at 10:00."""
    old = color_run()
    copy = activity_duplicate(
        product=old, name="Color Run hiver", new_start=dt.date(2026, 11, 7), with_planning=True
    )
    assert [local(s.starts_at) for s in copy.sessions.order_by("starts_at")] == [
        "2026-11-07 Sat 10:00",
        "2026-11-11 Wed 14:00",
        "2026-11-21 Sat 10:00",
    ]


def test_duplicate_without_planning_copies_no_session(tenant):
    """CA-5: without « Copier le planning » the new activity has no session; a shared stock stays
    shared (the same pool), and no new date is needed."""
    old = color_run(shared=True)
    before = snapshot(old)
    copy = activity_duplicate(
        product=old, name="Color Run 2028", new_start=None, with_planning=False
    )
    assert snapshot(old) == before
    assert copy.status == "draft"
    assert copy.sessions.count() == 0
    assert copy.stock_pool_id == old.stock_pool_id
    assert StockPool.objects.count() == 1
    assert copy.rates.count() == 2


def test_duplicate_without_stock(tenant):
    """CA-5: an activity without stock gives a copy without stock."""
    old = services.product_create(
        kind=Product.Kind.ACTIVITY, data=ProductData(name="Stage", price=Decimal("10"))
    )
    Session.objects.create(
        product=old,
        starts_at=at("2027-07-05", "09:00"),
        ends_at=at("2027-07-05", "12:00"),
        capacity=8,
        sold=8,
    )
    copy = activity_duplicate(
        product=old, name="Stage bis", new_start=dt.date(2027, 7, 5), with_planning=True
    )
    assert copy.stock_pool is None
    session = copy.sessions.get()
    assert (local(session.starts_at), session.capacity, session.sold) == (
        "2027-07-05 Mon 09:00",
        8,
        0,
    )


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        (
            {"name": "Color Run 2028", "new_start": None, "with_planning": True},
            "new_start",
            "Indiquez la nouvelle date de début pour copier le planning.",
        ),
        (
            {"name": "   ", "new_start": dt.date(2027, 4, 10), "with_planning": True},
            "name",
            "Indiquez le nom de la nouvelle activité.",
        ),
        (
            {"name": "x" * 201, "new_start": None, "with_planning": False},
            "name",
            "Le nom ne doit pas dépasser 200 caractères.",
        ),
    ],
)
def test_refusals_save_nothing(tenant, kwargs, field, message):
    """CA-5: a missing new start (with planning) or an empty name is refused in French, on its
    field, and nothing is saved."""
    old = color_run()
    before, before_counts = snapshot(old), counts()
    with pytest.raises(PlanningError) as error:
        activity_duplicate(product=old, **kwargs)
    assert (str(error.value), error.value.field) == (message, field)
    assert counts() == before_counts
    assert snapshot(old) == before


def test_no_planning_to_copy_is_said(tenant):
    """CA-5: copying the planning of an activity without sessions is refused and says why;
    nothing saved (no product, no stock)."""
    old = color_run(sessions=False)
    before_counts = counts()
    with pytest.raises(PlanningError) as error:
        activity_duplicate(
            product=old, name="Color Run 2028", new_start=dt.date(2027, 4, 10), with_planning=True
        )
    assert error.value.field == "with_planning"
    assert str(error.value) == (
        "Cette activité n'a aucune séance : il n'y a pas de planning à copier. "
        "Décochez « Copier le planning »."
    )
    assert counts() == before_counts


def test_only_activities(tenant):
    """CA-5: this duplication is for activities only."""
    shop = services.product_create(
        kind=Product.Kind.SHOP_ITEM, data=ProductData(name="Affiche", price=Decimal("7"))
    )
    with pytest.raises(PlanningError) as error:
        activity_duplicate(product=shop, name="Affiche 2", new_start=None, with_planning=False)
    assert str(error.value) == "Seule une activité peut être dupliquée avec son planning."
    assert Product.objects.count() == 1


def test_duplicate_page_then_archive_or_unpublish_the_old_one(tenant, client_for):
    """CA-5 in the Club Manager: « Dupliquer » on the activity asks the name, « Copier le
    planning » and « Nouvelle date de début »; the new draft opens with « Archiver l'ancienne » /
    « Dépublier l'ancienne »; refusals are shown next to their field, nothing saved."""
    structure, owner = tenant
    old = color_run()
    client = client_for(structure, owner)
    edit = html.unescape(client.get(f"/manager/offre/{old.pk}/").content.decode())
    assert f'href="/manager/offre/{old.pk}/dupliquer/"' in edit

    page = client.get(f"/manager/offre/{old.pk}/dupliquer/")
    text = html.unescape(page.content.decode())
    assert "Dupliquer l'activité « Color Run 2027 »" in text
    assert 'value="Color Run 2028"' in text
    for label in ("Nom de la nouvelle activité", "Copier le planning", "Nouvelle date de début"):
        assert label in text
    assert "Première séance actuelle : samedi 20/03/2027." in text

    before_counts = counts()
    refused = client.post(
        f"/manager/offre/{old.pk}/dupliquer/", {"name": "Color Run 2028", "with_planning": "on"}
    )
    assert refused.status_code == 200
    assert refused.context["form"].errors == {
        "new_start": ["Indiquez la nouvelle date de début pour copier le planning."]
    }
    assert counts() == before_counts

    response = client.post(
        f"/manager/offre/{old.pk}/dupliquer/",
        {"name": "Color Run 2028", "with_planning": "on", "new_start": "2027-04-10"},
    )
    copy = Product.objects.get(name="Color Run 2028")
    assert response.status_code == 302
    assert response["Location"] == f"/manager/offre/{copy.pk}/?depuis={old.pk}"
    assert copy.sessions.count() == 3

    new_page = client.get(response["Location"])
    text = html.unescape(new_page.content.decode())
    assert "L'activité « Color Run 2028 » a été créée en brouillon." in text
    assert "Ce produit a été dupliqué à partir de « Color Run 2027 »" in text
    assert "Dépublier l'ancienne" in text
    assert "Archiver l'ancienne" in text

    unpublished = client.post(f"/manager/offre/{old.pk}/depublier/", {"next": response["Location"]})
    assert unpublished["Location"] == response["Location"]
    old.refresh_from_db()
    assert old.status == "draft"
    text = html.unescape(client.get(response["Location"]).content.decode())
    assert "Dépublier l'ancienne" not in text

    archived = client.post(f"/manager/offre/{old.pk}/archiver/", {"next": response["Location"]})
    assert archived["Location"] == response["Location"]
    old.refresh_from_db()
    copy.refresh_from_db()
    assert (old.status, copy.status) == ("archived", "draft")
    text = html.unescape(client.get(response["Location"]).content.decode())
    assert "L'ancienne est archivée." in text

    # an outside address as "next" is ignored
    other = client.post(f"/manager/offre/{copy.pk}/publier/", {"next": "https://evil.test/"})
    assert other["Location"] == f"/manager/offre/{copy.pk}/"


def test_duplicate_page_without_planning(tenant, client_for):
    """CA-5: unchecked « Copier le planning » needs no date and copies no session; copying the
    planning of an activity without sessions is refused next to the checkbox."""
    structure, owner = tenant
    old = color_run(sessions=False)
    client = client_for(structure, owner)
    refused = client.post(
        f"/manager/offre/{old.pk}/dupliquer/",
        {"name": "Color Run 2028", "with_planning": "on", "new_start": "2027-04-10"},
    )
    assert refused.status_code == 200
    assert refused.context["form"].errors["with_planning"] == [
        "Cette activité n'a aucune séance : il n'y a pas de planning à copier. "
        "Décochez « Copier le planning »."
    ]
    assert Product.objects.filter(name="Color Run 2028").count() == 0
    response = client.post(f"/manager/offre/{old.pk}/dupliquer/", {"name": "Color Run 2028"})
    copy = Product.objects.get(name="Color Run 2028")
    assert response["Location"] == f"/manager/offre/{copy.pk}/?depuis={old.pk}"
    assert copy.sessions.count() == 0


def test_duplicate_copies_resource_needs_and_books_the_copied_sessions(tenant):
    """RE-1 + CA-5: the copy needs what the activity needs (an instructor, Lasers per
    participant); its copied sessions book them like any planning, and a copy onto dates where
    the instructor is busy is refused whole, naming the date, with nothing created."""
    from ponton.planning import services_resources_settings as rs
    from ponton.planning.models import SessionResource

    old = services.product_create(
        kind=Product.Kind.ACTIVITY, data=ProductData(name="Stage Laser", price=Decimal("90"))
    )
    marie = rs.resource_create(data=rs.ResourceData(kind="person", name="Marie"))
    lasers = rs.resource_create(data=rs.ResourceData(kind="equipment", name="Laser", quantity=6))
    rs.need_set(product=old, resource=marie, quantity=1, per_participant=False)
    rs.need_set(product=old, resource=lasers, quantity=1, per_participant=True)
    Session.objects.create(
        product=old,
        starts_at=at("2027-07-05", "09:00"),
        ends_at=at("2027-07-05", "12:00"),
        capacity=6,
    )

    copy = activity_duplicate(
        product=old, name="Stage Laser 2028", new_start=dt.date(2028, 7, 3), with_planning=True
    )
    needs = sorted(copy.resource_needs.values_list("resource__name", "quantity", "per_participant"))
    assert needs == [("Laser", 1, True), ("Marie", 1, False)]
    booked = sorted(
        SessionResource.objects.filter(session__product=copy).values_list(
            "resource__name", "quantity", "per_participant"
        )
    )
    assert booked == [("Laser", 0, 1), ("Marie", 1, 0)]

    # Marie already teaches on 3 July 2028 in the morning: a second copy onto that date is refused.
    with pytest.raises(PlanningError) as refused:
        activity_duplicate(
            product=old, name="Stage Laser bis", new_start=dt.date(2028, 7, 3), with_planning=True
        )
    assert "Marie est déjà sur Stage Laser 2028 du 03/07" in str(refused.value)
    assert not Product.objects.filter(name="Stage Laser bis").exists()
