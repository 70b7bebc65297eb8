"""EM-1 pages: campaigns under /manager/m/emarketing/ (module switch and `module.use`), and the
public unsubscribe page (no login, no CSRF token: RFC 8058 one-click POST)."""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from modules.emarketing import delivery, forms, segments, selectors, services
from modules.emarketing.events import progress_payload
from modules.emarketing.models import Campaign, Consent, SmtpSettings
from ponton.accounts.access import public_view, staff_view
from ponton.customers.selectors import access_customer


def _data(form: forms.CampaignForm) -> services.CampaignData:
    c = form.cleaned_data
    return services.CampaignData(
        name=c["name"],
        sender_name=c["sender_name"],
        subject=c["subject"],
        body=c["body"],
        audience=c["audience"],
        audience_emails=c["audience_emails"],
        audience_search=c["audience_search"],
        audience_rules=c["audience_rules"],
    )


@staff_view("module.use")
def index(request):
    """Campaigns with their state; the scheduled ones whose time has come start here too."""
    services.campaigns_start_due()
    return render(
        request, "emarketing/manager/index.html", {"campaigns": selectors.campaign_list()[:200]}
    )


def _editor(request, *, campaign: Campaign | None):
    if request.method == "POST":
        form = forms.CampaignForm(request.POST)
        if form.is_valid():
            try:
                campaign = services.campaign_save(
                    data=_data(form), campaign=campaign, user_id=request.user.pk
                )
            except services.CampaignError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Campagne enregistrée."))
                return redirect("emarketing:detail", campaign_id=campaign.pk)
        status = 400
    else:
        initial = {"sender_name": request.tenant.display_title if campaign is None else ""}
        if campaign is not None:
            initial = {
                "name": campaign.name,
                "sender_name": campaign.sender_name,
                "subject": campaign.subject,
                "body": campaign.body_html,
                "audience": campaign.audience,
                "audience_emails": campaign.audience_emails,
                "audience_search": campaign.audience_search,
                "audience_rules": json.dumps(campaign.audience_rules or {}),
            }
        form = forms.CampaignForm(initial=initial)
        status = 200
    return render(
        request,
        "emarketing/manager/edit.html",
        {
            "form": form,
            "campaign": campaign,
            "choices": selectors.rule_choices(),
            "rule_types": {k: str(v) for k, v in segments.RULE_TYPES.items()},
            "field_labels": _field_labels(),
        },
        status=status,
    )


def _field_labels() -> dict[str, str]:
    """The rule builder's words (modules/emarketing/static/emarketing/emarketing.js)."""
    return {
        "years": _("Âge (ans)"),
        "min": _("Âge minimum"),
        "max": _("Âge maximum"),
        "product": _("Produit"),
        "category": _("Catégorie"),
        "activity": _("Activité"),
        "site": _("Site"),
        "prefix": _("Début du code postal"),
        "from": _("Du"),
        "to": _("Au"),
        "date": _("Date"),
        "remove": _("Retirer"),
        "remove_rule": _("Retirer la règle « %s »"),
    }


@staff_view("module.use")
def campaign_create(request):
    return _editor(request, campaign=None)


@staff_view("module.use")
def campaign_edit(request, campaign_id: int):
    campaign = selectors.access_campaign(campaign_id=campaign_id)
    if campaign.state != Campaign.State.DRAFT:
        messages.error(request, _("Seule une campagne en brouillon se modifie."))
        return redirect("emarketing:detail", campaign_id=campaign.pk)
    return _editor(request, campaign=campaign)


@staff_view("module.use")
def campaign_detail(request, campaign_id: int, *, schedule_form=None, status: int = 200):
    campaign = selectors.access_campaign(campaign_id=campaign_id)
    count = None
    count_error = ""
    if campaign.state in (Campaign.State.DRAFT, Campaign.State.SCHEDULED):
        try:
            count = segments.audience_count(services.campaign_audience(campaign))
        except segments.SegmentError as exc:
            count_error = str(exc)
    return render(
        request,
        "emarketing/manager/detail.html",
        {
            "campaign": campaign,
            "progress": progress_payload(campaign.pk),
            "count": count,
            "count_error": count_error,
            "schedule_form": schedule_form or forms.ScheduleForm(),
            "failures": selectors.campaign_failures(campaign=campaign)[:500],
            "unsubscribed": selectors.campaign_unsubscribed(campaign=campaign)[:500],
        },
        status=status,
    )


@staff_view("module.use")
@require_GET
def campaign_preview(request, campaign_id: int):
    """The email as recipients will see it (the structure's logo, the unsubscribe link)."""
    campaign = selectors.access_campaign(campaign_id=campaign_id)
    composer = delivery.Composer(campaign=campaign, structure=request.tenant)
    message = composer.message(to=request.user.email, name="", mid="<apercu@ponton>")
    html = next(content for content, mimetype in message.alternatives if mimetype == "text/html")
    return render(
        request, "emarketing/manager/preview.html", {"campaign": campaign, "email_html": html}
    )


