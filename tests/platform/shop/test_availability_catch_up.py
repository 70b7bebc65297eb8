"""MP-1 live availability, the HTTP catch-up: `GET /disponibilites/?seances=1,2,3` on the
structure's domain, public, answers the free seats of the sessions the shop shows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from ponton.catalogue.models import Category, Product
from ponton.catalogue.services import ProductData, product_archive, product_create
from ponton.planning.services import session_add
from ponton.sales import services as sales
from ponton.sales.services import LineRequest
from tests.realtime.ws import ANY_VERSION
from tests.support.sales import STAFF, make_shop, published

URL = "/disponibilites/"


def activity_session(*, capacity: int = 6, publish: bool = True, **fields):
    fields.setdefault("name", "Location kayak")
    fields.setdefault("price", Decimal("15.00"))
    if publish:
        product = published(Product.Kind.ACTIVITY, **fields)
    else:
        fields.setdefault("category", Category.objects.filter(parent__isnull=False).first())
        product = product_create(kind=Product.Kind.ACTIVITY, data=ProductData(**fields))
    start = timezone.localtime() + dt.timedelta(days=5)
    return session_add(
        product=product, starts_at=start, ends_at=start + dt.timedelta(hours=2), capacity=capacity
    )


@pytest.fixture
def a(structure_a):
    structure, _owner = structure_a
    with schema_context(structure.schema_name):
        shop = make_shop(capacity=10)
        sales.order_create(
            payer=shop.payer,
            lines=[
                LineRequest(product=shop.activity, session=s, rate=shop.adult, consumer=shop.payer)
                for s in (shop.session, shop.later_session)
            ]
            + [
                LineRequest(
                    product=shop.activity,
                    session=shop.session,
                    rate=shop.child,
                    consumer=shop.child_customer,
                )
            ],
            actor=STAFF,
        )
        shop.draft = activity_session(publish=False, name="Brouillon")
        shop.counter_only = activity_session(name="Au guichet", counter_only=True)
        shop.archived = activity_session(name="Ancienne")
        product_archive(product=shop.archived.product)
    shop.structure = structure
    return shop


@pytest.fixture
def anonymous(a, client_for):
    return client_for(a.structure)


def test_the_catch_up_answers_the_exact_free_seats_to_anyone(a, anonymous):
    """MP-1: anonymous visitors get `{"sessions": {id: {"free", "capacity"}}}`: 2 seats sold
    on the first session, 1 on the second; not cached."""
    response = anonymous.get(URL, {"seances": f"{a.session.pk},{a.later_session.pk}"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    assert response.json() == {
        "sessions": {
            str(a.session.pk): {"free": 8, "capacity": 10},
            str(a.later_session.pk): {"free": 9, "capacity": 10},
        },
        "version": ANY_VERSION,
    }


def test_a_full_session_reads_zero(a, anonymous):
    """MP-1: a sold-out session ("Complet") answers free 0."""
    with schema_context(a.structure.schema_name):
        full = activity_session(capacity=1, name="Balade")
        sales.order_create(
            payer=a.payer,
            lines=[LineRequest(product=full.product, session=full, consumer=a.payer)],
            actor=STAFF,
        )
    response = anonymous.get(URL, {"seances": str(full.pk)})
    assert response.json() == {
        "sessions": {str(full.pk): {"free": 0, "capacity": 1}},
        "version": ANY_VERSION,
    }


def test_drafts_archived_counter_only_unknown_and_other_structures_sessions_are_omitted(
    a, anonymous, make_structure
):
    """MP-1: only what the shop shows: sessions of drafts, archived and counter-only products,
    unknown ids and ids that are only another structure's are left out, without error."""
    other, _owner = make_structure(name="Club B")
    with schema_context(other.schema_name):
        make_shop(capacity=5)
        theirs = activity_session(name="Chez B")
    asked = [
        a.session.pk,
        a.draft.pk,
        a.counter_only.pk,
        a.archived.pk,
        theirs.pk,
        999_999,
        9_223_372_036_854_775_807,
    ]
    response = anonymous.get(URL, {"seances": ",".join(map(str, asked))})
    assert response.status_code == 200
    assert response.json() == {
        "sessions": {str(a.session.pk): {"free": 8, "capacity": 10}},
        "version": ANY_VERSION,
    }


@pytest.mark.parametrize(
    "seances",
    [None, "", "1,,2", "1,a", "-1", "1.5", " 1", "1;2", "²", "12345678901234567890", "1" * 5000],
)
def test_anything_but_comma_separated_numbers_is_a_400_in_french(seances, a, anonymous):
    """MP-1 bad input: a missing or empty list, a non-digit (signs, spaces, other digits), a
    number longer than any id: 400 with a French message."""
    response = anonymous.get(URL, {} if seances is None else {"seances": seances})
    assert response.status_code == 400
    assert response.json() == {
        "error": "Paramètre « seances » attendu : des numéros de séances séparés par des virgules."
    }


def test_at_most_200_sessions_at_once_with_one_query(a, anonymous):
    """MP-1 bounds: 200 ids are answered with one query on the sessions; 201 are refused."""
    ids = [a.session.pk, *range(10_000, 10_199)]
    with CaptureQueriesContext(connection) as queries:
        response = anonymous.get(URL, {"seances": ",".join(map(str, ids))})
    assert response.status_code == 200
    assert list(response.json()["sessions"]) == [str(a.session.pk)]
    session_reads = [q for q in queries.captured_queries if '"planning_session"' in q["sql"]]
    assert len(session_reads) == 1
    response = anonymous.get(URL, {"seances": ",".join(map(str, [*ids, 10_500]))})
    assert response.status_code == 400
    assert response.json() == {"error": "Au plus 200 séances à la fois."}


def test_only_get_is_answered(a, anonymous):
    """MP-1: the catch-up is read-only."""
    assert anonymous.post(URL, {"seances": str(a.session.pk)}).status_code == 405
