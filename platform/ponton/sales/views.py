"""Club Manager > Gérer > Commandes and Devis (OR-2 to OR-5): the lists, the order card with
its lines, documents ("encadré orange") and history, "Facturer/Payer" ("Confirmer" then
"Facturer"), "Commander" on a quote, "Annuler" and "Remplacer" a line. The rules are the
services' (`sales.services`, `billing.services`); their messages are shown in the page."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ponton import selling
from ponton.accounts.access import staff_view
from ponton.accounts.permissions import role_has
from ponton.billing import selectors as billing_selectors
from ponton.billing.money import money
from ponton.billing.services import BillingError, FreeDiscount
from ponton.plugins.manager import hooks_for
from ponton.sales import selectors, services
from ponton.sales.forms import NoteForm, ReplaceForm, SearchForm
from ponton.sales.models import Order, OrderLine
from ponton.sales.services import LineRequest, SaleError
from ponton.sales.views_basket import actor_of

PAGE_SIZE = 50


def _list(request, *, status: str, template: str):
    search = SearchForm(data=request.GET)
    query = search.cleaned_data["q"] if search.is_valid() else ""
    orders = selectors.order_search(status=status, query=query)
    page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, template, {"search": search, "page": page, "query": query})


@staff_view("sales.manage")
def order_list(request):
    """Gérer > Commandes."""
    return _list(request, status=Order.Status.ORDER, template="sales/order_list.html")


@staff_view("sales.manage")
def quote_list(request):
    """Gérer > Devis (OR-2)."""
    return _list(request, status=Order.Status.QUOTE, template="sales/quote_list.html")


STATE_BADGES = {
    OrderLine.State.QUOTED: "blue",
    OrderLine.State.ORDERED: "orange",
    OrderLine.State.INVOICED: "green",
    OrderLine.State.CANCELLED: "red",
}


def _module_actions(request, order: Order) -> list:
    """Links of the modules that are on, under the payer's email (the SMS module's "Envoyer un
    SMS"), for roles using modules."""
    if not role_has(request.membership.role, "module.use"):
        return []
    items = [
        item
        for items in hooks_for(request.tenant).ponton_order_card_actions(
            structure=request.tenant, order=order, user=request.user
        )
        for item in (items or [])
    ]
    return sorted(items, key=lambda i: (i.order, i.label))


def _line_markers(request, order: Order, lines) -> dict[int, list[str]]:
    """Markers of the modules that are on, by line (the FF Voile licence logo...)."""
    if not role_has(request.membership.role, "module.use"):
        return {}
    hooks = hooks_for(request.tenant)
    if not hooks.implemented("ponton_order_line_markers"):
        return {}
    markers: dict[int, list[str]] = {}
    for by_line in hooks.ponton_order_line_markers(
        structure=request.tenant, order=order, lines=list(lines), user=request.user
    ):
        for line_id, html in (by_line or {}).items():
            markers.setdefault(line_id, []).extend(html)
    return markers


def _card(request, order: Order, *, errors=None, selected=(), status: int = 200):
    card = selectors.order_card(order=order)
    documents, balance = billing_selectors.documents_with_balances(order_id=order.pk)
    markers = _line_markers(request, order, card["lines"])
    for line in card["lines"]:
        line.badge = STATE_BADGES.get(line.state, "")
        line.module_markers = markers.get(line.pk, [])
    return render(
        request,
        "sales/order_card.html",
        {
            "order": order,
            "lines": card["lines"],
            "events": card["events"],
            "documents": documents,
            "balance": balance,
            "to_invoice": card["to_invoice"],
            "errors": errors or [],
            "selected": {int(pk) for pk in selected if str(pk).isdigit()},
            "is_quote": order.status == Order.Status.QUOTE,
            "module_actions": _module_actions(request, order),
        },
        status=status,
    )


@staff_view("sales.manage")
def order_detail(request, order_id: int):
    """OR-3: the order card (or the quote's page)."""
    return _card(request, selectors.access_order(order_id=order_id))


