"""OR-9 "Demande de C & P par sms" (issue 11, bug 2): offered only when a module that is ON for
the structure implements `ponton_send_sms`, and "ON" is the same for the hooks, "Mes modules"
and the console (`tenants.selectors.enabled_module_labels`).

The SMS module (modules/sms, paid) implements `ponton_send_sms` (its own tests:
tests/modules/sms/); here the test module (tests.support.testmodule, free, off by default) also
implements it and stands for any module that sends SMS.
"""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from ponton.accounts.models import User
from ponton.billing import services as billing
from ponton.payments import selectors
from ponton.payments.models import PaymentRequest
from ponton.plugins.hookspecs import hookimpl
from ponton.plugins.manager import get_plugin_manager, hooks_for
from ponton.sales import services as sales
from ponton.sales.models import OrderEvent
from ponton.sales.services import LineRequest
from tenants.models import ModuleSubscription, Structure
from tenants.services import module_set_enabled
from tests.conftest import TEST_PASSWORD
from tests.support.sales import STAFF, make_shop
from tests.support.testmodule import plugin as testmodule

SMS_BUTTON = 'name="channel" value="sms"'
EMAIL_BUTTON = 'name="channel" value="email"'


@pytest.fixture(autouse=True)
def _clear_sent():
    testmodule.SMS_SENT.clear()
    testmodule.CALLS.clear()
    yield
    testmodule.SMS_SENT.clear()
    testmodule.CALLS.clear()


@pytest.fixture
def club(structure_a):
    structure, owner = structure_a
    with schema_context(structure.schema_name):
        shop = make_shop()
        shop.payer.mobile = "0612345678"
        shop.payer.save(update_fields=["mobile"])
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
            structure=structure,
            order=order,
            line_ids=[line.pk for line in order.lines.all()],
            actor=STAFF,
        )
    return structure, owner, bill


