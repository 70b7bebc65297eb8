"""The till's function bar (the help centre's "flèche blanche" that scrolls the functions) and
the till a browser is working at.

The bar is built from names, reversed one by one: a function whose view is not there yet (the
other till pages land separately) is left out instead of breaking every till page with a
NoReverseMatch. A name is tried with the current till's id (`till_id`) first, then without
arguments, so both URL styles work."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from modules.pos.models import Till

# The Django session key of the till this browser works at (chosen on /caisse/).
SESSION_TILL = "pos_till_id"


@dataclass(frozen=True)
class TillFunction:
    label: str
    url: str
    new_tab: bool = False
    active: bool = False


# (URL name, French label); the MarketPlace is added first, opened in a new tab (PO-1).
FUNCTIONS: list[tuple[str, Any]] = [
    ("till:cash_in", _("Apport d'espèces")),
    ("till:cash_out", _("Retrait d'espèces")),
    ("till:state", _("État et clôture de caisse")),
    ("till:closings", _("Historique des clôtures")),
    ("till:search", _("Recherche ticket")),
]


def _reverse(name: str, till: Till | None) -> str | None:
    attempts: list[dict] = [{"till_id": till.pk}] if till is not None else []
    attempts.append({})
    for kwargs in attempts:
        try:
            return reverse(name, kwargs=kwargs)
        except NoReverseMatch:
            continue
    return None


def till_functions(*, till: Till | None = None, current_path: str = "") -> list[TillFunction]:
    """The functions of the bar that exist, in the help centre's order."""
    items = [TillFunction(label=str(_("MarketPlace")), url="/", new_tab=True)]
    sell = _reverse("till:home", till)
    if sell is not None:
        items.append(TillFunction(label=str(_("Vente")), url=sell, active=current_path == sell))
    for name, label in FUNCTIONS:
        url = _reverse(name, till)
        if url is not None:
            items.append(
                TillFunction(label=str(label), url=url, active=bool(current_path.startswith(url)))
            )
    return items


def current_till(request) -> Till | None:
    """The active till this browser chose on /caisse/ (kept in its Django session), or the
    structure's only active till."""
    till_id = request.session.get(SESSION_TILL)
    if isinstance(till_id, int):
        till = Till.objects.filter(pk=till_id, active=True).select_related("site").first()
        if till is not None:
            return till
    # A structure with a single till: that one, nothing to choose.
    tills = list(Till.objects.filter(active=True).select_related("site")[:2])
    if len(tills) == 1:
        choose_till(request, tills[0])
        return tills[0]
    return None


def choose_till(request, till: Till) -> None:
    request.session[SESSION_TILL] = till.pk
