"""Sites (places) of the structure (CA-7)."""

from __future__ import annotations

from django.db import transaction

from ponton.catalogue.models import (
    Site,
)


@transaction.atomic
def site_create(
    *,
    name: str,
    address_line1: str = "",
    address_line2: str = "",
    postal_code: str = "",
    city: str = "",
    latitude=None,
    longitude=None,
    is_production: bool = True,
) -> Site:
    return Site.objects.create(
        name=name,
        address_line1=address_line1,
        address_line2=address_line2,
        postal_code=postal_code,
        city=city,
        latitude=latitude,
        longitude=longitude,
        is_production=is_production,
    )


@transaction.atomic
def site_update(*, site: Site, fields: dict) -> Site:
    for name, value in fields.items():
        setattr(site, name, value)
    site.save(update_fields=list(fields))
    return site


@transaction.atomic
def site_delete(*, site: Site) -> None:
    site.delete()


# --- The offer (CA-1 .. CA-4) ---------------------------------------------------------------