def invoice_page(client, bill) -> str:
    response = client.get(f"/manager/factures/{bill.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def ask_by_sms(client, bill):
    return client.post(
        f"/manager/paiements/demande/{bill.pk}/",
        {"channel": "sms", "next": f"/manager/factures/{bill.pk}/"},
        follow=True,
    )


def flash_messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_no_sms_module_on_no_button_and_the_post_is_refused(club, client_for):
    """OR-9: while no module that sends SMS is on, the invoice offers "par mail" only, and a
    POST "par sms" anyway is refused with a French message; nothing is written or sent."""
    structure, owner, bill = club
    client = client_for(structure, owner)
    page = invoice_page(client, bill)
    assert EMAIL_BUTTON in page
    assert SMS_BUTTON not in page
    assert "Demande de C &amp; P par sms" not in page

    with schema_context(structure.schema_name):
        events = OrderEvent.objects.count()
    response = ask_by_sms(client, bill)
    assert flash_messages(response) == [
        "Le module « SMS » n'est pas activé : activez-le dans Paramètres > "
        "Ma structure > Mes modules pour envoyer un Click & Pay par SMS."
    ]
    with schema_context(structure.schema_name):
        assert not PaymentRequest.objects.exists()
        assert OrderEvent.objects.count() == events
    assert testmodule.SMS_SENT == []


def test_a_module_that_sends_sms_is_on_the_button_shows_and_the_sms_leaves_through_it(
    club, client_for, django_capture_on_commit_callbacks
):
    """OR-9: once a module implementing `ponton_send_sms` is on, "Demande de C & P par sms"
    is shown; sending it stores the request ("Demande active") and, after commit, the SMS
    with the payment link leaves through that module, to the payer's mobile."""
    structure, owner, bill = club
    module_set_enabled(structure=structure, label="testmodule", enabled=True)
    client = client_for(structure, owner)
    assert SMS_BUTTON in invoice_page(client, bill)

    with django_capture_on_commit_callbacks(execute=True):
        response = ask_by_sms(client, bill)
    assert flash_messages(response) == [
        f"Demande active : le lien de paiement de {bill.number} a été envoyé."
    ]
    with schema_context(structure.schema_name):
        request = PaymentRequest.objects.get(document_id=bill.pk)
        assert (request.channel, request.sent_to, request.state) == ("sms", "0612345678", "active")
    [(schema, to, body)] = testmodule.SMS_SENT
    assert (schema, to) == (structure.schema_name, "0612345678")
    assert f"/payer/{request.token}/" in body and bill.number in body


def test_no_module_sends_sms_yet_says_so(club, monkeypatch):
    """OR-9: with no installed module able to send SMS (today's SMS module), the refusal says
    that SMS sending is not available yet, rather than "not activated"."""
    structure, _owner, _bill = club
    monkeypatch.setattr("ponton.plugins.manager.modules_implementing", lambda name: [])
    assert selectors.sms_refusal(structure=structure) == (
        "L'envoi de SMS n'est pas encore disponible : aucun module activé pour votre structure "
        "n'envoie de SMS. Envoyez la demande par email."
    )


def test_operator_grants_sms_mes_modules_and_hooks_agree(club, client_for):
    """Bug 2: after an operator grants SMS in the console, "Mes modules" shows it on and
    `hooks_for` calls it; the SMS module sends SMS, so the invoice offers "par sms" (the hook
    check and the button agree)."""
    structure, owner, bill = club
    operator = User.objects.create_user(
        email="operatrice@ponton.test", password=TEST_PASSWORD, is_platform_operator=True
    )
    console = client_for(None, operator)
    response = console.post(f"/console/structures/{structure.pk}/modules/sms/accorder/")
    assert response.status_code == 302

    client = client_for(structure, owner)
    page = client.get("/manager/structure/modules/").content.decode()
    assert '<strong>SMS</strong> <span class="badge green">Activé</span>' in page
    fresh = Structure.objects.get(pk=structure.pk)
    assert "sms" in {name for name, _p in _called_plugins(fresh)}
    assert SMS_BUTTON in invoice_page(client, bill)


def test_a_paid_module_switched_on_without_grant_is_off_everywhere(club, client_for):
    """Bug 2: ON is one definition: a paid module whose row says enabled without the
    platform's grant is off for the hooks, "Mes modules" and the console alike."""
    structure, owner, _bill = club
    ModuleSubscription.objects.filter(structure=structure, module="sms").update(enabled=True)
    fresh = Structure.objects.get(pk=structure.pk)
    assert "sms" not in {name for name, _p in _called_plugins(fresh)}
    page = client_for(structure, owner).get("/manager/structure/modules/").content.decode()
    assert '<strong>SMS</strong> <span class="badge green">Activé</span>' not in page
    assert 'id="paid-sms"' in page


class _StrayPlugin:
    @hookimpl
    def ponton_send_sms(self, structure, to, body):
        return True


def test_a_plugin_that_is_not_a_module_on_is_never_called(club, client_for):
    """Bug 2: `hooks_for` calls exactly the modules "Mes modules" shows on: a plugin that no
    module switch describes is left out (it used to be called everywhere, so the SMS check
    said yes while "Mes modules" showed no SMS module on)."""
    structure, owner, bill = club
    pm = get_plugin_manager()
    pm.register(_StrayPlugin(), name="stray-sms")
    try:
        fresh = Structure.objects.get(pk=structure.pk)
        assert hooks_for(fresh).implemented("ponton_send_sms") is False
        assert (
            hooks_for(fresh).ponton_send_sms(structure=fresh, to="0612345678", body="x", key="")
            == []
        )
        assert SMS_BUTTON not in invoice_page(client_for(structure, owner), bill)
    finally:
        pm.unregister(name="stray-sms")


def _called_plugins(structure):
    """(name, plugin) of the plugins `hooks_for(structure)` calls for `ponton_manager_menu`."""
    pm = get_plugin_manager()
    return [
        (pm.get_name(impl.plugin), impl.plugin)
        for impl in hooks_for(structure).ponton_manager_menu.get_hookimpls()
    ]
