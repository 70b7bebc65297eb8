"""Click & Pay pages: the public payment page (/payer/<token>/), the Stripe webhook, and the
Club Manager's actions ("Demande de C & P", "Relancer Click and Pay", Stripe settings,
refund to the card). Thin: the work is in `services`."""

from __future__ import annotations

import json
import logging
from typing import cast

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from ponton.accounts.access import public_view, staff_view
from ponton.billing import selectors as billing_selectors
from ponton.billing.models import Document, Payment
from ponton.payments import selectors, services
from ponton.payments.forms import OnlineRefundForm, ReminderForm, StripeAccountForm
from ponton.payments.gateway import (
    WebhookError,
    gateway_for_current_structure,
    stripe_csp_sources,
    stripe_js_url,
)
from ponton.payments.models import PaymentRequest
from ponton.sales.services import Actor
from ponton.selling import checkout

logger = logging.getLogger("ponton.payments")


def _actor(request) -> Actor:
    user = request.user
    return Actor(account_id=user.pk, name=user.get_full_name() or user.email)


def _back(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return default


def _request_or_404(token: str) -> PaymentRequest:
    found = selectors.request_by_token(token=token)
    if found is None:
        raise Http404
    return found


# Public payment page ---------------------------------------------------------------------


@public_view
@require_GET
def pay_page(request, token: str):
    payment_request = _request_or_404(token)
    document = payment_request.document
    balance = billing_selectors.document_balance(document=document)
    gateway = gateway_for_current_structure()
    context = {
        "payment_request": payment_request,
        "document": document,
        "due": balance.due,
        "paid": payment_request.state == PaymentRequest.State.PAID,
        "payable": payment_request.state == PaymentRequest.State.ACTIVE and balance.due > 0,
        "test_gateway": gateway.is_test,
        "online_available": gateway.is_available,
        "publishable_key": gateway.publishable_key,
        "stripe_js_url": stripe_js_url(),
    }
    response = render(request, "payments/pay.html", context)
    # The token is in the URL: never send it to another origin (Stripe.js, links).
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "no-store"
    if context["payable"] and gateway.is_available and not gateway.is_test:
        sources = stripe_csp_sources()
        # Added to our policy; frames replace its "'none'".
        response._csp_update = {  # type: ignore[attr-defined]
            "script-src": sources["script-src"],
            "connect-src": sources["connect-src"],
        }
        response._csp_replace = {"frame-src": sources["frame-src"]}  # type: ignore[attr-defined]
    return response


@public_view
@require_POST
def pay_card(request, token: str):
    _request_or_404(token)
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        data = {}
    try:
        status, client_secret = services.pay_with_card_token(
            token=token, card_token=str(data.get("card_token", ""))
        )
    except services.PaymentsError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    return JsonResponse({"status": status, "client_secret": client_secret})


@public_view
@require_POST
def pay_test(request, token: str):
    _request_or_404(token)
    try:
        services.pay_with_test_gateway(token=token)
    except services.PaymentsError as exc:
        messages.error(request, str(exc))
    return redirect("payments:pay", token=token)


@public_view
@require_GET
def pay_status(request, token: str):
    payment_request = _request_or_404(token)
    return JsonResponse({"state": payment_request.state})


@public_view
@csrf_exempt
@require_POST
def stripe_webhook(request):
    """Stripe's events for this structure (the URL of the structure's host is the one set in
    its Stripe dashboard). 400 when the signature does not match: nothing recorded."""
    try:
        event = services.stripe_webhook_verify(
            payload=request.body, signature=request.headers.get("Stripe-Signature", "")
        )
        intent = services.succeeded_intent(event)
        if intent is None:
            outcome = "ignored"
        elif "checkout" in (intent.get("metadata") or {}):
            # An online basket's payment (MP-2): the selling path writes the order.
            outcome = checkout.checkout_webhook(structure=request.tenant, intent=intent)
        else:
            outcome = services.click_and_pay_succeeded(intent)
    except WebhookError as exc:
        logger.warning("stripe webhook refused on %s: %s", request.get_host(), exc)
        return HttpResponseBadRequest("invalid signature")
    return HttpResponse(outcome)


# Club Manager ------------------------------------------------------------------------------


@staff_view("sales.manage")
@require_POST
def request_create(request, document_id: int):
    """OR-9 "Demande de C & P" (par mail / par sms) from an invoice of the order card."""
    document = get_object_or_404(Document, pk=document_id)
    channel = request.POST.get("channel", PaymentRequest.Channel.EMAIL)
    try:
        services.payment_request_create(document=document, actor=_actor(request), channel=channel)
    except services.PaymentsError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Demande active : le lien de paiement de %(number)s a été envoyé.")
            % {"number": document.number},
        )
    return redirect(_back(request, "/manager/"))


@staff_view("sales.manage")
@require_POST
def request_cancel(request, request_id: int):
    payment_request = get_object_or_404(PaymentRequest, pk=request_id)
    try:
        services.payment_request_cancel(request=payment_request, actor=_actor(request))
    except services.PaymentsError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("La demande de Click & Pay est annulée."))
    return redirect(_back(request, "/manager/"))


