"""SM-1 in a real browser: from a session's participants, tick two people, "Envoyer un sms";
the counter shows characters left and SMS as the text is typed (GSM 160, € twice, UCS-2 70
with ê); sent, both messages reach the local provider (outbox page) and the history."""

import pytest
from django_tenants.utils import schema_context

from modules.sms import services
from modules.sms.models import QuotaMovement, SmsAccount, SmsMessage
from ponton.customers.services import customer_create
from ponton.sales import services as sales
from ponton.sales.services import LineRequest
from ponton.web.models import OutboxEmail
from tenants.services import module_grant
from tests.e2e.manager_pages import log_in
from tests.support.sales import STAFF, make_shop

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_sms_to_two_selected_participants_with_the_live_counter(make_structure, site, new_page):
    structure, owner = make_structure(name="Club de voile de l'Aber")
    module_grant(structure=structure, label="sms")
    with schema_context(structure.schema_name):
        services.quota_credit(amount=10, reason=QuotaMovement.Reason.GRANT)
        shop = make_shop()
        people = [
            customer_create(first_name=first, last_name="Marin", mobile=mobile)
            for first, mobile in (
                ("Anne", "0611111111"),
                ("Bruno", "0622222222"),
                ("Chloé", "0633333333"),
            )
        ]
        sales.order_create(
            payer=shop.payer,
            lines=[
                LineRequest(
                    product=shop.activity, session=shop.session, rate=shop.adult, consumer=p
                )
                for p in people
            ],
            actor=STAFF,
        )
    page = new_page()
    log_in(page, site, structure, owner)
    page.goto(site.url(structure, f"/manager/planning/seances/{shop.session.pk}/participants/"))
    page.get_by_label("Anne Marin").check()
    page.get_by_label("Bruno Marin").check()
    page.get_by_role("button", name="Envoyer un sms").click()
    page.get_by_role("heading", name="Envoyer un sms aux participants sélectionnés").wait_for()
    recipients = page.locator("[data-box=recipients]")
    assert recipients.inner_text().count("Marin") == 2 and "Chloé" not in recipients.inner_text()

    left = page.locator("[data-sms-left]")
    segments = page.locator("[data-sms-segments]")
    message = page.get_by_label("Message")
    assert (left.inner_text(), segments.inner_text()) == ("160", "0")
    message.fill("a" * 160)
    assert (left.inner_text(), segments.inner_text()) == ("0", "1")
    message.press_sequentially("b")
    assert (left.inner_text(), segments.inner_text()) == ("145", "2")
    message.fill("€" * 80)
    assert (left.inner_text(), segments.inner_text()) == ("0", "1")
    message.fill("Rendez-vous à 9 h 30 au ponton")
    assert (left.inner_text(), segments.inner_text()) == ("130", "1")
    message.press_sequentially(", prévoir une tenue sèche : crêpes après !")
    # 72 characters with ê: UCS-2, two parts of 67: 134 - 72 = 62 left
    assert (left.inner_text(), segments.inner_text()) == ("62", "2")
    assert page.locator("[data-sms-encoding]").inner_text() == "Unicode (UCS-2)"
    page.get_by_role("button", name="Envoyer").click()
    page.get_by_text("2 SMS envoyé(s)").wait_for()
    assert "/participants/" in page.url
    with schema_context(structure.schema_name):
        sent = sorted(SmsMessage.objects.values_list("to", "state", "segments"))
        assert sent == [("+33611111111", "delivered", 2), ("+33622222222", "delivered", 2)]
        assert SmsAccount.objects.get().balance == 6
    assert sorted(
        OutboxEmail.objects.filter(structure_id=structure.pk).values_list("to", flat=True)
    ) == [
        "+33611111111",
        "+33622222222",
    ]
