"""Shared pieces of the REST API (`/api/v1/`): pagination, and the translation of the services'
refusals into HTTP 400 answers.

The API views parse input and call the very services of the Club Manager, so a refusal carries
the same French message as the page: a Django `ValidationError` with fields becomes
`{"field": ["message"]}`, a refusal without a field becomes `{"detail": "message"}`.
"""

from __future__ import annotations

import copy

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext, gettext_lazy
from rest_framework import serializers, status
from rest_framework.exceptions import APIException
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.settings import api_settings


class ApiPagination(LimitOffsetPagination):
    """`?limit=&offset=`; 50 rows by default, at most 500."""

    default_limit = 50
    max_limit = 500

    def _parameter(self, request, name: str, default):
        """`?limit=`/`?offset=`: a whole number, or a 400 (DRF would silently ignore it)."""
        raw = request.query_params.get(name)
        if raw is None:
            return default
        if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
            raise serializers.ValidationError(
                {name: [gettext("Indiquez un nombre entier positif ou nul.")]}
            )
        return int(raw)

    def get_limit(self, request):
        limit = self._parameter(request, self.limit_query_param, self.default_limit)
        return min(max(limit, 1), self.max_limit) if limit else self.default_limit

    def get_offset(self, request):
        return self._parameter(request, self.offset_query_param, 0)


class FieldsBuiltOnce:
    """For a ModelSerializer whose fields depend on its class only: DRF builds them again for
    every instance by introspecting the model; here they are built once per class and each
    instance gets copies (as DRF does with declared fields)."""

    def get_fields(self):
        cls = type(self)
        built = cls.__dict__.get("_fields_built_once")
        if built is None:
            built = super().get_fields()
            cls._fields_built_once = built
        return copy.deepcopy(built)


class Refused(APIException):
    """A refusal of a service that belongs to no field: 400 {"detail": "message"}."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "refused"


def _field_name(name: str) -> str:
    return api_settings.NON_FIELD_ERRORS_KEY if name == NON_FIELD_ERRORS else name


def validation_error(error: DjangoValidationError) -> serializers.ValidationError:
    """A Django ValidationError raised by a service, as DRF's 400 answer."""
    if hasattr(error, "error_dict"):
        return serializers.ValidationError(
            {_field_name(name): messages for name, messages in error.message_dict.items()}
        )
    return serializers.ValidationError({api_settings.NON_FIELD_ERRORS_KEY: error.messages})


def field_error(field: str | None, message: str) -> APIException:
    """A refusal naming a field (or none) as DRF's 400 answer."""
    if field:
        return serializers.ValidationError({field: [message]})
    return Refused(message)


class FormSerializer(serializers.Serializer):
    """A serializer that validates with the Club Manager's Django form, so the API accepts
    and refuses exactly what the page does, with the same French messages. The declared fields
    describe the input in the OpenAPI schema; `validated_data` is the form's `cleaned_data`.

    For a partial update (PATCH), `initial_values` gives the current values of the fields the
    request leaves out."""

    form_class: type[forms.Form]

    def __init__(self, *args, initial_values: dict | None = None, **kwargs):
        self.initial_values = initial_values or {}
        super().__init__(*args, **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            message = self.error_messages["invalid"].format(datatype=type(data).__name__)
            raise serializers.ValidationError(
                {api_settings.NON_FIELD_ERRORS_KEY: [message]}, code="invalid"
            )
        values = {**self.initial_values}
        values.update({name: data[name] for name in self.fields if name in data})
        values = {name: "" if value is None else value for name, value in values.items()}
        nested = [name for name, value in values.items() if isinstance(value, dict | list)]
        if nested:
            # A form field takes one text or number: an object or a list is refused (400), not
            # handed to the field's cleaning (which would fail on it: found by the fuzzing).
            raise serializers.ValidationError(
                {
                    _field_name(name): [
                        gettext("Valeur invalide : un texte ou un nombre est attendu.")
                    ]
                    for name in nested
                }
            )
        form = self.form_class(data=values)
        if not form.is_valid():
            raise serializers.ValidationError(
                {
                    _field_name(name): [str(message) for message in messages]
                    for name, messages in form.errors.items()
                }
            )
        return form.cleaned_data


# --- Input bounded by the columns it goes to (issue 11) --------------------------------------


def _column(model, name: str):
    return model._meta.get_field(name)


class TextField(serializers.CharField):
    """A JSON string, nothing else: DRF's CharField turns a number into text, which the
    schema (type: string) says is refused."""

    default_error_messages = {"invalid": gettext_lazy("Un texte est attendu.")}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


def column_char(model, name: str, **kwargs) -> serializers.CharField:
    """A text field accepting at most what the column `model.name` holds."""
    kwargs.setdefault("max_length", _column(model, name).max_length)
    return TextField(**kwargs)


def column_integer(model, name: str, **kwargs) -> serializers.IntegerField:
    """An integer field within the range of the column `model.name` (PostgreSQL integer,
    positive or not); `min_value`/`max_value` narrow it further."""
    from django.db import connection

    field = _column(model, name)
    low, high = connection.ops.integer_field_range(field.get_internal_type())
    kwargs["min_value"] = max(kwargs.get("min_value", low), low)
    kwargs["max_value"] = min(kwargs.get("max_value", high), high)
    return serializers.IntegerField(**kwargs)


def column_decimal(model, name: str, **kwargs) -> serializers.DecimalField:
    """A decimal field with the digits of the column `model.name`."""
    field = _column(model, name)
    return serializers.DecimalField(
        max_digits=field.max_digits, decimal_places=field.decimal_places, **kwargs
    )


# An id of a row: a positive PostgreSQL bigint.
ID_MAX = 9_223_372_036_854_775_807


def id_field(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=ID_MAX, **kwargs)
