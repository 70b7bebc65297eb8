"""Custom fields asked at order time (CA-7)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ponton.catalogue.models import (
    CustomField,
)


@transaction.atomic
def custom_field_create(
    *,
    label: str,
    kind: str,
    asked_for: str,
    required: bool = False,
    choices: str = "",
    products=(),
) -> CustomField:
    errors: dict[str, list[str]] = {}
    if not label.strip():
        errors["label"] = [_("Indiquez le libellé du champ.")]
    if kind not in CustomField.Kind.values:
        errors["kind"] = [_("Choisissez le type du champ.")]
    if asked_for not in CustomField.AskedFor.values:
        errors["asked_for"] = [_("Choisissez à qui la question est posée.")]
    lines = [line.strip() for line in choices.splitlines() if line.strip()]
    if kind == CustomField.Kind.CHOICE and len(lines) < 2:
        errors["choices"] = [_("Indiquez au moins deux choix, un par ligne.")]
    elif kind != CustomField.Kind.CHOICE and lines:
        errors["choices"] = [_("Les choix ne concernent que les champs à choix multiple.")]
    if errors:
        raise ValidationError(errors)
    field = CustomField.objects.create(
        label=label.strip(),
        kind=kind,
        asked_for=asked_for,
        required=required,
        choices="\n".join(lines),
    )
    field.products.set(products)
    return field


@transaction.atomic
def custom_field_delete(*, field: CustomField) -> None:
    field.delete()
