"""Reads of the public schema: structures, domains, modules."""

from __future__ import annotations

from django.conf import settings

from tenants.models import ModuleSubscription, Structure


def enabled_module_labels(*, structure: Structure) -> set[str]:
    """Labels of the modules that are ON for the structure (cached on the instance)."""
    cached = getattr(structure, "_enabled_modules", None)
    if cached is not None:
        return cached
    from ponton.plugins.manager import all_modules

    known = set(all_modules())
    enabled = (
        set(
            ModuleSubscription.objects.filter(structure=structure, enabled=True).values_list(
                "module", flat=True
            )
        )
        & known
    )
    structure._enabled_modules = enabled  # type: ignore[attr-defined]
    return enabled


def structure_url(*, structure: Structure, path: str = "/") -> str:
    domain = structure.get_primary_domain()
    host = domain.domain if domain else f"{structure.slug}.{settings.PLATFORM_DOMAIN}"
    return f"{settings.PUBLIC_SCHEME}://{host}{settings.PUBLIC_PORT_SUFFIX}{path}"


def platform_url(path: str = "/") -> str:
    return (
        f"{settings.PUBLIC_SCHEME}://{settings.PLATFORM_DOMAIN}{settings.PUBLIC_PORT_SUFFIX}{path}"
    )


def structures_for_console(*, query: str = "", state: str = ""):
    qs = Structure.objects.exclude(schema_name=settings.PUBLIC_SCHEMA_NAME).exclude(
        schema_name=settings.TENANT_BASE_SCHEMA
    )
    if state:
        qs = qs.filter(state=state)
    if query:
        from django.db.models import Q

        qs = qs.filter(
            Q(name__icontains=query)
            | Q(slug__icontains=query)
            | Q(email__icontains=query)
            | Q(city__icontains=query)
        )
    return qs.prefetch_related("domains").select_related("contract")
