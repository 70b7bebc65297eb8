"""Module « Emarketing »: its metadata and hooks. Core reaches it only through hooks_for()."""

from django.urls import reverse
from django.utils.translation import gettext as _

from ponton.plugins.hookspecs import hookimpl
from ponton.plugins.types import MenuItem, ModuleInfo

INFO = ModuleInfo(
    label="emarketing",
    name="Emarketing",
    description="Campagnes d'emails vers des listes de destinataires ciblées.",
    paid=True,
    default_enabled=False,
    app_label="modules.emarketing",
)


@hookimpl
def ponton_module_info() -> ModuleInfo:
    return INFO


@hookimpl
def ponton_manager_menu(structure, user) -> list[MenuItem]:
    return [
        MenuItem(label="Emarketing", url=reverse("emarketing:index"), icon="emarketing", order=50)
    ]


@hookimpl
def ponton_customer_card_sections(structure, customer, user, request) -> list[str]:
    """The card's "Emails marketing" section: the consent, its date and source, a button."""
    from django.template.loader import render_to_string

    from modules.emarketing.selectors import consent_of
    from ponton.accounts.permissions import role_has

    membership = getattr(request, "membership", None)
    return [
        render_to_string(
            "emarketing/card_section.html",
            {
                "customer": customer,
                "consent": consent_of(customer_id=customer.pk),
                "can_manage": membership is not None
                and role_has(membership.role, "customers.manage"),
            },
            request=request,
        )
    ]


@hookimpl
def ponton_websocket_routes() -> list:
    from django.urls import path

    from modules.emarketing.consumers import CampaignConsumer

    return [path("ws/emarketing/<int:campaign_id>/", CampaignConsumer.as_asgi())]


@hookimpl
def ponton_demo_fill(structure) -> None:
    from django_tenants.utils import tenant_context

    from modules.emarketing.demo import demo_fill

    with tenant_context(structure):
        demo_fill(structure=structure)


@hookimpl
def ponton_section_links(structure, user, section) -> list[MenuItem]:
    """Clients > Campagnes emailing."""
    if section != "clients":
        return []
    return [
        MenuItem(
            label=_("Campagnes emailing"),
            url=reverse("emarketing:index"),
            icon="emarketing",
            order=30,
        )
    ]
