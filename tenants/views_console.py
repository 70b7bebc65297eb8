from django.shortcuts import render

from ponton.accounts.access import operator_view
from tenants.selectors import structures_for_console


@operator_view
def structures(request):
    return render(
        request, "tenants/console/structures.html", {"structures": structures_for_console()}
    )
