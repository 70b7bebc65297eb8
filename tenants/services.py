"""Writes on the public schema: creating structures, switching modules, structure states."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from ponton.accounts.models import Membership, Role, User
from ponton.accounts.services import user_get_or_create
from ponton.plugins.manager import all_modules, get_plugin_manager
from tenants.cloning import clone_schema
from tenants.models import (
    ContactRole,
    Domain,
    ModuleSubscription,
    Structure,
    StructureContact,
    StructureState,
)
from tenants.selectors import enabled_module_labels_forget

RESERVED_SLUGS = {
    "www",
    "api",
    "admin",
    "console",
    "static",
    "media",
    "mail",
    "public",
    "platform",
    "ponton",
    "template",
    "inscription",
    "outbox",
    "ws",
}
SLUG_RE = re.compile(r"^[a-z][a-z0-9-]{1,48}[a-z0-9]$")


class StructureError(Exception):
    """A refused action on a structure, with a French message for the user."""


def schema_name_for(slug: str) -> str:
    return "s_" + slug.replace("-", "_")


def slug_is_valid(slug: str) -> bool:
    return bool(SLUG_RE.match(slug)) and slug not in RESERVED_SLUGS


def slug_suggest(name: str) -> str:
    return slugify(name)[:50].strip("-")


@dataclass
class StructureData:
    name: str
    slug: str
    owner_email: str
    owner_first_name: str = ""
    owner_last_name: str = ""
    state: str = StructureState.ACTIVE
    profile: dict = field(default_factory=dict)
    modules: list[str] | None = None  # labels of free modules to switch on (None: defaults)
    paid_modules_requested: list[str] = field(default_factory=list)


@transaction.atomic
def structure_create(*, data: StructureData) -> tuple[Structure, User]:
    """Create a structure: its row, its schema (a clone of the template), its domain, its
    Super Administrateur and its module switches. Whole or not at all."""
    if not slug_is_valid(data.slug):
        raise StructureError("Cet identifiant n'est pas utilisable.")
    if Structure.objects.filter(slug=data.slug).exists():
        raise StructureError("Cet identifiant est déjà pris par une autre structure.")
    now = timezone.now()
    structure = Structure(
        schema_name=schema_name_for(data.slug),
        name=data.name,
        slug=data.slug,
        state=data.state,
        activated_at=now if data.state == StructureState.ACTIVE else None,
        **data.profile,
    )
    structure.save()
    Domain.objects.create(
        domain=f"{data.slug}.{settings.PLATFORM_DOMAIN}", tenant=structure, is_primary=True
    )
    clone_schema(source=settings.TENANT_BASE_SCHEMA, target=structure.schema_name)
    owner = user_get_or_create(
        email=data.owner_email, first_name=data.owner_first_name, last_name=data.owner_last_name
    )
    Membership.objects.create(user=owner, structure=structure, role=Role.OWNER)
    modules = all_modules()
    wanted = (
        set(data.modules)
        if data.modules is not None
        else {label for label, info in modules.items() if info.default_enabled and not info.paid}
    )
    ModuleSubscription.objects.bulk_create(
        [
            ModuleSubscription(
                structure=structure,
                module=label,
                enabled=label in wanted and not info.paid,
                paid_status=(
                    ModuleSubscription.PaidStatus.REQUESTED
                    if info.paid and label in data.paid_modules_requested
                    else ModuleSubscription.PaidStatus.NONE
                ),
                requested_at=now if info.paid and label in data.paid_modules_requested else None,
            )
            for label, info in modules.items()
        ]
    )
    connection.set_schema_to_public()  # type: ignore[attr-defined]
    return structure, owner


def _subscription(structure: Structure, label: str) -> ModuleSubscription:
    if label not in all_modules():
        raise StructureError("Module inconnu.")
    sub, _ = ModuleSubscription.objects.select_for_update().get_or_create(
        structure=structure, module=label
    )
    return sub


def _call_module(structure: Structure, label: str, hook: str) -> None:
    plugin = get_plugin_manager().get_plugin(label)
    impl = getattr(plugin, hook, None)
    if impl is not None:
        transaction.on_commit(lambda: impl(structure=structure))


@transaction.atomic
def module_set_enabled(*, structure: Structure, label: str, enabled: bool) -> ModuleSubscription:
    """Switch a module on or off for a structure. Its data is never touched.

    A paid module can only be switched on once it has been granted by the platform.
    """
    sub = _subscription(structure, label)
    info = all_modules()[label]
    if enabled and info.paid and sub.paid_status != ModuleSubscription.PaidStatus.GRANTED:
        raise StructureError(
            f"Le module « {info.name} » est payant : demandez-le, la plateforme l'activera."
        )
    if sub.enabled == enabled:
        return sub
    if not enabled:
        _call_module(structure, label, "ponton_module_disabled")
    sub.enabled = enabled
    sub.save(update_fields=["enabled", "updated_at"])
    if enabled:
        _call_module(structure, label, "ponton_module_enabled")
    enabled_module_labels_forget(structure=structure)
    return sub


@transaction.atomic
def modules_save(
    *, structure: Structure, enabled_free: set[str], requested_paid: set[str]
) -> list[str]:
    """The "Mes modules" form: free modules checked are on, the others off; paid modules
    checked are requested from the platform (or stay on if already granted). Returns the
    labels of the paid modules requested by this save (not those asked for before)."""
    newly_requested = []
    for label, info in all_modules().items():
        if info.paid:
            if label in requested_paid and _module_request(structure, label):
                newly_requested.append(label)
        else:
            module_set_enabled(structure=structure, label=label, enabled=label in enabled_free)
    return newly_requested


def _module_request(structure: Structure, label: str) -> bool:
    """Ask the platform for a paid module; False when it was already asked for or granted."""
    sub = _subscription(structure, label)
    if sub.paid_status != ModuleSubscription.PaidStatus.NONE:
        return False
    sub.paid_status = ModuleSubscription.PaidStatus.REQUESTED
    sub.requested_at = timezone.now()
    sub.save(update_fields=["paid_status", "requested_at", "updated_at"])
    return True


@transaction.atomic
def module_request(*, structure: Structure, label: str) -> ModuleSubscription:
    _module_request(structure, label)
    return _subscription(structure, label)


@transaction.atomic
def module_grant(*, structure: Structure, label: str) -> ModuleSubscription:
    """Platform operator: grant a paid module; it is switched on at once, and the structure's
    Super Administrateurs are told by email (after commit) the first time it is granted."""
    sub = _subscription(structure, label)
    newly_granted = sub.paid_status != ModuleSubscription.PaidStatus.GRANTED
    if newly_granted:
        sub.paid_status = ModuleSubscription.PaidStatus.GRANTED
        sub.granted_at = timezone.now()
        sub.save(update_fields=["paid_status", "granted_at", "updated_at"])
    sub = module_set_enabled(structure=structure, label=label, enabled=True)
    if newly_granted:
        _email_module_granted(structure=structure, label=label)
    return sub


def _email_module_granted(*, structure: Structure, label: str) -> None:
    from django.urls import reverse
    from django.utils import translation
    from django.utils.translation import gettext as _

    from ponton.web.mail import email_send
    from tenants.selectors import module_news_recipients, structure_url

    recipients = module_news_recipients(structure=structure)
    if not recipients:
        return
    info = all_modules()[label]
    # The structure reads French, whatever the language of the operator's browser.
    with translation.override(settings.LANGUAGE_CODE):
        email_send(
            to=recipients,
            subject=_("Le module « %(module)s » est activé pour « %(name)s »")
            % {"module": info.name, "name": structure.name},
            template="tenants/email/module_granted",
            context={
                "structure": structure,
                "module": info,
                "modules_url": structure_url(
                    structure=structure,
                    path=reverse("manager:modules", urlconf=settings.ROOT_URLCONF),
                ),
                "platform_name": settings.PLATFORM_NAME,
            },
        )


@transaction.atomic
def module_withdraw(*, structure: Structure, label: str) -> ModuleSubscription:
    """Platform operator: withdraw a paid module; it is switched off, its data kept."""
    sub = module_set_enabled(structure=structure, label=label, enabled=False)
    sub.paid_status = ModuleSubscription.PaidStatus.NONE
    sub.granted_at = None
    sub.save(update_fields=["paid_status", "granted_at", "updated_at"])
    return sub


@transaction.atomic
def structure_activate(*, structure: Structure) -> Structure:
    structure.state = StructureState.ACTIVE
    structure.activated_at = structure.activated_at or timezone.now()
    structure.suspended_at = None
    structure.suspension_reason = ""
    structure.save(update_fields=["state", "activated_at", "suspended_at", "suspension_reason"])
    return structure


@transaction.atomic
def structure_suspend(*, structure: Structure, reason: str) -> Structure:
    if structure.is_platform:
        raise StructureError("La plateforme ne peut pas être suspendue.")
    structure.state = StructureState.SUSPENDED
    structure.suspended_at = timezone.now()
    structure.suspension_reason = reason
    structure.save(update_fields=["state", "suspended_at", "suspension_reason"])
    return structure


@transaction.atomic
def structure_update(*, structure: Structure, fields: dict) -> Structure:
    """EG-4: save the structure's settings (only the named fields). When the save fails (a
    file on a full disk: DiskFullError) the structure keeps its saved values, in the database
    and in memory."""
    for name, value in fields.items():
        setattr(structure, name, value)
    try:
        with transaction.atomic():  # a savepoint: the refresh below may still query
            structure.save(update_fields=list(fields))
    except Exception:
        structure.refresh_from_db(fields=list(fields))
        raise
    return structure


@dataclass
class ContactData:
    """One of the structure's contacts (EG-1 step 2, EG-4)."""

    first_name: str
    last_name: str
    email: str
    phone: str = ""


@transaction.atomic
def structure_contacts_save(
    *, structure: Structure, contacts: dict[str, ContactData | None]
) -> None:
    """EG-4: save the structure's contacts by role (director, accountant, communication,
    reception). `None` for a role removes its contact; roles not named are left alone."""
    unknown = set(contacts) - set(ContactRole.values)
    if unknown:
        raise ValueError(f"unknown contact roles: {sorted(unknown)}")
    for role, data in contacts.items():
        if data is None:
            StructureContact.objects.filter(structure=structure, role=role).delete()
            continue
        StructureContact.objects.update_or_create(
            structure=structure,
            role=role,
            defaults={
                "first_name": data.first_name,
                "last_name": data.last_name,
                "email": data.email,
                "phone": data.phone,
            },
        )