@staff_view("sales.manage")
def remind(request):
    """OR-9 "Relancer Click and Pay": the checked requests (`request` ids) or order lines, with
    the staff's own subject and body. Only a POST sends. The participants ticked in a session's
    list (PL-4) arrive as `selected` in a POST body (never in the address): that first POST only
    shows the form, with who will not be reminded and why; the form posts them back as `line`."""
    posted = request.method == "POST"
    source = request.POST if posted else request.GET
    request_ids = [int(v) for v in source.getlist("request") if v.isdigit()]
    ticked = [int(v) for v in request.POST.getlist("selected") if v.isdigit()] if posted else []
    line_ids = ticked or (
        [int(v) for v in request.POST.getlist("line") if v.isdigit()] if posted else []
    )
    sending = posted and not ticked and "subject" in request.POST
    chosen = list(
        PaymentRequest.objects.filter(
            pk__in=request_ids, state=PaymentRequest.State.ACTIVE
        ).select_related("document")
    )
    initial = {
        "subject": _("Rappel : votre paiement en attente"),
        "body": _(
            "Bonjour,\n\nNous n'avons pas encore reçu votre règlement. Vous pouvez payer par "
            "carte bancaire en suivant le lien ci-dessous.\n\nMerci !"
        ),
    }
    form = ReminderForm(request.POST if sending else None, initial=initial)
    if sending and form.is_valid():
        actor = _actor(request)
        try:
            if line_ids:
                sent = services.click_and_pay_for_lines(
                    line_ids=line_ids,
                    subject=form.cleaned_data["subject"],
                    body=form.cleaned_data["body"],
                    actor=actor,
                )
            else:
                sent = services.payment_request_remind(
                    requests=chosen,
                    subject=form.cleaned_data["subject"],
                    body=form.cleaned_data["body"],
                    actor=actor,
                )
        except services.PaymentsError as exc:
            if exc.field in form.fields:
                form.add_error(exc.field, str(exc))
            else:
                form.add_error(None, str(exc))
        else:
            messages.success(request, _("Relances envoyées : %(count)s.") % {"count": sent})
            return redirect(_back(request, "/manager/"))
    preview = selectors.reminder_preview(line_ids=line_ids) if line_ids else None
    return render(
        request,
        "payments/remind.html",
        {
            "form": form,
            "chosen": chosen,
            "line_ids": line_ids,
            "preview": preview,
            "can_send": bool(chosen or (preview and preview.to_remind)) or sending,
            "nothing_ticked": posted and not sending and not line_ids and not chosen,
            "next": _back(request, ""),
        },
    )


@staff_view("sales.manage")
def refund(request, payment_id: int):
    """Refund an online card payment to the card (Stripe), on its invoice or a credit note."""
    payment = get_object_or_404(
        Payment.objects.select_related("document"),
        pk=payment_id,
        method=Payment.Method.ONLINE_CARD,
        kind=Payment.Kind.PAYMENT,
    )
    invoice = payment.document
    documents = [invoice, *Document.objects.filter(corrects=invoice).order_by("pk")]
    left = selectors.refundable_online(payment=payment)
    form = OnlineRefundForm(request.POST or None, initial={"amount": left})
    cast(forms.ChoiceField, form.fields["document"]).choices = [(d.pk, d.number) for d in documents]
    if request.method == "POST" and form.is_valid():
        document = next(d for d in documents if d.pk == form.cleaned_data["document"])
        try:
            services.online_refund(
                document=document,
                payment=payment,
                amount=form.cleaned_data["amount"],
                actor=_actor(request),
            )
        except services.PaymentsError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            messages.success(request, _("Le remboursement est envoyé sur la carte."))
            return redirect(_back(request, "/manager/"))
    return render(
        request,
        "payments/refund.html",
        {"form": form, "payment": payment, "left": left, "next": _back(request, "")},
    )


@staff_view("structure.settings")
def stripe_settings(request):
    """Paramètres > Paiement en ligne: the structure's own Stripe account."""
    account = selectors.stripe_account()
    form = StripeAccountForm(
        request.POST or None,
        initial={"publishable_key": account.publishable_key if account else ""},
    )
    if request.method == "POST" and request.POST.get("action") == "clear":
        services.stripe_account_clear(actor=_actor(request))
        messages.success(request, _("Clés Stripe supprimées : la passerelle de test est utilisée."))
        return redirect("payments_manager:stripe_settings")
    if request.method == "POST" and form.is_valid():
        try:
            services.stripe_account_save(actor=_actor(request), **form.cleaned_data)
        except services.PaymentsError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            messages.success(request, _("Votre compte Stripe est enregistré."))
            return redirect("payments_manager:stripe_settings")
    webhook_url = request.build_absolute_uri("/payments/stripe/webhook/")
    return render(
        request,
        "payments/stripe_settings.html",
        {
            "form": form,
            "account": account,
            "configured": bool(account and account.configured),
            "secret_key_masked": selectors.mask(account.secret_key if account else ""),
            "webhook_secret_masked": selectors.mask(account.webhook_secret if account else ""),
            "webhook_url": webhook_url,
        },
    )
