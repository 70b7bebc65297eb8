"""SM-1 Club Manager pages: the module's page (balance, history, delivery state), sending
from the participants list, a customer card and an order card, the provider settings; and the
provider's callback (public, secret URL) for delivery receipts and STOP replies."""

from __future__ import annotations

import hmac
import json

from django.contrib import messages
from django.http import HttpResponse, HttpResponseNotFound
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from modules.sms import selectors, services
from modules.sms.forms import ComposeForm, SettingsForm
from modules.sms.models import SmsAccount, SmsMessage
from modules.sms.phones import mobile_display
from modules.sms.segments import count_segments
from ponton.accounts.access import public_view, staff_view


@staff_view("module.use")
def index(request):
    account = services.account_get()
    return render(
        request,
        "sms/index.html",
        {
            "account": account,
            "sms_messages": [
                (m, mobile_display(m.to)) for m in selectors.messages_recent(limit=100)
            ],
            "movements": selectors.movements_recent(limit=50),
        },
    )


def _compose(
    request, *, recipients, source: str, title: str, back: str, hidden=(), consent_url: str = ""
):
    """GET: the form; POST with a body: send, then back to where the user came from."""
    account = services.account_get()
    form = ComposeForm(request.POST if "body" in request.POST else None)
    status = 200
    if form.is_bound and form.is_valid():
        try:
            report = services.sms_send(
                structure=request.tenant,
                recipients=recipients,
                body=form.cleaned_data["body"],
                source=source,
                by=request.user.email,
                promotional=form.cleaned_data["promotional"],
            )
        except services.SmsError as exc:
            form.add_error(None, str(exc))
            status = 400
        else:
            text = _(
                "%(count)s SMS envoyé(s) (%(segments)s SMS décomptés, solde : %(balance)s)."
            ) % {
                "count": len(report.messages),
                "segments": sum(m.segments for m in report.messages),
                "balance": report.balance,
            }
            if report.waits_until is not None:
                local = timezone.localtime(report.waits_until)
                text += " " + _(
                    "SMS promotionnel hors des horaires autorisés : il partira le %(day)s à "
                    "%(time)s."
                ) % {"day": date_format(local, "d/m/Y"), "time": date_format(local, "H:i")}
            messages.success(request, text)
            for line in report.refused:
                messages.warning(request, line)
            return redirect(back)
    count = count_segments(
        (form.data.get("body", "") if form.is_bound else "").replace("\r\n", "\n")
    )
    return render(
        request,
        "sms/compose.html",
        {
            "form": form,
            "title": title,
            "recipients": [(r, _display(r.phone)) for r in recipients],
            "account": account,
            "count": count,
            "back": back,
            "hidden": hidden,
            "consent_url": consent_url,
            "consent": selectors.consent_of(phone=recipients[0].phone) if consent_url else None,
        },
        status=status,
    )


def _display(phone: str) -> str:
    from modules.sms.phones import InvalidMobileError, mobile_e164

    try:
        return mobile_display(mobile_e164(phone))
    except InvalidMobileError as exc:
        return str(exc)


@staff_view("module.use")
def send_customer(request, customer_id: int):
    from ponton.customers.selectors import access_customer

    customer = access_customer(customer_id=customer_id)
    recipient = services.Recipient(
        phone=customer.mobile, name=customer.full_name, customer_id=customer.pk
    )
    return _compose(
        request,
        recipients=[recipient],
        source=SmsMessage.Source.CUSTOMER,
        title=_("Envoyer un SMS à %(name)s") % {"name": customer.full_name},
        back=request.path,
        consent_url=reverse("sms:consent", args=[customer.pk]),
    )


@staff_view("module.use")
def send_order(request, order_id: int):
    from ponton.sales.selectors import access_order

    order = access_order(order_id=order_id)
    payer = order.payer
    recipient = services.Recipient(phone=payer.mobile, name=payer.full_name, customer_id=payer.pk)
    return _compose(
        request,
        recipients=[recipient],
        source=SmsMessage.Source.ORDER,
        title=_("Envoyer un SMS à %(name)s (commande %(number)s)")
        % {"name": payer.full_name, "number": order.number},
        back=request.path,
    )


