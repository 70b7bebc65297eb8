"""SM-1: the quota granted and topped up by an operator in the console; parallel sends never
overdraw (real threads, real connections); Click & Pay by SMS end to end; the module off: its
buttons vanish, its URLs refuse, its data stays."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from modules.sms import services
from modules.sms.models import QuotaMovement, SmsAccount, SmsMessage
from ponton.accounts.models import User
from ponton.billing import services as billing
from ponton.customers.services import customer_create
from ponton.payments.models import PaymentRequest
from ponton.sales import services as sales
from ponton.sales.services import LineRequest
from ponton.web.models import OutboxEmail
from tenants.models import ModuleSubscription
from tenants.services import module_grant, module_withdraw
from tests.conftest import TEST_PASSWORD
from tests.support.sales import STAFF, make_shop


def test_operator_grants_sms_with_a_quota_then_tops_it_up(structure_a, client_for):
    """SM-1: the console's structure page links to the SMS quota; granting with 100 SMS turns
    the paid module on with that balance; a top-up of 50 adds to it; both are in the history."""
    structure, _owner = structure_a
    operator = User.objects.create_user(
        email="operatrice@ponton.test", password=TEST_PASSWORD, is_platform_operator=True
    )
    console = client_for(None, operator)
    page = console.get(f"/console/structures/{structure.pk}/").content.decode()
    quota_url = f"/console/m/sms/structures/{structure.pk}/quota/"
    assert f'href="{quota_url}"' in page and "Quota SMS : 0" in page
    response = console.post(quota_url, {"amount": "100"}, follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "Module SMS accordé à « Club A » avec 100 SMS : solde 100 SMS."
    ]
    sub = ModuleSubscription.objects.get(structure=structure, module="sms")
    assert (sub.paid_status, sub.enabled) == ("granted", True)
    response = console.post(quota_url, {"amount": "50"}, follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "50 SMS ajoutés au quota de « Club A » : solde 150 SMS."
    ]
    with schema_context(structure.schema_name):
        assert SmsAccount.objects.get().balance == 150
        assert [(m.reason, m.delta, m.by) for m in QuotaMovement.objects.all()] == [
            ("topup", 50, "operatrice@ponton.test"),
            ("grant", 100, "operatrice@ponton.test"),
        ]
    assert console.post(quota_url, {"amount": "0"}).status_code == 200  # form error, no change
    with schema_context(structure.schema_name):
        assert SmsAccount.objects.get().balance == 150


def test_the_quota_page_refuses_structure_staff(sms_club, client_for):
    """SM-1: only platform operators reach the console's quota page."""
    structure, owner = sms_club
    url = f"/console/m/sms/structures/{structure.pk}/quota/"
    assert client_for(None, owner).post(url, {"amount": "1000"}).status_code in (403, 404)
    with schema_context(structure.schema_name):
        assert SmsAccount.objects.get().balance == 20


SENDERS = 50


