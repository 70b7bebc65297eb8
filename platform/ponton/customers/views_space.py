"""The customer space: /compte/ on a structure's domain, and on the platform domain the list of
the structures a person is a customer of ("Mes discussions", FO-1)."""

from __future__ import annotations

from django.shortcuts import render

from ponton.customers.access import account_view, customer_view
from ponton.customers.selectors import customer_space_links, customer_structures
from tenants.selectors import platform_url, structure_url


@customer_view
def space_home(request):
    return render(
        request,
        "customers/space/home.html",
        {
            "customer": request.customer,
            "space_links": customer_space_links(structure=request.tenant, user=request.user),
            "platform_space_url": platform_url("/compte/"),
        },
    )


@account_view
def platform_space(request):
    """The structures this person is a customer of, each with the pages its modules that are on
    offer (a structure where none is on is left out)."""
    entries = []
    for structure in customer_structures(user=request.user):
        links = [
            (item.label, structure_url(structure=structure, path=item.url))
            for item in customer_space_links(structure=structure, user=request.user)
        ]
        if links:
            entries.append({"structure": structure, "links": links})
    return render(request, "customers/platform/space.html", {"entries": entries})
