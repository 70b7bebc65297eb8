""" "Recherche ticket" and what follows from a ticket (PO-4, PO-5, PO-6, PO-7): the ticket with
its lines and payments, its prints (the original once, then "DUPLICATA"), "Commande" (the
order's lines; "Facturer/Payer" the ordered ones), the receipt or invoice with "Ajouter un
paiement" (a payment, or a refund in the wrong method), "Facture" on the receipt, and "Annuler
le ticket". The order is the same one the Club Manager shows: what either side changed, the
other sees and can go on with."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from modules.pos import pdf, selectors, services
from modules.pos.forms import TicketSearchForm, TillPaymentForm
from modules.pos.models import Ticket, Till
from modules.pos.views_functions import (
    NoTillChosenError,
    actor_of,
    current_till,
    working_session,
)
from ponton import selling
from ponton.accounts.access import staff_view
from ponton.billing import selectors as billing_selectors
from ponton.billing.models import Document, Payment
from ponton.sales.models import OrderLine
from ponton.web.formats import money_text

STATE_BADGES: dict[str, str] = {
    OrderLine.State.ORDERED: "orange",
    OrderLine.State.INVOICED: "green",
    OrderLine.State.CANCELLED: "red",
}


@staff_view("till.sell")
def search(request):
    """PO-4 "Recherche ticket": by number, date, amount, customer; every till of the
    structure (a customer may come back to another counter)."""
    form = TicketSearchForm(data=request.GET or None)
    results = None
    if form.is_bound and form.is_valid() and form.has_criteria():
        data = form.cleaned_data
        results = list(
            selectors.ticket_search(
                number=data["number"] or "",
                day=data["day"],
                amount=data["amount"],
                customer=data["customer"] or "",
            ).select_related("till")
        )
    elif not form.is_bound:
        results = list(selectors.ticket_search(limit=20).select_related("till"))
    return render(
        request,
        "pos/search.html",
        {"form": form, "results": results, "recent": not form.is_bound},
        status=400 if form.errors else 200,
    )


def _ticket_page(request, ticket: Ticket, *, status: int = 200):
    cancelled_by = Ticket.objects.filter(cancels=ticket).first()
    invoice = None
    if ticket.document is not None and ticket.document.kind == Document.Kind.RECEIPT:
        invoice = billing_selectors.sale_twin(document=ticket.document)
    return render(
        request,
        "pos/ticket.html",
        {
            **pdf.ticket_context(ticket, print_count=0, structure=request.tenant),
            "cancelled_by_ticket": cancelled_by,
            "invoice": invoice,
            "prints": list(ticket.reprints.order_by("count")),
            "can_cancel": cancelled_by is None and ticket.cancels_id is None,
        },
        status=status,
    )


@staff_view("till.sell")
def ticket_detail(request, ticket_id: int):
    return _ticket_page(request, selectors.access_ticket(ticket_id))


@staff_view("till.sell")
@require_POST
def ticket_print(request, ticket_id: int):
    """Print the ticket: records the print (the original once, when the selling screen asks
    for it right after the sale with `original=1`; any other print is a DUPLICATA, counted),
    then shows it as an 80 mm page (`format=html`) or a PDF (`format=pdf`)."""
    ticket = selectors.access_ticket(ticket_id)
    count = services.ticket_print(
        ticket=ticket, actor=actor_of(request), original=request.POST.get("original") == "1"
    )
    if request.POST.get("format") == "pdf":
        return redirect("till:ticket_pdf", ticket_id=ticket.pk, count=count)
    printed = reverse("till:ticket_printed", kwargs={"ticket_id": ticket.pk, "count": count})
    return redirect(f"{printed}#imprimer")


def _recorded(ticket_id: int, count: int) -> Ticket:
    ticket = selectors.access_ticket(ticket_id)
    if pdf.recorded_print(ticket, count) is None:
        raise Http404
    return ticket


@staff_view("till.sell")
def ticket_printed(request, ticket_id: int, count: int):
    """A recorded print of the ticket, on an 80 mm receipt page (print stylesheet)."""
    ticket = _recorded(ticket_id, count)
    return render(
        request,
        "pos/ticket_print.html",
        pdf.ticket_context(ticket, print_count=count, structure=request.tenant),
    )


@staff_view("till.sell")
def ticket_pdf(request, ticket_id: int, count: int):
    """A recorded print of the ticket as an 80 mm PDF."""
    ticket = _recorded(ticket_id, count)
    content = pdf.ticket_pdf(ticket, print_count=count, structure=request.tenant)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{pdf.ticket_filename(ticket, count)}"'
    return response


# "Commande" and "Facturer/Payer" ----------------------------------------------------------------


def _order_page(request, ticket: Ticket, *, errors=(), selected=(), status: int = 200):
    if ticket.order is None:
        raise Http404
    lines = list(
        ticket.order.lines.select_related("product", "session", "consumer").order_by(
            "position", "pk"
        )
    )
    documents, balance = billing_selectors.documents_with_balances(order_id=ticket.order.pk)
    return render(
        request,
        "pos/order.html",
        {
            "ticket": ticket,
            "order": ticket.order,
            "lines": [(line, STATE_BADGES.get(line.state, "")) for line in lines],
            "documents": documents,
            "balance": balance,
            "to_invoice": sum(
                (line.total for line in lines if line.state == OrderLine.State.ORDERED),
                Decimal("0.00"),
            ),
            "errors": list(errors),
            "selected": set(selected),
        },
        status=status,
    )


@staff_view("till.sell")
def order(request, ticket_id: int):
    """ "Commande": the ticket's order, its lines with their states and its documents."""
    return _order_page(request, selectors.access_ticket(ticket_id))