@staff_view("module.use")
def send_participants(request, session_id: int):
    from ponton.billing.selectors_participants import session_participants
    from ponton.planning.selectors import access_session

    session = access_session(session_id=session_id)
    keys = set(request.POST.getlist("selected"))
    rows = [row for row in session_participants(session=session) if row.key in keys]
    if request.method == "POST" and not rows:
        messages.error(request, _("Cochez au moins un participant à qui envoyer un SMS."))
        return redirect("manager:planning_participants", session_id=session.pk)
    recipients = [services.Recipient(phone=row.mobile, name=row.consumer) for row in rows]
    return _compose(
        request,
        recipients=recipients,
        source=SmsMessage.Source.PARTICIPANTS,
        title=_("Envoyer un sms aux participants sélectionnés"),
        back=request.path if not rows else _participants_url(session.pk),
        hidden=[row.key for row in rows],
    )


def _participants_url(session_id: int) -> str:
    return reverse("manager:planning_participants", args=[session_id])


@staff_view("structure.settings")
def settings_page(request):
    account = services.account_get()
    form = SettingsForm(request.POST or None, instance=account)
    if request.method == "POST" and form.is_valid():
        try:
            form.save()
        except Exception as exc:  # noqa: BLE001 - the form's own French refusal
            from django import forms as dj_forms

            if not isinstance(exc, dj_forms.ValidationError):
                raise
            form.add_error(None, exc)
        else:
            messages.success(request, _("Réglages SMS enregistrés."))
            return redirect("sms:settings")
    return render(
        request,
        "sms/settings.html",
        {
            "form": form,
            "account": account,
            "callback": services.callback_url(
                structure=request.tenant, account=account, provider=account.provider
            ),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@staff_view("module.use")
def consent(request, customer_id: int):
    """The customer's marketing SMS consent, recorded with its date and source."""
    from ponton.customers.selectors import access_customer

    customer = access_customer(customer_id=customer_id)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "opt_out":
                services.consent_opt_out(
                    phone=customer.mobile,
                    source=_("Club Manager (%(who)s)") % {"who": request.user.email},
                    customer_id=customer.pk,
                )
            else:
                services.consent_record(
                    phone=customer.mobile,
                    source=_("Club Manager (%(who)s)") % {"who": request.user.email},
                    customer_id=customer.pk,
                )
        except ValueError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Consentement SMS enregistré."))
    return redirect("sms:customer", customer_id=customer.pk)


# --- the provider's callback --------------------------------------------------------------

OVH_DLR = {"1": "delivered", "2": "failed", "16": "failed", "4": "sent", "8": "sent"}
BREVO_EVENTS = {
    "delivered": "delivered",
    "sent": "sent",
    "accepted": "sent",
    "hardbounce": "failed",
    "softbounce": "failed",
    "rejected": "failed",
    "blacklisted": "failed",
    "error": "failed",
}


@public_view
@csrf_exempt
def callback(request, token: str, provider: str):
    """Delivery receipts and replies. The URL carries the structure's secret token: a forged
    token, or the token of another structure on this host, gets 404 and changes nothing."""
    account = SmsAccount.objects.order_by("pk").first()
    if account is None or not hmac.compare_digest(account.callback_token, token):
        return HttpResponseNotFound("unknown")
    if provider == "ovh":
        data = request.GET.dict() | request.POST.dict()
        if data.get("message") and (data.get("sender") or data.get("senderid")):
            services.reply_received(
                phone=data.get("sender") or data.get("senderid", ""), text=data["message"]
            )
            return HttpResponse("ok")
        state = OVH_DLR.get(str(data.get("dlr", "")))
        if not state or not data.get("id"):
            return HttpResponse("ignored", status=400)
        found = services.delivery_receipt(
            provider="ovh",
            provider_id=str(data["id"]),
            state=state,
            error=data.get("description", ""),
        )
        return HttpResponse("ok" if found else "unknown message", status=200 if found else 404)
    if provider == "brevo":
        try:
            data = json.loads(request.body or b"{}")
        except ValueError:
            return HttpResponse("bad json", status=400)
        event = str(data.get("msg_status") or data.get("event") or "").lower()
        if event in ("replied", "reply") or data.get("reply"):
            services.reply_received(
                phone=str(data.get("to") or ""), text=str(data.get("reply") or "")
            )
            return HttpResponse("ok")
        if event in ("unsubscribed", "unsubscription"):
            services.reply_received(phone=str(data.get("to") or ""), text="STOP")
            return HttpResponse("ok")
        state = BREVO_EVENTS.get(event)
        message_id = data.get("messageId") or data.get("message_id")
        if not state or not message_id:
            return HttpResponse("ignored", status=400)
        found = services.delivery_receipt(
            provider="brevo",
            provider_id=str(message_id),
            state=state,
            error=str(data.get("description") or event),
        )
        return HttpResponse("ok" if found else "unknown message", status=200 if found else 404)
    return HttpResponseNotFound("unknown provider")
