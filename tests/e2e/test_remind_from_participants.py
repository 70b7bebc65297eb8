"""PL-4 + OR-9 in a real browser (issue 11, bugs 7 and 8): "Relancer Click and Pay" from a
session's participants posts the ticked rows: the address carries neither the CSRF token nor
the selection, and the page names who has nothing to pay before anything is sent."""

import pytest
from django_tenants.utils import schema_context

from ponton.billing import services as billing
from ponton.billing.services import PaymentData
from ponton.payments.models import PaymentRequest
from ponton.sales import services as sales
from ponton.sales.services import LineRequest
from tests.e2e.manager_pages import log_in
from tests.support.sales import STAFF, make_shop

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_relancer_posts_and_names_the_paid_participants(make_structure, site, new_page):
    structure, owner = make_structure(name="Club de voile de l'Aber")
    with schema_context(structure.schema_name):
        shop = make_shop()
        order = sales.order_create(
            payer=shop.payer,
            lines=[
                LineRequest(
                    product=shop.activity,
                    session=shop.session,
                    rate=shop.adult,
                    consumer=shop.child_customer,
                )
            ],
            actor=STAFF,
        )
        bill = billing.invoice_issue(
            structure=structure, order=order, line_ids=[order.lines.get().pk], actor=STAFF
        )
        billing.payment_record(
            document=bill,
            data=PaymentData(kind="payment", method="cash", amount=bill.total),
            actor=STAFF,
        )
    page = new_page()
    log_in(page, site, structure, owner)
    page.goto(site.url(structure, f"/manager/planning/seances/{shop.session.pk}/participants/"))
    page.get_by_label("Louis Le Goff").check()
    page.get_by_role("button", name="Relancer Click and Pay").click()
    page.get_by_role("heading", name="Relancer Click and Pay").wait_for()
    assert page.url == site.url(structure, "/manager/paiements/relance/")
    main = page.get_by_role("main")
    main.get_by_text("Rien à payer, pas de relance : Louis Le Goff.").wait_for()
    main.get_by_text("Aucun des participants cochés n'a de paiement à relancer.").wait_for()
    assert page.get_by_role("button", name="Envoyer la relance").count() == 0
    with schema_context(structure.schema_name):
        assert PaymentRequest.objects.count() == 0
