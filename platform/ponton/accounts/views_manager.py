"""Club Manager > Paramètres > Utilisateurs: the structure's team and their roles."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ponton.accounts import services
from ponton.accounts.access import staff_view
from ponton.accounts.forms_manager import InviteForm, RoleForm
from ponton.accounts.models import Role
from ponton.accounts.permissions import PERMISSIONS, role_has
from ponton.accounts.selectors import access_membership, structure_memberships
from tenants.selectors import structure_url

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _role_descriptions() -> list[tuple[StrOrPromise, list[str]]]:
    """What each role may do, from the permission matrix (shown next to the forms)."""
    return [
        (label, [str(desc) for perm, (desc, roles) in PERMISSIONS.items() if role in roles])
        for role, label in Role.choices
    ]


@staff_view("staff.view")
def staff_list(request):
    return render(
        request,
        "accounts/manager/staff.html",
        {
            "memberships": structure_memberships(structure=request.tenant),
            "can_manage": role_has(request.membership.role, "staff.manage"),
        },
    )


@staff_view("staff.manage")
def staff_invite(request):
    structure = request.tenant
    actor = request.membership
    bound = request.method == "POST"
    form = InviteForm(data=request.POST if bound else None, actor_role=actor.role)
    if bound and form.is_valid():
        data = form.cleaned_data
        try:
            services.membership_invite(
                structure=structure,
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                role=data["role"],
                base_url=structure_url(structure=structure, path="").rstrip("/"),
                by=actor,
            )
        except services.MembershipError as exc:
            form.add_error("email", str(exc))
        else:
            messages.success(
                request,
                _(
                    "Invitation envoyée à %(email)s : "
                    "un lien lui permet de choisir son mot de passe."
                )
                % {"email": data["email"]},
            )
            return redirect("manager:staff")
    return render(
        request,
        "accounts/manager/staff_invite.html",
        {"form": form, "roles": _role_descriptions()},
    )


@staff_view("staff.manage")
def staff_edit(request, membership_id: int):
    membership = access_membership(structure=request.tenant, membership_id=membership_id)
    actor = request.membership
    bound = request.method == "POST"
    form = RoleForm(
        data=request.POST if bound else None,
        initial={"role": membership.role},
        actor_role=actor.role,
    )
    if bound and form.is_valid():
        try:
            services.membership_set_role(
                membership=membership, role=form.cleaned_data["role"], by=actor
            )
        except services.MembershipError as exc:
            form.add_error("role", str(exc))
        else:
            messages.success(
                request,
                _("%(name)s a maintenant le rôle « %(role)s ».")
                % {"name": membership.user, "role": membership.get_role_display()},
            )
            return redirect("manager:staff")
    membership.refresh_from_db(fields=["role", "is_active"])
    return render(
        request,
        "accounts/manager/staff_edit.html",
        {"member": membership, "form": form, "roles": _role_descriptions(), "actor": actor},
    )


@staff_view("staff.manage")
@require_POST
def staff_deactivate(request, membership_id: int):
    membership = access_membership(structure=request.tenant, membership_id=membership_id)
    try:
        services.membership_deactivate(membership=membership, by=request.membership)
    except services.MembershipError as exc:
        messages.error(request, str(exc))
        return redirect("manager:staff_edit", membership_id=membership.pk)
    messages.success(request, _("L'accès de %(name)s est désactivé.") % {"name": membership.user})
    return redirect("manager:staff")


@staff_view("staff.manage")
@require_POST
def staff_reactivate(request, membership_id: int):
    membership = access_membership(structure=request.tenant, membership_id=membership_id)
    try:
        services.membership_reactivate(membership=membership, by=request.membership)
    except services.MembershipError as exc:
        messages.error(request, str(exc))
        return redirect("manager:staff_edit", membership_id=membership.pk)
    messages.success(request, _("L'accès de %(name)s est rétabli.") % {"name": membership.user})
    return redirect("manager:staff")
