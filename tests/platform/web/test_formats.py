"""One way to write amounts, rates and phones (issue 11): the `formats` template filters,
used by the pages and the PDFs."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from ponton.web.formats import money_text, percent_text, phone_text

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("value", "french"),
    [
        (Decimal("150"), "150,00 €"),
        (Decimal("1234.5"), f"1{NBSP}234,50 €"),
        ("125.00", "125,00 €"),  # the VAT table's JSON strings
        (Decimal("-15"), "-15,00 €"),
        (0, "0,00 €"),
        (None, ""),
    ],
)
def test_money_in_french(value, french):
    with translation.override("fr"):
        assert money_text(value) == french


def test_money_in_english_uses_english_separators():
    with translation.override("en"):
        assert money_text(Decimal("1234.5")) == "1,234.50 €"


@pytest.mark.parametrize(
    ("value", "french"),
    [("20.00", "20 %"), (Decimal("5.50"), "5,5 %"), (Decimal("0.00"), "0 %"), ("2.10", "2,1 %")],
)
def test_percent_in_french(value, french):
    with translation.override("fr"):
        assert percent_text(value) == french


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("+33298001122", "02 98 00 11 22"),
        ("+33612345678", "06 12 34 56 78"),
        ("+442079460958", "+44 20 7946 0958"),
        ("pas un numéro", "pas un numéro"),
        ("", ""),
    ],
)
def test_phone_national_for_france_international_otherwise(stored, shown):
    assert phone_text(stored) == shown


def test_the_template_filters_are_the_same_functions():
    template = Template("{% load formats %}{{ a|money }}|{{ r|percent }}|{{ p|phone }}")
    with translation.override("fr"):
        rendered = template.render(
            Context({"a": Decimal("150"), "r": "20.00", "p": "+33298001122"})
        )
    assert rendered == "150,00 €|20 %|02 98 00 11 22"
