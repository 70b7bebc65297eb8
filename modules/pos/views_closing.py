"""The till's cash functions: "Apport d'espèces", "Retrait d'espèces" (PO-2), "État et clôture
de caisse" with its X report and "X->Z" confirmed by the user's password, "Historique des
clôtures" with each Z as PDF and the day/month/year and perpetual totals (PO-3)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from modules.pos import pdf, selectors, services
from modules.pos.forms import CashMoveForm, ClosingForm
from modules.pos.models import CashMovement, TicketRejection, Till, TillClosing
from modules.pos.views_functions import (
    NoTillChosenError,
    actor_of,
    choose_till_redirect,
    current_till,
    too_old,
    working_session,
)
from ponton.accounts import ratelimit
from ponton.accounts.access import staff_view
from ponton.web.formats import money_text

# Wrong passwords at "X->Z": 5 per user in a 15-minute window, then refused even when right.
Z_PASSWORD_LIMIT = (5, 15 * 60)
Z_PASSWORD_SCOPE = "till-z-password"


def _cash_move(request, kind: str):
    try:
        till = current_till(request)
    except NoTillChosenError:
        return choose_till_redirect(request)
    form = CashMoveForm(data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            movement = services.cash_move(
                session=working_session(till),
                kind=kind,
                amount=form.cleaned_data["amount"],
                reason=form.cleaned_data["reason"],
                actor=actor_of(request),
            )
        except services.TillError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            if kind == CashMovement.Kind.IN:
                message = _("Apport de %(amount)s enregistré.")
            else:
                message = _("Retrait de %(amount)s enregistré.")
            messages.success(request, message % {"amount": money_text(movement.amount)})
            return redirect("till:state")
    title = CashMovement.Kind(kind).label
    return render(
        request,
        "pos/cash_move.html",
        {"form": form, "till": till, "title": title, "kind": kind},
        status=400 if form.errors else 200,
    )


@staff_view("till.sell")
def cash_in(request):
    """PO-2 "Apport d'espèces": amount and reason, "Valider"."""
    return _cash_move(request, CashMovement.Kind.IN)


@staff_view("till.sell")
def cash_out(request):
    """PO-2 "Retrait d'espèces": amount and reason, "Valider" (never more than the drawer)."""
    return _cash_move(request, CashMovement.Kind.OUT)


@staff_view("till.sell")
def state(request):
    """PO-3 "État et clôture de caisse": the X report of the open session, at any time."""
    try:
        till = current_till(request)
    except NoTillChosenError:
        return choose_till_redirect(request)
    session = services.open_session(till)
    report = selectors.session_report(session) if session is not None else None
    return render(
        request,
        "pos/state.html",
        {
            "till": till,
            "session": session,
            "report": report,
            "too_old": session is not None and too_old(session),
            "last_closing": selectors.closings(till).first(),
            "rejections": TicketRejection.objects.filter(till=till)[:50],
        },
    )


@staff_view("till.sell")
def close(request):
    """PO-3 "X->Z": the counted amounts per method and the user's password (wrong passwords
    are rate-limited per user), then the Z closing."""
    try:
        till = current_till(request)
    except NoTillChosenError:
        return choose_till_redirect(request)
    session = services.open_session(till)
    if session is None:
        messages.error(request, _("Cette caisse n'a pas de session ouverte : rien à clôturer."))
        return redirect("till:state")
    report = selectors.session_report(session)
    posted = request.method == "POST"
    form = ClosingForm(data=request.POST if posted else None, report=report)
    if posted and form.is_valid() and _password_ok(request, form):
        try:
            closing = services.session_close(
                session=session, counted=form.counted(), actor=actor_of(request)
            )
        except services.TillError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("Clôture Z n° %(number)s enregistrée (écart : %(difference)s).")
                % {"number": closing.number, "difference": money_text(closing.difference)},
            )
            return redirect("till:closings")
    return render(
        request,
        "pos/close.html",
        {"till": till, "session": session, "report": report, "form": form},
        status=400 if form.errors else 200,
    )


def _password_ok(request, form: ClosingForm) -> bool:
    ident = str(request.user.pk)
    if ratelimit.is_limited(scope=Z_PASSWORD_SCOPE, ident=ident, limit=Z_PASSWORD_LIMIT):
        form.add_error(
            "password",
            _("Trop de mots de passe erronés : réessayez dans quelques minutes."),
        )
        return False
    if request.user.check_password(form.cleaned_data["password"]):
        return True
    ratelimit.hit(scope=Z_PASSWORD_SCOPE, ident=ident, limit=Z_PASSWORD_LIMIT)
    form.add_error("password", _("Mot de passe incorrect : la clôture n'est pas enregistrée."))
    return False


@staff_view("till.sell")
def closings(request):
    """PO-3 "Historique des clôtures": the Z closings, their totals per day, month and year,
    and the till's perpetual grand totals."""
    try:
        till = current_till(request)
    except NoTillChosenError:
        return choose_till_redirect(request)
    rows = list(selectors.closings(till)[:200])
    return render(
        request,
        "pos/closings.html",
        {
            "till": till,
            "closings": rows,
            "totals": selectors.closing_totals(till),
            "last": rows[0] if rows else None,
        },
    )


def _access_closing(till: Till, closing_id: int) -> TillClosing:
    closing = selectors.closings(till).filter(pk=closing_id).first()
    if closing is None:
        raise Http404
    return closing


@staff_view("till.sell")
def closing_pdf(request, closing_id: int):
    """A Z closing's report as PDF (as recorded at closing: the report is frozen)."""
    try:
        till = current_till(request)
    except NoTillChosenError:
        return choose_till_redirect(request)
    closing = _access_closing(till, closing_id)
    content = pdf.closing_pdf(closing, structure=request.tenant)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{pdf.closing_filename(closing)}"'
    return response
