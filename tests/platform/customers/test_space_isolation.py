"""MP-4 Customer space, isolation: a customer sees only their own data. Every /compte/ URL that
names an object by id, asked for Claire's object by another customer of the same structure
(Bob) or by a customer of another structure (Bea, on her structure's domain), answers 404 and
changes nothing; anonymous visitors go to the login page; the Club Manager's pages for the
same objects stay closed to customers. The list of id URLs is read from the URL resolver, so
a new one cannot be added without being listed here."""

from __future__ import annotations

import re

import pytest
from django_tenants.utils import schema_context

from ponton.billing.models import Document
from ponton.customers.models import Customer
from ponton.sales.models import Order
from tests.test_security import walk

# URL of the customer space -> the fixture's object of Claire's it is asked for.
ID_URLS = {
    "compte/commandes/<int:order_id>/": ("order_1", "/compte/commandes/{}/"),
    "compte/factures/<int:document_id>/pdf/": ("invoice_1", "/compte/factures/{}/pdf/"),
    "compte/famille/<int:member_id>/": ("louis", "/compte/famille/{}/"),
}
LIST_URLS = [
    "/compte/",
    "/compte/commandes/",
    "/compte/factures/",
    "/compte/paiements/",
    "/compte/seances/",
    "/compte/famille/",
    "/compte/profil/",
    "/compte/profil/mot-de-passe/",
    "/compte/export-rgpd/",
]
# The modules' pages (off in these fixtures), tested with their module: tests/modules/.
MODULE_PAGES = ("discussions", "licences-ffvoile")


def test_every_id_url_of_the_space_is_checked_here():
    """MP-4: the resolver's /compte/ routes taking an id are exactly the ones tested below,
    and its other routes are exactly LIST_URLS (plus the modules' pages)."""
    routes = [route for route, _cb in walk("ponton.config.urls_tenant")]
    space = [
        r for r in routes if r.startswith("compte/") and not any(page in r for page in MODULE_PAGES)
    ]
    assert sorted(r for r in space if "<" in r) == sorted(ID_URLS)
    assert sorted("/" + r for r in space if "<" not in r) == sorted(LIST_URLS)


def _url(space, route: str, *, obj=None) -> str:
    attribute, template = ID_URLS[route]
    return template.format((obj or getattr(space, attribute)).pk)


def _snapshot(space) -> dict:
    with schema_context(space.structure.schema_name):
        louis = Customer.objects.get(pk=space.louis.pk)
        return {
            "louis": (louis.first_name, louis.last_name, louis.birth_date, louis.payer_id),
            "documents": Document.objects.count(),
            "orders": Order.objects.count(),
        }


@pytest.mark.parametrize("route", sorted(ID_URLS))
def test_another_customer_of_the_structure_gets_404(space, client_for, route):
    """MP-4: Bob, a customer of the same structure, asking for Claire's order, invoice PDF or
    family member: 404, and nothing changes; his own answer 200 (the 404 is about whose it
    is, not about the URL)."""
    before = _snapshot(space)
    client = client_for(space.structure, space.bob_user)
    assert client.get(_url(space, route)).status_code == 404
    assert _snapshot(space) == before
    own = {"order_1": space.bob_order, "invoice_1": space.bob_invoice, "louis": space.bob_child}
    assert client.get(_url(space, route, obj=own[ID_URLS[route][0]])).status_code == 200


def test_another_customer_cannot_edit_a_family_member_not_theirs(space, client_for):
    """MP-4: Bob posting a new name for Claire's son: 404, Louis unchanged."""
    before = _snapshot(space)
    response = client_for(space.structure, space.bob_user).post(
        f"/compte/famille/{space.louis.pk}/",
        {"first_name": "Intrus", "last_name": "Intrus", "birth_date": "01/01/2000"},
    )
    assert response.status_code == 404
    assert _snapshot(space) == before


@pytest.mark.parametrize("route", sorted(ID_URLS))
def test_a_customer_of_another_structure_gets_404(space, client_for, route):
    """MP-4: Bea, a customer of structure B, asking on B's domain for the ids of Claire's
    objects in A: 404 (ids are per structure, and none of them is hers). Claire's own account
    on B's domain, where she is not a customer: 403."""
    url = _url(space, route)
    own_ids = {space.bea_order.pk, space.bea_invoice.pk, space.bea.pk}
    assert int(re.findall(r"\d+", url)[0]) not in own_ids  # the request is about someone else
    assert client_for(space.other_structure, space.bea_user).get(url).status_code == 404
    assert client_for(space.other_structure, space.user).get(url).status_code == 403
    assert client_for(space.structure, space.user).get(url).status_code == 200


@pytest.mark.parametrize("url", LIST_URLS + ["/compte/commandes/1/", "/compte/factures/1/pdf/"])
def test_anonymous_visitors_are_sent_to_the_login_page(space, client_for, url):
    """MP-4: every page of the space asks anonymous visitors to log in first."""
    response = client_for(space.structure).get(url)
    assert (response.status_code, response["Location"]) == (302, f"/connexion/?next={url}")


def test_the_lists_of_another_customer_show_none_of_claire_s_data(space, client_for):
    """MP-4: Bob's lists show his order, invoice and request, none of Claire's numbers."""
    client = client_for(space.structure, space.bob_user)
    claire_numbers = [
        space.order_1.number,
        space.order_2.number,
        space.order_3.number,
        space.invoice_1.number,
        space.invoice_3.number,
        space.credit_note_3.number,
        space.request_1.token,
        "Louis",
        "Claire",
    ]
    pages = "".join(client.get(url).content.decode() for url in LIST_URLS)
    assert [value for value in claire_numbers if value in pages] == []
    assert space.bob_order.number in pages and space.bob_request.token in pages


def test_club_manager_pages_of_the_same_objects_stay_closed_to_customers(space, client_for):
    """MP-4/security: the customer space does not open the staff pages: Claire gets 403 on the
    Club Manager's order card, document page and PDF of her own order and invoice, and no page
    of her space links to /manager/."""
    client = client_for(space.structure, space.user)
    for url in (
        "/manager/",
        f"/manager/commandes/{space.order_1.pk}/",
        f"/manager/factures/{space.invoice_1.pk}/",
        f"/manager/factures/{space.invoice_1.pk}/pdf/",
        f"/manager/clients/{space.claire.pk}/",
    ):
        assert client.get(url).status_code == 403, url
    for url in LIST_URLS[:-1] + [f"/compte/commandes/{space.order_1.pk}/"]:
        page = client.get(url).content.decode()
        assert 'href="/manager/' not in page, url