@staff_view("till.sell")
@require_POST
def order_invoice(request, ticket_id: int):
    """ "Facturer/Payer" on the selected "commandé" lines: "Confirmer", then "Facturer" (one
    invoice), then "Ajouter un paiement" on it."""
    ticket = selectors.access_ticket(ticket_id)
    if ticket.order is None:
        raise Http404
    line_ids = sorted({int(pk) for pk in request.POST.getlist("lines") if pk.isdigit()})
    if not line_ids:
        return _order_page(
            request, ticket, errors=[_("Sélectionnez au moins une ligne à facturer.")], status=400
        )
    lines = list(ticket.order.lines.filter(pk__in=line_ids).order_by("position", "pk"))
    if len(lines) != len(line_ids):
        raise Http404
    if request.POST.get("step") == "issue":
        try:
            invoice = selling.invoice(
                structure=request.tenant,
                order=ticket.order,
                line_ids=line_ids,
                actor=actor_of(request),
            )
        except selling.BillingError as exc:
            return _order_page(request, ticket, errors=[str(exc)], selected=line_ids, status=400)
        messages.success(
            request,
            _("Facture %(number)s émise (%(total)s).")
            % {"number": invoice.number, "total": money_text(invoice.total)},
        )
        return redirect("till:payment_add", ticket_id=ticket.pk, document_id=invoice.pk)
    return render(
        request,
        "pos/invoice_confirm.html",
        {
            "ticket": ticket,
            "order": ticket.order,
            "lines": lines,
            "total": sum((line.total for line in lines), Decimal("0.00")),
        },
    )


# The ticket's documents and "Ajouter un paiement" ------------------------------------------------


def _access_document(ticket: Ticket, document_id: int) -> Document:
    document = billing_selectors.access_document(document_id=document_id)
    if ticket.order_id is None or document.order_id != ticket.order_id:
        raise Http404
    return document


def _document_context(ticket: Ticket, document: Document) -> dict:
    return {
        "ticket": ticket,
        "document": document,
        "lines": list(document.lines.order_by("position")),
        "payments": list(document.payments.order_by("recorded_at", "pk")),
        "balance": billing_selectors.document_balance(document=document),
        "is_credit_note": document.kind == Document.Kind.CREDIT_NOTE,
        "invoice_of_receipt": (
            billing_selectors.sale_twin(document=document)
            if document.kind == Document.Kind.RECEIPT
            else None
        ),
    }


@staff_view("till.sell")
def document_detail(request, ticket_id: int, document_id: int):
    """The ticket's purchase receipt (or an invoice, credit note of its order): lines,
    payments, what is due; "Ajouter un paiement", "Facture"."""
    ticket = selectors.access_ticket(ticket_id)
    document = _access_document(ticket, document_id)
    return render(request, "pos/document.html", _document_context(ticket, document))