@staff_view("module.use")
@require_POST
def campaign_test_send(request, campaign_id: int):
    """ "M'envoyer un test": the email to the staff member's own address, after commit."""
    from django.db import connection, transaction

    from modules.emarketing.tasks import test_send_task

    campaign = selectors.access_campaign(campaign_id=campaign_id)
    schema_name = connection.schema_name  # type: ignore[attr-defined]
    to = request.user.email
    transaction.on_commit(
        lambda: test_send_task.delay(schema_name=schema_name, campaign_id=campaign.pk, to=to)
    )
    messages.success(request, _("Email de test envoyé à %(email)s.") % {"email": to})
    return redirect("emarketing:detail", campaign_id=campaign.pk)


@staff_view("module.use")
@require_POST
def campaign_send(request, campaign_id: int):
    campaign = selectors.access_campaign(campaign_id=campaign_id)
    try:
        services.campaign_send_now(campaign=campaign)
    except services.CampaignError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Envoi lancé."))
    return redirect("emarketing:detail", campaign_id=campaign.pk)


@staff_view("module.use")
@require_POST
def campaign_schedule(request, campaign_id: int):
    campaign = selectors.access_campaign(campaign_id=campaign_id)
    form = forms.ScheduleForm(request.POST)
    if not form.is_valid():
        return campaign_detail(request, campaign_id, schedule_form=form, status=400)
    try:
        services.campaign_schedule(campaign=campaign, when=form.when())
    except services.CampaignError as exc:
        form.add_error(None, str(exc))
        return campaign_detail(request, campaign_id, schedule_form=form, status=400)
    local = timezone.localtime(form.when())
    messages.success(
        request,
        _("Campagne programmée le %(date)s à %(time)s.")
        % {"date": local.strftime("%d/%m/%Y"), "time": local.strftime("%H:%M")},
    )
    return redirect("emarketing:detail", campaign_id=campaign.pk)


@staff_view("module.use")
@require_POST
def campaign_cancel(request, campaign_id: int):
    campaign = selectors.access_campaign(campaign_id=campaign_id)
    try:
        services.campaign_cancel(campaign=campaign)
    except services.CampaignError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Campagne annulée."))
    return redirect("emarketing:detail", campaign_id=campaign.pk)


@staff_view("module.use")
@require_GET
def campaign_progress(request, campaign_id: int):
    """Catch-up of the live progress (the page asks when its socket (re)opens)."""
    campaign = selectors.access_campaign(campaign_id=campaign_id)
    return JsonResponse(progress_payload(campaign.pk))


@staff_view("module.use")
@require_GET
def audience_count(request):
    """The count of an audience as it is being built (the editor's JS asks on each change)."""
    audience = segments.Audience(
        mode=request.GET.get("audience", "rules"),
        emails=request.GET.get("emails", ""),
        search=request.GET.get("search", ""),
        rules=_json(request.GET.get("rules", "")),
    )
    try:
        count = segments.audience_count(audience)
    except segments.SegmentError as exc:
        return JsonResponse({"count": None, "error": str(exc)})
    return JsonResponse({"count": count, "error": ""})


def _json(raw: str):
    try:
        return json.loads(raw) if raw else {"combine": "and", "rules": []}
    except ValueError:
        return None


@staff_view("customers.manage")
@require_POST
def customer_consent(request, customer_id: int):
    """The customer card's consent section: record yes/no with today's date, source "manager"."""
    customer = access_customer(customer_id=customer_id)
    consented = request.POST.get("consented") == "1"
    services.consent_set(customer=customer, consented=consented, source=Consent.Source.MANAGER)
    messages.success(
        request,
        _("Consentement aux emails marketing enregistré.")
        if consented
        else _("Consentement aux emails marketing retiré."),
    )
    return redirect(reverse("manager:customer_detail", args=[customer.pk]) + "#emarketing")


@public_view
@csrf_exempt
def unsubscribe(request, token: str):
    """The unsubscribe link of every campaign email (no login). GET shows the French page with
    a confirmation button; POST (that button, or the mail client's RFC 8058 one-click POST
    `List-Unsubscribe=One-Click`) unsubscribes at once."""
    try:
        unsubscribe_request = services.unsubscribe_check(
            token=token, structure_id=request.tenant.pk
        )
    except services.CampaignError as exc:
        return render(
            request,
            "emarketing/public/unsubscribe.html",
            {"error": str(exc), "structure": request.tenant},
            status=400,
        )
    if request.method == "POST":
        services.unsubscribe(request=unsubscribe_request)
        if request.POST.get("List-Unsubscribe") == "One-Click":
            return HttpResponse(_("Désinscription enregistrée."), content_type="text/plain")
        return render(
            request,
            "emarketing/public/unsubscribe.html",
            {"done": True, "email": unsubscribe_request.email, "structure": request.tenant},
        )
    return render(
        request,
        "emarketing/public/unsubscribe.html",
        {
            "email": unsubscribe_request.email,
            "structure": request.tenant,
            "already": services.unsubscribed(unsubscribe_request.email),
        },
    )


@staff_view("structure.settings")
def smtp_settings(request):
    """Réglages d'envoi: the structure's own SMTP server for its campaigns."""
    current = SmtpSettings.objects.first() or SmtpSettings()
    form = forms.SmtpSettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Réglages d'envoi enregistrés."))
        return redirect("emarketing:smtp")
    return render(
        request,
        "emarketing/manager/smtp.html",
        {"form": form, "has_password": bool(current.password)},
        status=400 if form.is_bound and form.errors else 200,
    )