@staff_view("sales.manage")
@require_POST
def quote_order(request, order_id: int):
    """OR-2 "Commander" on a quote: availability is checked again by the service."""
    order = selectors.access_order(order_id=order_id)
    try:
        order = selling.quote_to_order(order=order, actor=actor_of(request))
    except SaleError as exc:
        return _card(request, order, errors=[str(exc)], status=400)
    messages.success(
        request,
        _("Devis %(quote)s commandé : commande %(number)s.")
        % {"quote": order.quote_number, "number": order.number},
    )
    return redirect("manager:order", order_id=order.pk)


@staff_view("sales.manage")
@require_POST
def order_invoice(request, order_id: int):
    """OR-3 "Facturer/Payer" on the selected lines: a confirmation page ("Confirmer"), a
    recap ("Facturer"), then one invoice for those lines."""
    order = selectors.access_order(order_id=order_id)
    line_ids = [int(pk) for pk in request.POST.getlist("lines") if pk.isdigit()]
    step = request.POST.get("step", "")
    note = NoteForm(data=request.POST)
    note.is_valid()
    if step == "issue":
        try:
            invoice = selling.invoice(
                structure=request.tenant,
                order=order,
                line_ids=line_ids,
                actor=actor_of(request),
                note=note.cleaned_data.get("note", ""),
            )
        except BillingError as exc:
            return _card(request, order, errors=[str(exc)], selected=line_ids, status=400)
        messages.success(
            request,
            _("Facture %(number)s émise (%(total)s €).")
            % {"number": invoice.number, "total": money(invoice.total)},
        )
        return redirect("manager:order", order_id=order.pk)
    if not line_ids:
        return _card(
            request, order, errors=[_("Sélectionnez au moins une ligne à facturer.")], status=400
        )
    lines = [line for line in selectors.order_card(order=order)["lines"] if line.pk in line_ids]
    if len(lines) != len(set(line_ids)):
        raise Http404
    return render(
        request,
        "sales/invoice_confirm.html",
        {
            "order": order,
            "lines": lines,
            "total": sum((line.total for line in lines), Decimal("0.00")),
            "step": "issue" if step == "confirm" else "confirm",
            "note": note,
        },
    )


def _access_line(order: Order, line_id: int) -> OrderLine:
    line = (
        OrderLine.objects.filter(order=order, pk=line_id)
        .select_related("product", "session", "consumer")
        .first()
    )
    if line is None:
        raise Http404
    return line


LINE_ACTIONS = {"cancel": "manager:order_line_cancel", "replace": "manager:order_line_replace"}


@staff_view("sales.manage")
@require_POST
def order_lines_action(request, order_id: int):
    """OR-4, OR-5: "sélectionnez la ligne", then "Annuler" or "Remplacer" above the lines: the
    one selected line's cancel or replace page."""
    order = selectors.access_order(order_id=order_id)
    action = request.POST.get("action", "")
    if action not in LINE_ACTIONS:
        raise Http404
    line_ids = {int(pk) for pk in request.POST.getlist("lines") if pk.isdigit()}
    if len(line_ids) != 1:
        if action == "cancel":
            error = _("Sélectionnez une seule ligne à annuler.")
        else:
            error = _("Sélectionnez une seule ligne à remplacer.")
        return _card(request, order, errors=[error], selected=line_ids, status=400)
    line = _access_line(order, line_ids.pop())
    return redirect(LINE_ACTIONS[action], order_id=order.pk, line_id=line.pk)