def _race(structure) -> list[str]:
    """SENDERS threads, each its own connection, send a one-SMS message at the same moment."""
    from django.db import connections

    barrier = threading.Barrier(SENDERS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def send(i: int) -> None:
        try:
            with schema_context(structure.schema_name):
                barrier.wait()
                try:
                    services.sms_send(
                        structure=structure,
                        recipients=[services.Recipient(phone=f"06{i:08d}")],
                        body="Course annulée",
                        source=SmsMessage.Source.CUSTOMER,
                    )
                    outcome = "sent"
                except services.SmsError:
                    outcome = "refused"
        except Exception as exc:  # noqa: BLE001 - reported below
            outcome = f"error {exc!r}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(SENDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_parallel_sends_never_overdraw_the_quota(transactional_db, make_structure, settings):
    """SM-1: 50 parallel one-SMS sends against a quota of 20: exactly 20 sent, 30 refused,
    balance 0, never negative."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    structure, _owner = make_structure(name="Club couru")
    module_grant(structure=structure, label="sms")
    with schema_context(structure.schema_name):
        services.quota_credit(amount=20, reason=QuotaMovement.Reason.GRANT)
    outcomes = _race(structure)
    assert (outcomes.count("sent"), outcomes.count("refused")) == (20, 30), outcomes[:3]
    connection.set_schema_to_public()
    with schema_context(structure.schema_name):
        assert SmsAccount.objects.get().balance == 0
        assert SmsMessage.objects.count() == 20
        assert QuotaMovement.objects.filter(reason="send").count() == 20


def test_without_the_conditional_update_the_race_overdraws(
    transactional_db, make_structure, settings, monkeypatch
):
    """SM-1 (the race exists): a check-then-act quota (read the balance, then write it) lets
    more than 20 of the 50 parallel sends through: the guard above is what prevents it."""
    import time

    settings.CELERY_TASK_ALWAYS_EAGER = True
    structure, _owner = make_structure(name="Club naïf")
    module_grant(structure=structure, label="sms")
    with schema_context(structure.schema_name):
        services.quota_credit(amount=20, reason=QuotaMovement.Reason.GRANT)

    def naive_take(*, account, amount):
        balance = SmsAccount.objects.values_list("balance", flat=True).get(pk=account.pk)
        if balance < amount:
            return None
        time.sleep(0.05)  # the window every check-then-act has, made wide
        SmsAccount.objects.filter(pk=account.pk).update(balance=balance - amount)  # lost update
        return balance - amount

    monkeypatch.setattr(services, "_quota_take", naive_take)
    outcomes = _race(structure)
    assert outcomes.count("sent") > 20


@pytest.fixture
def invoice(sms_club):
    structure, owner = sms_club
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


def test_click_and_pay_by_sms_end_to_end(invoice, client_for, django_capture_on_commit_callbacks):
    """SM-1/OR-9: "Demande C & P par sms" on an invoice: "Demande active", the SMS with the
    payment link leaves through the SMS module (quota taken, local outbox, delivery state)."""
    structure, owner, bill = invoice
    client = client_for(structure, owner)
    page = client.get(f"/manager/factures/{bill.pk}/").content.decode()
    assert 'name="channel" value="sms"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/manager/paiements/demande/{bill.pk}/",
            {"channel": "sms", "next": f"/manager/factures/{bill.pk}/"},
            follow=True,
        )
    assert [str(m) for m in response.context["messages"]] == [
        f"Demande active : le lien de paiement de {bill.number} a été envoyé."
    ]
    with schema_context(structure.schema_name):
        request = PaymentRequest.objects.get(document_id=bill.pk)
        message = SmsMessage.objects.get()
        assert (message.to, message.source, message.kind, message.state) == (
            "+33612345678",
            "click_pay",
            "transactional",
            "delivered",
        )
        assert f"/payer/{request.token}/" in message.body
        assert SmsAccount.objects.get().balance == 20 - message.segments
    assert "Demande active" in client.get(f"/manager/factures/{bill.pk}/").content.decode()
    assert OutboxEmail.objects.filter(structure_id=structure.pk, to="+33612345678").exists()


def test_click_and_pay_with_the_quota_spent_sends_nothing(
    invoice, client_for, django_capture_on_commit_callbacks
):
    """SM-1: quota spent: the module refuses the Click & Pay SMS before anything leaves; the
    refusal, with the balance, is kept as a failed message in the SMS history."""
    structure, owner, bill = invoice
    with schema_context(structure.schema_name):
        SmsAccount.objects.update(balance=0)
    client = client_for(structure, owner)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/manager/paiements/demande/{bill.pk}/", {"channel": "sms"})
    with schema_context(structure.schema_name):
        message = SmsMessage.objects.get()
        assert (message.state, message.to, message.source) == ("failed", "0612345678", "click_pay")
        assert message.error.startswith("Quota de SMS insuffisant : cet envoi demande ")
        assert message.error.endswith("il vous en reste 0. Rien n'a été envoyé.")
        assert SmsAccount.objects.get().balance == 0
        assert not QuotaMovement.objects.filter(reason="send").exists()
    assert not OutboxEmail.objects.filter(structure_id=structure.pk).exists()
    history = client.get("/manager/m/sms/").content.decode()
    assert 'data-state="failed">Échec<' in history and "Quota de SMS insuffisant" in history


def test_module_off_buttons_vanish_urls_refuse_data_stays(
    sms_club, client_for, django_capture_on_commit_callbacks
):
    """SM-1: withdrawn, the module's buttons vanish (customer card, order card, participants,
    invoice "par sms"), its pages and callback answer 404, its messages and quota stay."""
    structure, owner = sms_club
    with schema_context(structure.schema_name):
        customer = customer_create(first_name="Anne", last_name="Marin", mobile="0611111111")
        services.sms_send(
            structure=structure,
            recipients=[services.Recipient(phone="0611111111")],
            body="Bonjour",
            source=SmsMessage.Source.CUSTOMER,
        )
        token = services.account_get().callback_token
    client = client_for(structure, owner)
    assert (
        "/manager/m/sms/client/" in client.get(f"/manager/clients/{customer.pk}/").content.decode()
    )
    module_withdraw(structure=structure, label="sms")
    card = client.get(f"/manager/clients/{customer.pk}/").content.decode()
    assert "/manager/m/sms/" not in card and "Envoyer un sms" not in card
    for url in ("/manager/m/sms/", f"/manager/m/sms/client/{customer.pk}/"):
        assert client.get(url).status_code == 404
    assert client.post(f"/manager/m/sms/client/{customer.pk}/", {"body": "x"}).status_code == 404
    assert (
        client.post(
            f"/sms/rappel/{token}/brevo/", "{}", content_type="application/json"
        ).status_code
        == 404
    )
    with schema_context(structure.schema_name):
        assert SmsMessage.objects.count() == 1
        assert SmsAccount.objects.get().balance == 19
