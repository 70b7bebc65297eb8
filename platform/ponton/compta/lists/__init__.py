"""CO-2 Compta > Listes: the five lists, each declared once (`base.ListDefinition`), which
drive the page, its totals and its Excel and CSV exports."""

from __future__ import annotations

from django.http import Http404

from ponton.compta.lists.base import ListDefinition
from ponton.compta.lists.customers import CustomerList
from ponton.compta.lists.documents import DocumentList
from ponton.compta.lists.orders import OrderList
from ponton.compta.lists.participants import ParticipantList
from ponton.compta.lists.payments import PaymentList

LISTS: dict[str, ListDefinition] = {
    definition.slug: definition
    for definition in (
        PaymentList(),
        DocumentList(),
        OrderList(),
        ParticipantList(),
        CustomerList(),
    )
}


def list_definition(slug: str) -> ListDefinition:
    """The list named in a URL, or 404."""
    definition = LISTS.get(slug)
    if definition is None:
        raise Http404
    return definition
