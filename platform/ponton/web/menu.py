"""The Club Manager's main navigation: the product's sections, then one entry per module on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ponton.accounts.permissions import role_has
from ponton.plugins.manager import hooks_for
from ponton.plugins.types import MenuItem

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class Section:
    slug: str
    label: StrOrPromise
    permission: str
    icon: str


SECTIONS = [
    Section("offre", _("Offre"), "catalogue.view", "tag"),
    Section("planning", _("Planning"), "catalogue.view", "calendar"),
    Section("clients", _("Clients"), "customers.view", "users"),
    Section("gerer", _("Gérer"), "sales.manage", "briefcase"),
    Section("compta", _("Compta"), "compta.view", "book"),
    Section("statistiques", _("Statistiques"), "stats.view", "chart"),
    Section("parametres", _("Paramètres"), "structure.view", "settings"),
]
SECTIONS_BY_SLUG = {s.slug: s for s in SECTIONS}


def manager_menu(request, structure, membership) -> dict[str, list[MenuItem]]:
    core = [
        MenuItem(
            label=str(s.label), url=reverse("manager:section", args=[s.slug]), icon=s.icon, order=i
        )
        for i, s in enumerate(SECTIONS)
        if role_has(membership.role, s.permission)
    ]
    modules: list[MenuItem] = []
    if role_has(membership.role, "module.use"):
        for items in hooks_for(structure).ponton_manager_menu(
            structure=structure, user=request.user
        ):
            modules.extend(items or [])
    modules.sort(key=lambda m: (m.order, m.label))
    return {"core": core, "modules": modules}
