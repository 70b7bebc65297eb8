"""Club Manager > Paramètres > Utilisateurs: the structure's team and their roles."""

from django.shortcuts import render

from ponton.accounts.access import staff_view
from ponton.accounts.selectors import structure_memberships


@staff_view("staff.view")
def staff_list(request):
    return render(
        request,
        "accounts/manager/staff.html",
        {"memberships": structure_memberships(structure=request.tenant)},
    )
