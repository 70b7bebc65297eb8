"""What the till's function pages share (PO-2..PO-6): which till they work on, its open
session, who acts. The pages themselves are in `views_closing` (cash in/out, X, Z, closings)
and `views_tickets` (ticket search, the ticket, its order, payments, prints).

The till is the one chosen on /caisse/ (its id in the Django session, `pos_till_id`, set by the
selling screen when a till is chosen or opened); with no choice made and a single till, that
till; else the cashier is sent back to /caisse/ to choose."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from modules.pos import selectors, services
from modules.pos.models import Till, TillSession
from ponton.selling import Actor

TILL_SESSION_KEY = "pos_till_id"


class NoTillChosenError(Exception):
    """No till chosen (several exist): the cashier chooses one on /caisse/."""


def home_url() -> str:
    return reverse("till:home")


def current_till(request) -> Till:
    till_id = request.session.get(TILL_SESSION_KEY)
    if till_id is not None:
        return selectors.access_till(int(till_id))
    tills = list(Till.objects.filter(active=True)[:2])
    if len(tills) != 1:
        raise NoTillChosenError
    request.session[TILL_SESSION_KEY] = tills[0].pk
    return tills[0]


def choose_till_redirect(request) -> HttpResponseRedirect:
    messages.info(request, _("Choisissez d'abord la caisse sur laquelle vous travaillez."))
    return redirect(home_url())


def actor_of(request) -> Actor:
    user = request.user
    name = f"{user.first_name} {user.last_name}".strip() or user.email
    return Actor(account_id=user.pk, name=name)


def too_old(session: TillSession) -> bool:
    """Open for more than 24 hours: the Z comes before anything else (PO-7)."""
    return timezone.now() - session.opened_at > services.SESSION_MAX_AGE


TOO_OLD_MESSAGE = gettext_lazy(
    "La caisse est ouverte depuis plus de 24 h : faites la clôture (X->Z) avant de continuer."
)


def working_session(till: Till) -> TillSession:
    """The till's open session for a till action (cash in/out, payment, cancellation);
    TillError with the French reason when the till is closed or open for more than 24 h."""
    session = services.open_session(till)
    if session is None:
        raise services.TillError(
            _("La caisse est fermée : ouvrez-la (fond de caisse) avant de continuer."),
            code="closed",
        )
    if too_old(session):
        raise services.TillError(str(TOO_OLD_MESSAGE), code="too_old")
    return session
