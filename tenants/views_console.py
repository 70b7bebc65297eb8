"""Platform console (EG-3): structures, signups, contracts, activation keys, paid modules.

Every view is for platform operators only, on the platform domain (`operator_view`).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ponton.accounts.access import operator_view
from ponton.plugins.manager import all_modules, get_plugin_manager
from tenants import selectors, services, services_console
from tenants.forms_console import (
    SIGNUP_IN_PROGRESS,
    ActivationKeyForm,
    StructureSearchForm,
    StructureSuspendForm,
)
from tenants.models import StructureState

# One page of the structures list: the console lists a thousand structures and more, it
# reads one page of them (docs/adr/0022, deploy/SCALING.md "Mille structures").
STRUCTURES_PAGE_SIZE = 50


@operator_view
def structures(request):
    form = StructureSearchForm(request.GET or None)
    query, state = "", ""
    if form.is_valid():
        query = form.cleaned_data["q"].strip()
        state = form.cleaned_data["state"]
    signups = page = None
    if state == SIGNUP_IN_PROGRESS:
        signups = selectors.signup_drafts_in_progress(query=query)
    else:
        page = Paginator(
            selectors.structures_for_console(query=query, state=state), STRUCTURES_PAGE_SIZE
        ).get_page(request.GET.get("page"))
    return render(
        request,
        "tenants/console/structures.html",
        {
            "form": form,
            "structures": list(page) if page is not None else None,
            "page": page,
            "query": query,
            "state": state,
            "signups": signups,
            "signups_count": selectors.signup_drafts_in_progress_count(),
            "module_requests": _module_request_rows(),
            "filtered": bool(query or state),
        },
    )


def _module_request_rows() -> list[dict]:
    infos = all_modules()
    return [{"sub": sub, "info": infos[sub.module]} for sub in selectors.paid_module_requests()]


def _detail_context(target, suspend_form=None) -> dict:
    return {
        "target": target,
        "target_url": selectors.structure_url(structure=target),
        "contract": selectors.structure_contract(structure=target),
        "owners": selectors.structure_owners(structure=target),
        "module_rows": _with_module_links(
            target, selectors.structure_module_rows(structure=target)
        ),
        "suspend_form": suspend_form or StructureSuspendForm(),
    }


def _with_module_links(target, rows: list[dict]) -> list[dict]:
    """Each module's own console links (`ponton_console_structure_links`, every installed
    module, on or off), in its row."""
    pm = get_plugin_manager()
    links: dict[str, list] = {}
    for impl in pm.hook.ponton_console_structure_links.get_hookimpls():
        found: Any = impl.function(structure=target)
        links[str(pm.get_name(impl.plugin))] = list(found or [])
    for row in rows:
        row["links"] = links.get(row["label"], [])
    return rows


@operator_view
def structure_detail(request, pk: int):
    target = selectors.console_structure_access(pk=pk)
    return render(request, "tenants/console/structure_detail.html", _detail_context(target))


@operator_view
@require_POST
def structure_contract_received(request, pk: int):
    target = selectors.console_structure_access(pk=pk)
    try:
        services_console.contract_mark_received(structure=target, operator=request.user)
    except services.StructureError as exc:
        messages.error(request, str(exc))
    else:
        if target.state == StructureState.ACTIVE:
            text = _("Contrat de « %(name)s » marqué comme reçu : la structure est active.")
        else:
            text = _("Contrat de « %(name)s » marqué comme reçu.")
        messages.success(request, text % {"name": target.name})
    return redirect("console:structure", pk=target.pk)


@operator_view
@require_POST
def structure_activate(request, pk: int):
    target = selectors.console_structure_access(pk=pk)
    if target.state == StructureState.ACTIVE:
        messages.info(request, _("« %(name)s » est déjà active.") % {"name": target.name})
    else:
        services.structure_activate(structure=target)
        messages.success(
            request,
            _("« %(name)s » est active : son équipe et sa boutique sont de nouveau ouvertes.")
            % {"name": target.name},
        )
    return redirect("console:structure", pk=target.pk)


@operator_view
@require_POST
def structure_suspend(request, pk: int):
    target = selectors.console_structure_access(pk=pk)
    form = StructureSuspendForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "tenants/console/structure_detail.html",
            _detail_context(target, suspend_form=form),
            status=400,
        )
    try:
        services.structure_suspend(structure=target, reason=form.cleaned_data["reason"].strip())
    except services.StructureError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("« %(name)s » est suspendue. Aucune donnée n'est supprimée.") % {"name": target.name},
        )
    return redirect("console:structure", pk=target.pk)


def _paid_module_action(request, pk: int, label: str, *, action, success: str):
    """Grant or withdraw a paid module: the same checks, the action, its French message."""
    target = selectors.console_structure_access(pk=pk)
    info = all_modules().get(label)
    if info is None or not info.paid:
        messages.error(request, _("Ce module n'est pas un module payant."))
        return redirect("console:structure", pk=target.pk)
    try:
        action(structure=target, label=label)
    except services.StructureError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, success % {"module": info.name, "name": target.name})
    return redirect("console:structure", pk=target.pk)


@operator_view
@require_POST
def module_grant(request, pk: int, label: str):
    return _paid_module_action(
        request,
        pk,
        label,
        action=services.module_grant,
        success=_("Module « %(module)s » accordé à « %(name)s » : il est activé."),
    )


@operator_view
@require_POST
def module_withdraw(request, pk: int, label: str):
    return _paid_module_action(
        request,
        pk,
        label,
        action=services.module_withdraw,
        success=_(
            "Module « %(module)s » retiré à « %(name)s » : il est désactivé, ses données sont "
            "conservées."
        ),
    )


@operator_view
def activation_keys(request):
    return render(
        request,
        "tenants/console/activation_keys.html",
        {"keys": selectors.activation_keys_for_console()},
    )


@operator_view
def activation_key_new(request):
    form = ActivationKeyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            key = services_console.activation_key_issue(
                intended_for=form.cleaned_data["intended_for"],
                email=form.cleaned_data["email"],
                valid_days=form.cleaned_data["valid_days"],
                issued_by=request.user,
            )
        except services.StructureError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("Clé %(key)s émise pour « %(name)s » et envoyée à %(email)s.")
                % {"key": key.key, "name": key.intended_for, "email": key.email},
            )
            return redirect("console:activation_keys")
    return render(request, "tenants/console/activation_key_new.html", {"form": form})
