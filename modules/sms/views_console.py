"""SM-1 in the platform console: grant the paid module with a number of SMS, top it up, and
see the structure's balance and movements. Mounted under /console/m/sms/ by the
`ponton_console_urls` hook; operators only."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from modules.sms import selectors, services
from modules.sms.forms import CreditForm
from modules.sms.models import QuotaMovement
from ponton.accounts.access import operator_view


@operator_view
def quota(request, pk: int):
    from tenants import selectors as tenant_selectors
    from tenants import services as tenant_services
    from tenants.models import ModuleSubscription

    target = tenant_selectors.console_structure_access(pk=pk)
    sub = ModuleSubscription.objects.filter(structure=target, module="sms").first()
    granted = sub is not None and sub.paid_status == ModuleSubscription.PaidStatus.GRANTED
    form = CreditForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        amount = form.cleaned_data["amount"]
        with transaction.atomic():
            if not granted:
                tenant_services.module_grant(structure=target, label="sms")
            with schema_context(target.schema_name):
                balance = services.quota_credit(
                    amount=amount,
                    reason=QuotaMovement.Reason.TOPUP if granted else QuotaMovement.Reason.GRANT,
                    by=request.user.email,
                )
        if granted:
            text = _("%(amount)s SMS ajoutés au quota de « %(name)s » : solde %(balance)s SMS.")
        else:
            text = _(
                "Module SMS accordé à « %(name)s » avec %(amount)s SMS : solde %(balance)s SMS."
            )
        messages.success(
            request, text % {"amount": amount, "name": target.name, "balance": balance}
        )
        return redirect("console:sms:quota", pk=target.pk)
    with schema_context(target.schema_name):
        account = services.account_get()
        movements = list(selectors.movements_recent(limit=30))
    return render(
        request,
        "sms/console_quota.html",
        {
            "target": target,
            "granted": granted,
            "account": account,
            "movements": movements,
            "form": form,
        },
    )
