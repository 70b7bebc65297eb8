"""Module « FF Voile »: its metadata and hooks. Core reaches it only through hooks_for()."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from ponton.plugins.hookspecs import hookimpl
from ponton.plugins.types import MenuItem, ModuleInfo

INFO = ModuleInfo(
    label="ffvoile",
    name="FF Voile",
    description="Licences et passeports voile de la Fédération Française de Voile.",
    paid=False,
    default_enabled=False,
    app_label="modules.ffvoile",
)


@hookimpl
def ponton_module_info() -> ModuleInfo:
    return INFO


@hookimpl
def ponton_manager_menu(structure, user) -> list[MenuItem]:
    return [MenuItem(label="FF Voile", url=reverse("ffvoile:index"), icon="ffvoile", order=50)]


@hookimpl
def ponton_section_links(structure, user, section) -> list[MenuItem]:
    if section != "gerer":
        return []
    return [MenuItem(label="FFVoile", url=reverse("ffvoile:index"), icon="ffvoile", order=50)]


@hookimpl
def ponton_product_edit_sections(structure, product, user, request) -> list[str]:
    from modules.ffvoile.forms import LicenceOptionForm
    from modules.ffvoile.selectors import licence_kind_of

    form = LicenceOptionForm(initial={"kind": licence_kind_of(product=product)})
    return [
        render_to_string(
            "ffvoile/product_section.html", {"product": product, "form": form}, request=request
        )
    ]


@hookimpl
def ponton_basket_check(structure, payer, lines, channel) -> list:
    from modules.ffvoile.services import basket_refusals

    return basket_refusals(payer=payer, lines=lines, channel=channel)


@hookimpl
def ponton_lines_invoiced(structure, order, lines) -> None:
    from modules.ffvoile.services import licences_create

    licences_create(structure=structure, order=order, lines=lines)


@hookimpl
def ponton_order_line_markers(structure, order, lines, user) -> dict[int, list[str]]:
    from modules.ffvoile.selectors import licences_of_lines

    licences = licences_of_lines(line_ids=[line.pk for line in lines])
    # The order card is for roles with "sales.manage", which "Réessayer" needs too.
    can_retry = True
    return {
        line_id: [
            render_to_string(
                "ffvoile/line_marker.html", {"licence": licence, "can_retry": can_retry}
            )
        ]
        for line_id, licence in licences.items()
    }


@hookimpl
def ponton_customer_card_sections(structure, customer, user, request) -> list[str]:
    from modules.ffvoile.forms import IdentityForm
    from modules.ffvoile.models import LicenseeIdentity
    from modules.ffvoile.selectors import licences_of_customer
    from ponton.accounts.permissions import role_has

    identity = LicenseeIdentity.objects.filter(customer=customer).first()
    membership = getattr(request, "membership", None)
    return [
        render_to_string(
            "ffvoile/card_section.html",
            {
                "customer": customer,
                "licences": list(licences_of_customer(customer_ids=[customer.pk])),
                "identity": identity,
                "form": IdentityForm(initial={"sex": identity.sex if identity else ""}),
                "can_manage": membership is not None
                and role_has(membership.role, "customers.manage")
                and not customer.erased_at,
            },
            request=request,
        )
    ]


@hookimpl
def ponton_customer_space_links(structure, user) -> list[MenuItem]:
    url = reverse("ffvoile_compte:licences", urlconf=settings.ROOT_URLCONF)
    return [MenuItem(label=_("Mes licences FF Voile"), url=url, icon="ffvoile")]


@hookimpl
def ponton_demo_fill(structure) -> None:
    from django_tenants.utils import schema_context

    from modules.ffvoile.demo import demo_fill

    with schema_context(structure.schema_name):
        demo_fill(structure=structure)
