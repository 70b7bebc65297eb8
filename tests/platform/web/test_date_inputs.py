"""Every date, month, time and datetime-local input of the product renders its value in the
format the browser takes (yyyy-mm-dd, yyyy-mm, HH:MM, yyyy-mm-ddTHH:MM), never the French
dd/mm/yyyy that an <input type="date"> drops (issue 11, bug 1: the planning's week picker was
always empty)."""

from __future__ import annotations

import datetime as dt
import importlib
import inspect

import pytest
from django import forms

from ponton.catalogue.forms_products import ProductForm
from ponton.catalogue.models import Product

FORM_MODULES = [
    "modules.forum.forms",
    "ponton.accounts.forms",
    "ponton.accounts.forms_manager",
    "ponton.billing.forms",
    "ponton.billing.views_documents",
    "ponton.catalogue.forms",
    "ponton.catalogue.forms_products",
    "ponton.customers.forms",
    "ponton.payments.forms",
    "ponton.planning.forms",
    "ponton.planning.views_participants",
    "ponton.sales.forms",
    "tenants.forms_console",
    "tenants.forms_manager",
    "tenants.forms_signup",
]
SAMPLE = {
    "date": (dt.date(2026, 12, 21), "2026-12-21"),
    "month": (dt.date(2026, 12, 1), "2026-12"),
    "time": (dt.time(9, 30), "09:30"),
    "datetime-local": (dt.datetime(2026, 12, 21, 9, 30), "2026-12-21T09:30"),
}


def _browser_inputs(fields) -> list[tuple[str, forms.Field]]:
    return [
        (name, field)
        for name, field in fields.items()
        if getattr(field.widget, "input_type", None) in SAMPLE
    ]


def _declared_forms():
    for module_name in FORM_MODULES:
        module = importlib.import_module(module_name)
        for _name, form_class in inspect.getmembers(module, inspect.isclass):
            if issubclass(form_class, forms.BaseForm) and form_class.__module__ == module_name:
                yield form_class


def test_the_scan_finds_the_planning_week_picker():
    names = {
        f"{form_class.__name__}.{name}"
        for form_class in _declared_forms()
        for name, _field in _browser_inputs(form_class.base_fields)
    }
    assert {"WeekForm.week", "DayForm.date", "MonthForm.date", "DocumentFilterForm.start"} <= names


@pytest.mark.parametrize("form_class", list(_declared_forms()), ids=lambda c: c.__name__)
def test_declared_browser_inputs_render_the_format_the_browser_takes(form_class, settings):
    settings.LANGUAGE_CODE = "fr"
    for name, field in _browser_inputs(form_class.base_fields):
        value, expected = SAMPLE[field.widget.input_type]
        rendered = field.widget.render(name, value)
        assert f'value="{expected}"' in rendered, (form_class.__name__, name, rendered)
        # ... and the form still reads what the browser sends back.
        assert field.clean(expected) is not None or not field.required


@pytest.mark.django_db
def test_product_form_date_inputs_render_iso():
    form = ProductForm(kind=Product.Kind.MEMBERSHIP)
    inputs = _browser_inputs(form.fields)
    assert inputs, "the membership form has date fields"
    for name, field in inputs:
        value, expected = SAMPLE[field.widget.input_type]
        assert f'value="{expected}"' in field.widget.render(name, value)