@staff_view("till.sell")
def payment_add(request, ticket_id: int, document_id: int):
    """PO-4, PO-5 "Ajouter un paiement" at the till: a payment, or a refund (the wrong method
    refunded, then the right one paid). Counted in the till session's X report: a cash refund
    comes out of the drawer."""
    ticket = selectors.access_ticket(ticket_id)
    document = _access_document(ticket, document_id)
    context = _document_context(ticket, document)
    posted = request.method == "POST"
    form = TillPaymentForm(
        data=request.POST if posted else None, document=document, due=context["balance"].due
    )
    if posted and form.is_valid():
        data = form.cleaned_data
        try:
            payment = services.till_payment_add(
                session=working_session(_same_till(request, ticket)),
                document=document,
                data=selling.PaymentData(
                    kind=data["kind"],
                    method=data["method"],
                    amount=data["amount"],
                    cheque_bank=data["cheque_bank"],
                    cheque_number=data["cheque_number"],
                    cheque_issuer=data["cheque_issuer"],
                ),
                actor=actor_of(request),
            )
        except (services.TillError, selling.BillingError) as exc:
            field = getattr(exc, "field", "")
            form.add_error(field if field in form.fields else None, _message(exc))
        else:
            messages.success(request, _payment_message(payment))
            return redirect("till:document", ticket_id=ticket.pk, document_id=document.pk)
    return render(
        request,
        "pos/payment_form.html",
        {**context, "form": form},
        status=400 if form.errors else 200,
    )


def _same_till(request, ticket: Ticket) -> Till:
    """Payments are taken at the till the cashier works on (its drawer, its X report)."""
    try:
        return current_till(request)
    except NoTillChosenError:
        return ticket.till


def _message(exc: Exception) -> str:
    return getattr(exc, "message", "") or str(exc)


def _payment_message(payment: Payment) -> str:
    method = Payment.Method(payment.method).label
    if payment.kind == Payment.Kind.PAYMENT:
        message = _("Paiement de %(amount)s (%(method)s) enregistré.")
    else:
        message = _("Remboursement de %(amount)s (%(method)s) enregistré.")
    message %= {"amount": money_text(payment.amount), "method": method}
    if payment.change_given:
        message += " " + _("Rendu : %(change)s.") % {"change": money_text(payment.change_given)}
    return message


@staff_view("till.sell")
@require_POST
def receipt_invoice(request, ticket_id: int):
    """ "Facture" on the ticket's purchase receipt, on the customer's request (once)."""
    ticket = selectors.access_ticket(ticket_id)
    if ticket.document is None or ticket.document.kind != Document.Kind.RECEIPT:
        raise Http404
    try:
        invoice = selling.receipt_to_invoice(
            structure=request.tenant, receipt=ticket.document, actor=actor_of(request)
        )
    except selling.BillingError as exc:
        messages.error(request, _message(exc))
        return redirect("till:ticket", ticket_id=ticket.pk)
    messages.success(
        request,
        _("Facture %(number)s établie d'après le justificatif d'achat %(receipt)s.")
        % {"number": invoice.number, "receipt": ticket.document.number},
    )
    return redirect("till:document", ticket_id=ticket.pk, document_id=invoice.pk)


@staff_view("till.sell")
def ticket_cancel(request, ticket_id: int):
    """ "Annuler le ticket": a confirmation, then a cancelling ticket (its lines cancelled,
    its payments refunded in the same methods at this till)."""
    ticket = selectors.access_ticket(ticket_id)
    if request.method == "POST":
        try:
            cancelling = services.ticket_cancel(
                structure=request.tenant,
                ticket=ticket,
                session=working_session(_same_till(request, ticket)),
                actor=actor_of(request),
            )
        except (services.TillError, selling.BillingError) as exc:
            messages.error(request, _message(exc))
            return _ticket_page(request, ticket, status=400)
        messages.success(
            request,
            _("Ticket n° %(number)s annulé par le ticket n° %(cancelling)s.")
            % {"number": ticket.number, "cancelling": cancelling.number},
        )
        return redirect("till:ticket", ticket_id=cancelling.pk)
    return render(request, "pos/ticket_cancel.html", {"ticket": ticket})
