from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ponton.accounts.access import operator_view, public_view, staff_view
from ponton.accounts.permissions import role_has
from ponton.plugins.manager import hooks_for
from ponton.web.menu import SECTIONS_BY_SLUG
from ponton.web.selectors import outbox_emails

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@public_view
def unknown_host(request):
    return render(request, "web/unknown_host.html", {"host": request.get_host()}, status=404)


@public_view
def platform_home(request):
    return render(request, "web/platform_home.html")


@staff_view("dashboard.view")
def dashboard(request):
    structure = request.tenant
    widgets = [
        w
        for ws in hooks_for(structure).ponton_dashboard_widgets(
            structure=structure, user=request.user
        )
        for w in (ws or [])
    ]
    return render(request, "manager/dashboard.html", {"widgets": widgets})


def _section_links(slug: str, role: str) -> list[tuple[StrOrPromise, str, StrOrPromise]]:
    """Pages of a section that exist today, as (label, url, description)."""
    links: list[tuple[StrOrPromise, str, StrOrPromise, str]] = []
    if slug == "clients":
        links = [
            (
                _("Clients"),
                reverse("manager:customers"),
                _("Rechercher un client, créer un client, ouvrir sa fiche."),
                "customers.view",
            ),
        ]
    if slug == "offre":
        links = [
            (
                _("Produits"),
                reverse("manager:products"),
                _("Activités, articles, billets et adhésions : tarifs, statut, aperçu."),
                "catalogue.view",
            ),
        ]
    if slug == "planning":
        links = [
            (
                _("Planning général"),
                reverse("manager:planning"),
                _("Les séances de toutes les activités, semaine par semaine ; ajouter des dates."),
                "catalogue.view",
            ),
            (
                _("Ressources libres"),
                reverse("manager:resources_free"),
                _("Les moniteurs, le matériel et les salles libres sur un créneau."),
                "catalogue.view",
            ),
        ]
    if slug == "gerer":
        links = [
            (
                _("Commandes"),
                reverse("manager:orders"),
                _("Rechercher une commande par numéro ou client, ouvrir sa fiche."),
                "sales.manage",
            ),
            (
                _("Devis"),
                reverse("manager:quotes"),
                _("Les devis en attente ; « Commander » en fait une commande."),
                "sales.manage",
            ),
            (
                _("Panier"),
                reverse("manager:basket"),
                _("Vendre : payeur, séances du planning, produits du catalogue."),
                "sales.manage",
            ),
        ]
    if slug == "compta":
        links = [
            (
                _("Factures, avoirs et justificatifs"),
                reverse("manager:documents"),
                _("Filtrer par type, date ou client ; télécharger la sélection en un ZIP."),
                "compta.view",
            ),
            (
                _("Chèques"),
                reverse("manager:compta_cheques"),
                _("Les chèques reçus à remettre en banque : remises et bordereaux."),
                "compta.view",
            ),
            (
                _("Listes"),
                reverse("manager:compta_lists"),
                _(
                    "Paiements, factures et avoirs, commandes, participants, clients : filtrer, "
                    "trier, totaliser, exporter en Excel ou CSV."
                ),
                "compta.view",
            ),
            (
                _("Écritures comptables"),
                reverse("manager:compta_journals"),
                _("Journaux de ventes, de caisse et de banque d'une période ; Excel et FEC."),
                "compta.view",
            ),
            (
                _("Paramètres comptables"),
                reverse("manager:compta_settings"),
                _("Comptes par mode de paiement et par taux de TVA, codes journaux."),
                "compta.view",
            ),
            (
                _("E-reporting"),
                reverse("manager:compta_ereporting"),
                _(
                    "Les ventes aux particuliers par jour, taux de TVA, biens et services, "
                    "exonérations à part ; export CSV et JSON."
                ),
                "compta.view",
            ),
        ]
    if slug == "statistiques":
        links = [
            (
                _("Statistiques de fréquentation"),
                reverse("manager:stats_attendance"),
                _("Séances, places offertes et vendues, taux de remplissage ; comparaison N-1."),
                "stats.view",
            ),
            (
                _("Statistiques financières"),
                reverse("manager:stats_finance"),
                _("Chiffre d'affaires TTC et HT, TVA par taux, encaissements, reste dû."),
                "stats.view",
            ),
        ]
    if slug == "parametres":
        links = [
            (
                _("Ma structure"),
                reverse("manager:structure_settings"),
                _("Nom, titre, logo, contacts, adresse, sites, banque, CGV, notifications."),
                "structure.view",
            ),
            (
                _("Paiement en ligne (Stripe)"),
                reverse("payments_manager:stripe_settings"),
                _("Votre compte Stripe pour le Click & Pay ; sans clés, passerelle de test."),
                "structure.settings",
            ),
            (
                _("Ressources"),
                reverse("manager:resources"),
                _(
                    "Moniteurs et guides, matériel compté (« Laser ×6 »), salles et lieux : "
                    "horaires, absences, planning."
                ),
                "catalogue.view",
            ),
            (
                _("Mes modules"),
                reverse("manager:modules"),
                _("Activer ou désactiver les modules gratuits, demander les modules payants."),
                "structure.modules",
            ),
            (
                _("Utilisateurs"),
                reverse("manager:staff"),
                _("Les comptes de votre équipe et leurs rôles."),
                "staff.view",
            ),
        ]
        if settings.SHOW_OUTBOX:
            links.append(
                (
                    _("Emails envoyés (mode local)"),
                    reverse("manager:outbox"),
                    _("Sans serveur SMTP, les emails envoyés pour votre structure sont ici."),
                    "staff.manage",
                )
            )
    return [(label, url, desc) for label, url, desc, perm in links if role_has(role, perm)]


def _module_section_links(request, slug: str) -> list[tuple[str, str, str]]:
    if not role_has(request.membership.role, "module.use"):
        return []
    items = [
        item
        for items in hooks_for(request.tenant).ponton_section_links(
            structure=request.tenant, user=request.user, section=slug
        )
        for item in (items or [])
    ]
    return [(item.label, item.url, "") for item in sorted(items, key=lambda i: (i.order, i.label))]


@staff_view("dashboard.view")
def section(request, slug: str):
    section = SECTIONS_BY_SLUG.get(slug)
    if section is None:
        raise Http404
    if not role_has(request.membership.role, section.permission):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied
    return render(
        request,
        "manager/section.html",
        {
            "section": section,
            "links": _section_links(slug, request.membership.role)
            + _module_section_links(request, slug),
        },
    )


@operator_view
def outbox(request):
    """Embedded default (no SMTP configured): every email that would have been sent, for the
    platform's operators only (they hold set-password links)."""
    if not settings.SHOW_OUTBOX:
        raise Http404
    return render(request, "web/outbox.html", {"emails": outbox_emails(structure=None)})


@staff_view("staff.manage")
def structure_outbox(request):
    """Embedded default: the emails sent for this structure, for those who manage its team."""
    if not settings.SHOW_OUTBOX:
        raise Http404
    return render(
        request,
        "web/outbox.html",
        {"emails": outbox_emails(structure=request.tenant), "in_manager": True},
    )