@staff_view("sales.manage")
def order_line_cancel(request, order_id: int, line_id: int):
    """OR-4 "Annuler": the recap, an optional note, "Ok"; a credit note if it was invoiced."""
    order = selectors.access_order(order_id=order_id)
    line = _access_line(order, line_id)
    form = NoteForm(data=request.POST if request.method == "POST" else None)
    errors = []
    if request.method == "POST" and form.is_valid():
        try:
            credit_note = selling.line_cancel(
                structure=request.tenant,
                line=line,
                actor=actor_of(request),
                note=form.cleaned_data["note"],
            )
        except BillingError as exc:
            errors.append(str(exc))
        else:
            message = _("« %(label)s » annulé.") % {"label": line.label}
            if credit_note is not None:
                message += " " + _("Avoir %(number)s émis (%(total)s €).") % {
                    "number": credit_note.number,
                    "total": money(credit_note.total),
                }
            messages.success(request, message)
            return redirect("manager:order", order_id=order.pk)
    return render(
        request,
        "sales/line_cancel.html",
        {"order": order, "line": line, "form": form, "errors": errors},
        status=400 if errors else 200,
    )


FIELD_OF_DISCOUNT = {
    "amount": "discount_value",
    "percent": "discount_value",
    "description": "discount_description",
}


def _replacement(form: ReplaceForm, line: OrderLine) -> LineRequest:
    data = form.cleaned_data
    session = data.get("session")
    product = session.product if session is not None else data.get("product")
    rate = data.get("rate")
    if rate is None and product is not None:
        rates = list(product.rates.all())
        rate = next((r for r in rates if r.name == line.rate_name), rates[0] if rates else None)
    return services.replace_request(line, product=product, session=session, rate=rate)


def _discount(form: ReplaceForm) -> FreeDiscount | None:
    data = form.cleaned_data
    if not data.get("add_discount"):
        return None
    value = data.get("discount_value")
    if data.get("discount_kind") == ReplaceForm.PERCENT and value is not None:
        return FreeDiscount(description=data.get("discount_description", ""), percent=value)
    return FreeDiscount(description=data.get("discount_description", ""), amount=value)


@staff_view("sales.manage")
def order_line_replace(request, order_id: int, line_id: int):
    """OR-5 "Remplacer": the new session or product and "Ajouter une promotion libre",
    "Suivant", the recap, "Ok"."""
    order = selectors.access_order(order_id=order_id)
    line = _access_line(order, line_id)
    posted = request.method == "POST"
    form = ReplaceForm(data=request.POST if posted else None, line=line)
    context = {"order": order, "line": line, "form": form, "errors": []}
    if posted and form.is_valid():
        request_line = _replacement(form, line)
        discount = _discount(form)
        assert request_line.product is not None  # a replacement is always of a product
        unit_price = (
            request_line.rate.amount
            if request_line.rate is not None
            else request_line.product.price
        )
        amount = unit_price * request_line.quantity
        try:
            discount_amount = discount.on(amount) if discount is not None else Decimal("0.00")
        except BillingError as exc:
            form.add_error(FIELD_OF_DISCOUNT.get(exc.field or "", None), str(exc))
        else:
            if request.POST.get("step") == "confirm":
                try:
                    new_line, credit_note = selling.line_replace(
                        structure=request.tenant,
                        line=line,
                        request=request_line,
                        actor=actor_of(request),
                        discount=discount,
                        note=form.cleaned_data["note"],
                    )
                except BillingError as exc:
                    form.add_error(FIELD_OF_DISCOUNT.get(exc.field or "", None), str(exc))
                else:
                    message = _("« %(old)s » remplacé par « %(new)s ».") % {
                        "old": line.label,
                        "new": new_line.label,
                    }
                    if credit_note is not None:
                        message += " " + _("Avoir %(number)s émis (%(total)s €).") % {
                            "number": credit_note.number,
                            "total": money(credit_note.total),
                        }
                    messages.success(request, message)
                    return redirect("manager:order", order_id=order.pk)
            else:
                context.update(
                    recap=True,
                    new_product=request_line.product,
                    new_session=request_line.session,
                    new_rate=request_line.rate,
                    quantity=request_line.quantity,
                    unit_price=unit_price,
                    amount=amount,
                    discount_amount=discount_amount,
                    new_total=amount - discount_amount,
                )
                return render(request, "sales/line_replace.html", context)
    return render(request, "sales/line_replace.html", context, status=400 if form.errors else 200)
