"""Reads of the public schema: structures, domains, modules."""

from __future__ import annotations

from django.conf import settings

from tenants.models import ModuleSubscription, Structure


def enabled_module_labels(*, structure: Structure, fresh: bool = False) -> set[str]:
    """Labels of the modules that are ON for the structure: the one definition that
    `hooks_for`, the module pages and sockets, "Mes modules", the console and the API all read.

    ON means switched on and, for a paid module, granted by the platform (a paid module that is
    switched on without being granted is off). Read once per Structure instance (one request's
    `request.tenant`); the module services forget it on the instance they change, and
    `fresh=True` reads it again (a socket's structure lives longer than a request).
    """
    cached = getattr(structure, "_enabled_modules", None)
    if cached is not None and not fresh:
        return cached
    from django.db.models import Q

    from ponton.plugins.manager import all_modules

    modules = all_modules()
    free = [label for label, info in modules.items() if not info.paid]
    enabled = set(
        ModuleSubscription.objects.filter(structure_id=structure.pk, enabled=True)
        .filter(Q(module__in=free) | Q(paid_status=ModuleSubscription.PaidStatus.GRANTED))
        .values_list("module", flat=True)
    ) & set(modules)
    structure._enabled_modules = enabled
    return enabled


def enabled_module_labels_forget(*, structure: Structure) -> None:
    """Drop what `enabled_module_labels` remembered on this instance (after a switch)."""
    structure.__dict__.pop("_enabled_modules", None)


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
    # A stable order for the pages (two structures may share a name): the (name, id) index.
    return qs.order_by("name", "pk").prefetch_related("domains").select_related("contract")


# --- Platform console (EG-3) ---------------------------------------------------------------


def console_structure_access(*, pk: int) -> Structure:
    """A structure an operator opened in the console; 404 for the platform or the template."""
    from django.http import Http404

    structure = structures_for_console().filter(pk=pk).select_related("activation_key").first()
    if structure is None:
        raise Http404
    return structure


def structure_contract(*, structure: Structure):
    """The structure's ContractSignature, or None when it has none yet."""
    from tenants.models import ContractSignature

    return (
        ContractSignature.objects.filter(structure=structure).select_related("received_by").first()
    )


def structure_owners(*, structure: Structure):
    """The structure's Super Administrateurs (Membership role owner), active or not."""
    from ponton.accounts.models import Membership, Role

    return (
        Membership.objects.filter(structure=structure, role=Role.OWNER)
        .select_related("user")
        .order_by("user__last_name", "user__email")
    )


def module_news_recipients(*, structure: Structure) -> list[str]:
    """Who hears from the platform about the structure's modules (a paid module granted): its
    active Super Administrateurs, or, when it has none, its notification / contact email."""
    from ponton.accounts.models import Membership, Role

    emails = list(
        Membership.objects.filter(
            structure=structure, role=Role.OWNER, is_active=True, user__is_active=True
        )
        .order_by("user__email")
        .values_list("user__email", flat=True)
    )
    if emails:
        return emails
    fallback = structure.notification_email or structure.email
    return [fallback] if fallback else []


def structure_module_rows(*, structure: Structure) -> list[dict]:
    """One row per installed module: its metadata, the structure's subscription (or None) and
    whether it is ON ("on", from `enabled_module_labels`, as the hooks see it)."""
    from ponton.plugins.manager import all_modules

    subs = {s.module: s for s in ModuleSubscription.objects.filter(structure=structure)}
    enabled = enabled_module_labels(structure=structure)
    return [
        {"label": label, "info": info, "sub": subs.get(label), "on": label in enabled}
        for label, info in all_modules().items()
    ]


def paid_module_requests():
    """Paid modules asked for by structures and not granted yet, oldest request first."""
    from ponton.plugins.manager import all_modules

    return (
        ModuleSubscription.objects.filter(
            paid_status=ModuleSubscription.PaidStatus.REQUESTED, module__in=list(all_modules())
        )
        .exclude(structure__schema_name=settings.PUBLIC_SCHEMA_NAME)
        .select_related("structure")
        .order_by("requested_at", "id")
    )


def signup_drafts_in_progress(*, query: str = "") -> list:
    """Signups not finished yet, most recently updated first, filtered on the structure name
    typed at step 1 and on the activation key's email / intended structure."""
    from tenants.models import SignupDraft

    drafts = list(
        SignupDraft.objects.filter(completed_at__isnull=True).select_related("activation_key")
    )
    for draft in drafts:
        step1 = draft.data.get("1", {}) if isinstance(draft.data, dict) else {}
        draft.structure_name = str(step1.get("name", "")) if isinstance(step1, dict) else ""  # type: ignore[attr-defined]
    query = query.strip().lower()
    if query:
        drafts = [
            d
            for d in drafts
            if query in d.structure_name.lower()  # type: ignore[attr-defined]
            or (
                d.activation_key is not None
                and (
                    query in d.activation_key.email.lower()
                    or query in d.activation_key.intended_for.lower()
                )
            )
        ]
    return drafts


def activation_keys_for_console():
    """Activation keys, newest first, each annotated with `console_state`:
    "used", "expired" or "valid"."""
    from django.db.models import Case, CharField, Q, Value, When
    from django.utils import timezone

    from tenants.models import ActivationKey

    return (
        ActivationKey.objects.select_related("issued_by", "structure")
        .annotate(
            console_state=Case(
                When(used_at__isnull=False, then=Value("used")),
                When(Q(expires_at__lte=timezone.now()), then=Value("expired")),
                default=Value("valid"),
                output_field=CharField(),
            )
        )
        .order_by("-created_at", "-id")
    )


def signup_drafts_in_progress_count() -> int:
    from tenants.models import SignupDraft

    return SignupDraft.objects.filter(completed_at__isnull=True).count()
