"""The permission matrix: which role may do what. docs/permissions.md shows it (a test checks).

Every Club Manager view and API endpoint names one permission; `role_has` decides.
"""

from __future__ import annotations

from ponton.accounts.models import Role

ALL = frozenset(Role.values)
MANAGERS = frozenset({Role.OWNER, Role.ADMIN})

PERMISSIONS: dict[str, tuple[str, frozenset[str]]] = {
    # permission: (French description, roles)
    "dashboard.view": ("Voir le tableau de bord du Club Manager", ALL),
    "structure.view": ("Voir la fiche de la structure", ALL),
    "structure.settings": ("Modifier les paramètres de la structure", MANAGERS),
    "structure.modules": (
        "Activer ou désactiver les modules (Mes modules)",
        frozenset({Role.OWNER}),
    ),
    "staff.view": ("Voir les utilisateurs de la structure", MANAGERS),
    "staff.manage": ("Inviter des utilisateurs et changer leur rôle", MANAGERS),
    "catalogue.view": (
        "Voir l'offre et le planning",
        frozenset({Role.OWNER, Role.ADMIN, Role.STAFF, Role.CASHIER}),
    ),
    "catalogue.manage": (
        "Créer et modifier l'offre et le planning",
        frozenset({Role.OWNER, Role.ADMIN, Role.STAFF}),
    ),
    "customers.view": (
        "Voir les clients",
        frozenset({Role.OWNER, Role.ADMIN, Role.STAFF, Role.CASHIER}),
    ),
    "customers.manage": (
        "Créer des clients et les inviter dans l'espace client",
        frozenset({Role.OWNER, Role.ADMIN, Role.STAFF, Role.CASHIER}),
    ),
    "sales.manage": (
        "Vendre, facturer, encaisser",
        frozenset({Role.OWNER, Role.ADMIN, Role.STAFF, Role.CASHIER}),
    ),
    "compta.view": (
        "Voir la comptabilité et les listes",
        frozenset({Role.OWNER, Role.ADMIN, Role.ACCOUNTANT}),
    ),
    "stats.view": ("Voir les statistiques", frozenset({Role.OWNER, Role.ADMIN, Role.ACCOUNTANT})),
    "till.sell": (
        "Vendre à la caisse, apports et retraits d'espèces, clôtures X et Z",
        frozenset({Role.OWNER, Role.ADMIN, Role.STAFF, Role.CASHIER}),
    ),
    "till.manage": ("Créer et modifier les caisses", MANAGERS),
    "module.use": (
        "Utiliser les modules activés",
        frozenset({Role.OWNER, Role.ADMIN, Role.STAFF, Role.CASHIER}),
    ),
}


def role_has(role: str | None, permission: str) -> bool:
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")
    return role is not None and role in PERMISSIONS[permission][1]
