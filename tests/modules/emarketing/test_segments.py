"""EM-1 recipients: rules combined with and/or, evaluated in one SQL query; only consenting,
not unsubscribed customers with an email; the live count endpoint."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from modules.emarketing.models import Unsubscribe
from modules.emarketing.segments import Audience, SegmentError, audience_count, audience_customers
from ponton.catalogue.models import Product, Site
from tests.modules.emarketing.conftest import buy, category, customer, product, session_of

pytestmark = pytest.mark.django_db


def _names(audience: Audience) -> list[str]:
    return sorted(audience_customers(audience).values_list("first_name", flat=True))


def _rules(*rules, combine="and") -> Audience:
    return Audience(mode="rules", rules={"combine": combine, "rules": list(rules)})


def _years(n: int, days: int = 0) -> dt.date:
    today = timezone.localdate()
    return today.replace(year=today.year - n) + dt.timedelta(days=days)


def test_rules_age_product_category_member_attended_site_postal_code_created(em_structure):
    """EM-1: every rule of the advanced search, each proven by who it keeps and who it drops."""
    structure, _ = em_structure
    with schema_context(structure.schema_name):
        voile = category("Voile")
        cata = category("Catamaran", parent=voile)
        site = Site.objects.create(name="Base de Kerlouan")
        stage = product("Stage catamaran", category=cata, site=site)
        shirt = product("Tee-shirt", kind=Product.Kind.SHOP_ITEM)
        today = timezone.localdate()
        member_card = product(
            "Adhésion annuelle",
            kind=Product.Kind.MEMBERSHIP,
            valid_from=today - dt.timedelta(days=30),
            valid_until=today + dt.timedelta(days=300),
        )
        old_card = product(
            "Adhésion 2020",
            kind=Product.Kind.MEMBERSHIP,
            valid_from=dt.date(2020, 1, 1),
            valid_until=dt.date(2020, 12, 31),
        )
        kid = customer("Louis", birth_date=_years(12), postal_code="29890")
        teen = customer("Jeanne", birth_date=_years(18, days=1))  # 17 until tomorrow
        adult = customer("Claire", birth_date=_years(40), postal_code="56100")
        old_member = customer("Yann", birth_date=_years(25))
        customer("Nolwenn", birth_date=_years(30))
        past = session_of(stage, days=-3, site=site)
        future = session_of(stage, days=10)
        buy(adult, stage, consumer=kid, session=past)  # Louis attended (paid by Claire)
        buy(adult, member_card)  # Claire is a member this year
        buy(old_member, old_card)
        buy(teen, stage, session=future)  # bought, has not attended yet
        buy(old_member, shirt, ordered_at=timezone.now() - dt.timedelta(days=400))

        assert _names(_rules({"type": "age_under", "years": 18})) == ["Jeanne", "Louis"]
        assert _names(_rules({"type": "age_between", "min": 18, "max": 30})) == [
            "Nolwenn",
            "Yann",
        ]
        assert _names(_rules({"type": "bought_product", "product": stage.pk})) == [
            "Jeanne",
            "Louis",
        ]
        assert _names(_rules({"type": "bought_category", "category": voile.pk})) == [
            "Jeanne",
            "Louis",
        ]
        last_year = (today - dt.timedelta(days=365)).isoformat()
        shirt_rule = {"type": "bought_product", "product": shirt.pk}
        assert _names(_rules(shirt_rule)) == ["Yann"]
        assert _names(_rules({**shirt_rule, "from": last_year})) == []
        assert _names(_rules({"type": "member"})) == ["Claire"]
        assert _names(_rules({"type": "attended", "product": stage.pk})) == ["Louis"]
        assert _names(_rules({"type": "site", "site": site.pk})) == ["Jeanne", "Louis"]
        assert _names(_rules({"type": "postal_code", "prefix": "29"})) == ["Louis"]
        assert len(_names(_rules({"type": "has_email"}))) == 5
        tomorrow = (today + dt.timedelta(days=1)).isoformat()
        assert _names(_rules({"type": "created_after", "date": tomorrow})) == []

        # and / or
        assert _names(
            _rules({"type": "age_under", "years": 18}, {"type": "postal_code", "prefix": "29"})
        ) == ["Louis"]
        assert _names(
            _rules({"type": "member"}, {"type": "postal_code", "prefix": "29"}, combine="or")
        ) == ["Claire", "Louis"]


def test_only_consenting_customers_with_an_email_not_unsubscribed(em_structure):
    """EM-1 consent: no consent, consent withdrawn, unsubscribed address, no email, erased:
    never recipients; one row per address."""
    structure, _ = em_structure
    with schema_context(structure.schema_name):
        customer("Anne")
        customer("Bruno", consent=False)
        customer("Chloe", email="")
        customer("Denis")
        Unsubscribe.objects.create(email="denis@client.test")
        erased = customer("Emma")
        erased.erased_at = timezone.now()
        erased.save(update_fields=["erased_at"])
        customer("Fanny", email="Anne@Client.test")  # same address as Anne, other case
        audience = _rules({"type": "has_email"})
        assert _names(audience) == ["Anne", "Fanny"]
        assert audience_count(audience) == 1


def test_the_segment_is_one_sql_query(em_structure):
    """EM-1: the segment is evaluated in SQL, whatever the number of customers and rules."""
    structure, _ = em_structure
    with schema_context(structure.schema_name):
        stage = product("Stage")
        for i in range(30):
            c = customer(f"C{i}", birth_date=_years(10 + i))
            if i % 2:
                buy(c, stage)
        audience = _rules(
            {"type": "age_under", "years": 30},
            {"type": "bought_product", "product": stage.pk},
            {"type": "member"},
            combine="or",
        )
        with CaptureQueriesContext(connection) as queries:
            count = audience_count(audience)
        assert count == 25  # 20 under 30, plus 5 buyers of 30 or more (i = 21, 23, …, 29)
        assert len(queries.captured_queries) == 1


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ({"combine": "and", "rules": []}, "Ajoutez au moins une règle."),
        ({"rules": [{"type": "pirate"}]}, "Règle inconnue"),
        ({"rules": [{"type": "age_under", "years": "abc"}]}, "indiquez un nombre"),
        ({"rules": [{"type": "age_between", "min": 30, "max": 20}]}, "l'âge maximum précède"),
        ({"rules": [{"type": "postal_code", "prefix": "ab"}]}, "1 à 5 chiffres"),
        ({"rules": [{"type": "created_after", "date": "31/02/2026"}]}, "n'est pas valide"),
        ({"rules": [{"type": "bought_product"}]}, "faites un choix dans la liste"),
    ],
)
def test_bad_rules_are_refused_in_french(em_structure, rules, message):
    structure, _ = em_structure
    with schema_context(structure.schema_name), pytest.raises(SegmentError, match=message):
        audience_customers(Audience(mode="rules", rules=rules))


def test_typed_emails_and_simple_search(em_structure):
    """EM-1: typed addresses (only consenting customers), a simple search; bad address named."""
    structure, _ = em_structure
    with schema_context(structure.schema_name):
        customer("Anne")
        customer("Bruno", consent=False)
        customer("Morgane", email="morgane@voile.test")
        typed = Audience(
            mode="emails", emails="ANNE@client.test; bruno@client.test\ninconnu@x.test"
        )
        assert _names(typed) == ["Anne"]
        assert _names(Audience(mode="search", search="voile")) == ["Morgane"]
        with pytest.raises(SegmentError, match="Adresse email non valide : pas-une-adresse"):
            audience_customers(Audience(mode="emails", emails="anne@client.test pas-une-adresse"))


def test_count_endpoint_follows_the_rules(em_structure, client_for):
    """EM-1: the editor's count (JSON) as rules change; an error in French, no count."""
    structure, owner = em_structure
    with schema_context(structure.schema_name):
        customer("Louis", birth_date=_years(12))
        customer("Claire", birth_date=_years(40))
    client = client_for(structure, owner)
    url = "/manager/m/emarketing/compter/"
    under = {"combine": "and", "rules": [{"type": "age_under", "years": 18}]}
    answer = client.get(url, {"audience": "rules", "rules": json.dumps(under)}).json()
    assert answer == {"count": 1, "error": ""}
    both = {
        "combine": "or",
        "rules": [*under["rules"], {"type": "age_between", "min": 30, "max": 50}],
    }
    assert client.get(url, {"audience": "rules", "rules": json.dumps(both)}).json()["count"] == 2
    bad = client.get(url, {"audience": "rules", "rules": json.dumps({"rules": []})}).json()
    assert bad == {"count": None, "error": "Ajoutez au moins une règle."}
