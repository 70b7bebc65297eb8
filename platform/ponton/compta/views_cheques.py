"""Club Manager > Compta > Chèques (CO-1), the seed's flow: choose a "période d'encaissement",
check the cheques taken to the bank, "Enregistrer": a numbered deposit and its slip (PDF); the
deposited cheques leave the list. Past deposits, a deposit's page (its history, "Annuler la
remise"), and the bank accounts. Every view needs "compta.view"; the rules are the services'."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ponton.accounts.access import staff_view
from ponton.accounts.permissions import role_has
from ponton.compta import pdf_deposits
from ponton.compta.forms_cheques import (
    BankAccountForm,
    ChequePeriodForm,
    DepositCancelForm,
    DepositForm,
)
from ponton.compta.selectors import deposits as selectors
from ponton.compta.services.deposits import (
    BankAccountData,
    DepositData,
    DepositError,
    bank_account_create,
    bank_account_ensure_default,
    deposit_cancel,
    deposit_create,
)
from ponton.sales.services import Actor
from ponton.web.formats import money_text

DEPOSITS_PER_PAGE = 50


def _actor(request) -> Actor:
    user = request.user
    name = f"{user.first_name} {user.last_name}".strip() or user.email
    return Actor(account_id=user.pk, name=name)


def _period(data) -> ChequePeriodForm:
    return ChequePeriodForm(
        data={key: data.get(key, "") for key in ("start", "end")}
        if any(data.get(key) for key in ("start", "end"))
        else None
    )


def _cheques_page(request, *, period: ChequePeriodForm, deposit_form: DepositForm, status=200):
    filters = period.cleaned_data if period.is_bound and period.is_valid() else {}
    pending = (
        selectors.cheques_pending(**filters)
        if not period.errors
        else selectors.PendingCheques(cheques=[], truncated=False)
    )
    checked = set(deposit_form.cleaned_data.get("cheque", ())) if deposit_form.is_bound else set()
    just_saved = None
    saved = request.GET.get("remise", "")
    if saved.isdigit():
        just_saved = selectors.deposit_list().filter(pk=int(saved)).first()
    return render(
        request,
        "compta/cheques/pending.html",
        {
            "period": period,
            "period_query": urlencode({k: v.isoformat() for k, v in filters.items() if v}),
            "filters": filters,
            "pending": pending,
            "checked": checked,
            "form": deposit_form,
            "just_saved": just_saved,
            "can_open_document": role_has(request.membership.role, "sales.manage"),
        },
        status=status,
    )


@staff_view("compta.view")
def cheques(request):
    """CO-1 "Compta > Chèques": the cheques waiting to be deposited in the period."""
    bank_account_ensure_default(structure=request.tenant)
    period = _period(request.GET)
    return _cheques_page(
        request,
        period=period,
        deposit_form=DepositForm(),
        status=400 if period.errors else 200,
    )


@staff_view("compta.view")
@require_POST
def deposit_save(request):
    """CO-1 "Enregistrer": the checked cheques deposited into the chosen account on the date;
    back to the list (same period), where they no longer are. Refused: the list again with the
    French message and the same cheques checked, nothing written."""
    period = _period(request.POST)
    form = DepositForm(data=request.POST)
    if form.is_valid():
        try:
            deposit = deposit_create(
                data=DepositData(
                    payment_ids=form.cleaned_data["cheque"],
                    bank_account_id=form.cleaned_data["bank_account"].pk,
                    deposited_on=form.cleaned_data["deposited_on"],
                ),
                actor=_actor(request),
            )
        except DepositError as exc:
            field = exc.field if exc.field in form.fields else None
            form.add_error(field, str(exc))
        else:
            messages.success(
                request,
                _("Remise %(number)s enregistrée : %(count)s chèque(s), %(total)s.")
                % {
                    "number": deposit.number,
                    "count": deposit.cheque_count,
                    "total": money_text(deposit.total),
                },
            )
            query = {"remise": deposit.pk}
            if period.is_bound and period.is_valid():
                query.update({k: v.isoformat() for k, v in period.cleaned_data.items() if v})
            return redirect(f"{reverse('manager:compta_cheques')}?{urlencode(query)}")
    return _cheques_page(request, period=period, deposit_form=form, status=400)


@staff_view("compta.view")
def deposits(request):
    """CO-1 "Remises de chèques": past deposits, the latest first."""
    page = Paginator(selectors.deposit_list(), DEPOSITS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "compta/cheques/deposits.html", {"page": page})


def _deposit_page(request, deposit, *, cancel_form: DepositCancelForm, status=200):
    return render(
        request,
        "compta/cheques/deposit.html",
        {
            "deposit": deposit,
            "lines": selectors.deposit_lines(deposit=deposit),
            "cancel_form": cancel_form,
            "can_open_document": role_has(request.membership.role, "sales.manage"),
        },
        status=status,
    )


@staff_view("compta.view")
def deposit_detail(request, deposit_id: int):
    deposit = selectors.access_deposit(deposit_id=deposit_id)
    return _deposit_page(request, deposit, cancel_form=DepositCancelForm())


@staff_view("compta.view")
def deposit_pdf(request, deposit_id: int):
    """The deposit slip, printable A4."""
    deposit = selectors.access_deposit(deposit_id=deposit_id)
    content = pdf_deposits.deposit_slip_pdf(deposit=deposit, structure=request.tenant)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{pdf_deposits.filename(deposit)}"'
    return response


@staff_view("compta.view")
@require_POST
def deposit_cancel_view(request, deposit_id: int):
    """CO-1 "Annuler la remise", with a reason: its cheques are to deposit again."""
    deposit = selectors.access_deposit(deposit_id=deposit_id)
    form = DepositCancelForm(data=request.POST)
    if form.is_valid():
        try:
            deposit_cancel(
                deposit=deposit, reason=form.cleaned_data["reason"], actor=_actor(request)
            )
        except DepositError as exc:
            form.add_error("reason" if exc.field == "reason" else None, str(exc))
        else:
            messages.success(
                request,
                _("Remise %(number)s annulée : ses chèques sont de nouveau à remettre.")
                % {"number": deposit.number},
            )
            return redirect("manager:compta_deposit", deposit_id=deposit.pk)
    return _deposit_page(request, deposit, cancel_form=form, status=400)


@staff_view("compta.view")
def bank_accounts(request):
    """The bank accounts cheques are deposited into; add one."""
    bank_account_ensure_default(structure=request.tenant)
    form = BankAccountForm(data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            account = bank_account_create(data=BankAccountData(**form.cleaned_data))
        except DepositError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            messages.success(request, _("Compte « %(label)s » ajouté.") % {"label": account.label})
            return redirect("manager:compta_bank_accounts")
    return render(
        request,
        "compta/cheques/bank_accounts.html",
        {"accounts": list(selectors.bank_accounts()), "form": form},
        status=400 if form.errors else 200,
    )
