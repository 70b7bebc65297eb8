"""Club Manager: an invoice, credit note or receipt with its lines, payments and balance, and
"Ajouter un paiement" / "Ajouter un remboursement" (OR-6). The rules (overpayment, refunding
more than was paid, cheque details, credit available) are `payment_record`'s; its French
messages are shown next to the field they belong to."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from ponton import selling
from ponton.accounts.access import staff_view
from ponton.billing import selectors
from ponton.billing.forms import PaymentForm
from ponton.billing.models import Document, Payment
from ponton.billing.money import money
from ponton.billing.services import (
    BillingError,
    PaymentData,
    change_message,
    payment_by_credit_note,
)
from ponton.sales.views_basket import actor_of


def _context(document: Document, *, structure) -> dict:
    from ponton.payments import selectors as payments_selectors  # payments builds on billing

    balance = selectors.document_balance(document=document)
    is_credit_note = document.kind == Document.Kind.CREDIT_NOTE
    return {
        "document": document,
        "lines": list(document.lines.select_related("order_line").order_by("position")),
        "payments": list(document.payments.order_by("recorded_at", "pk")),
        "balance": balance,
        "is_credit_note": is_credit_note,
        "credit_notes": list(document.credit_notes.order_by("issued_at", "pk")),
        # OR-9: "Demande de C & P" while something is due; "Demande active" once sent.
        "click_and_pay": not is_credit_note and balance.due > 0,
        "active_request": payments_selectors.active_request(document=document),
        # "par sms" only when a module that is on sends SMS (the service refuses otherwise).
        "sms_available": not payments_selectors.sms_refusal(structure=structure),
        "invoice_of_receipt": (
            selectors.sale_twin(document=document)
            if document.kind == Document.Kind.RECEIPT
            else None
        ),
    }


@staff_view("sales.manage")
def document_detail(request, document_id: int):
    document = selectors.access_document(document_id=document_id)
    return render(
        request, "billing/payments/document.html", _context(document, structure=request.tenant)
    )


@staff_view("sales.manage")
def payment_add(request, document_id: int):
    """OR-6 "Ajouter un paiement": paiement or remboursement, method, amount, date (and the
    cheque's bank, number and issuer, kept for the cheque deposit)."""
    document = selectors.access_document(document_id=document_id)
    context = _context(document, structure=request.tenant)
    posted = request.method == "POST"
    credit = selectors.customer_credit(payer_id=document.payer_id)
    form = PaymentForm(
        data=request.POST if posted else None,
        document=document,
        due=context["balance"].due,
        open_credit_notes=(
            selectors.open_credit_notes(payer_id=document.payer_id)
            if not context["is_credit_note"]
            else []
        ),
        credit=credit,
    )
    if posted and form.is_valid():
        try:
            payment, used = _record(request, document, form.cleaned_data)
        except BillingError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            messages.success(request, _success_message(payment, credit_note=used))
            return redirect("manager:document", document_id=document.pk)
    return render(
        request,
        "billing/payments/payment_form.html",
        {**context, "form": form, "credit": credit},
        status=400 if form.errors else 200,
    )


def _record(request, document: Document, data: dict) -> tuple[Payment, Document | None]:
    """One service call: "Avoir" with a chosen credit note moves both documents at once.
    Returns the invoice's payment (or the refund) and the credit note used, if any."""
    credit_note = data.get("credit_note")
    if credit_note is not None:
        _refund, payment = payment_by_credit_note(
            document=document,
            credit_note=credit_note,
            amount=data["amount"],
            received_on=data["received_on"],
            actor=actor_of(request),
        )
        return payment, credit_note
    payment = selling.pay(
        document=document,
        data=PaymentData(
            kind=data["kind"],
            method=data["method"],
            amount=data["amount"],
            received_on=data["received_on"],
            cheque_bank=data["cheque_bank"],
            cheque_number=data["cheque_number"],
            cheque_issuer=data["cheque_issuer"],
            reference=data["reference"],
        ),
        actor=actor_of(request),
    )
    return payment, None


def _success_message(payment: Payment, *, credit_note: Document | None) -> str:
    method = Payment.Method(payment.method).label
    if payment.kind == Payment.Kind.PAYMENT:
        message = _("Paiement de %(amount)s € (%(method)s) enregistré.")
    else:
        message = _("Remboursement de %(amount)s € (%(method)s) enregistré.")
    message %= {"amount": money(payment.amount), "method": method}
    if credit_note is not None:
        message = f"{message} " + _("Avoir utilisé : %(number)s.") % {"number": credit_note.number}
    if payment.change_given:
        message = f"{message} {change_message(payment.change_given)}"
    return message
