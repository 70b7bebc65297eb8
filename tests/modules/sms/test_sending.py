"""SM-1: sending from a customer card, an order card and the participants list; mobiles only;
the quota taken and refused when spent; empty or too long messages; the local provider's
messages on the outbox page; delivery state shown per message."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from modules.sms.models import QuotaMovement, SmsAccount, SmsMessage
from ponton.customers.services import customer_create
from ponton.sales import services as sales
from ponton.sales.services import LineRequest
from ponton.web.models import OutboxEmail
from tests.support.sales import STAFF, make_shop


def balance() -> int:
    return SmsAccount.objects.get().balance


@pytest.fixture
def customer(sms_club):
    structure, _owner = sms_club
    with schema_context(structure.schema_name):
        return customer_create(
            first_name="Claire",
            last_name="Le Goff",
            email="claire@exemple.fr",
            mobile="06 12 34 56 78",
        )


def flashes(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_customer_card_button_and_send_reaches_the_local_outbox(
    sms_club, customer, client_for, django_capture_on_commit_callbacks
):
    """SM-1: "Envoyer un sms" on the customer card; the SMS is stored E.164, 1 SMS taken from
    the quota, sent by the local provider (outbox page) and shown "Reçu" in the history."""
    structure, owner = sms_club
    client = client_for(structure, owner)
    card = client.get(f"/manager/clients/{customer.pk}/").content.decode()
    assert f'href="/manager/m/sms/client/{customer.pk}/"' in card
    assert "Envoyer un sms" in card
    page = client.get(f"/manager/m/sms/client/{customer.pk}/").content.decode()
    assert "06 12 34 56 78" in page and "sms/counter.js" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/manager/m/sms/client/{customer.pk}/",
            {"body": "Bonjour Claire, la séance de demain est maintenue."},
            follow=True,
        )
    assert flashes(response) == ["1 SMS envoyé(s) (1 SMS décomptés, solde : 19)."]
    with schema_context(structure.schema_name):
        message = SmsMessage.objects.get()
        assert (message.to, message.segments, message.encoding, message.state) == (
            "+33612345678",
            1,
            "gsm",
            "delivered",
        )
        assert message.customer_id == customer.pk and message.provider == "local"
        assert balance() == 19
        assert [(m.reason, m.delta, m.balance_after) for m in QuotaMovement.objects.all()] == [
            ("send", -1, 19),
            ("grant", 20, 20),
        ]
    outbox = OutboxEmail.objects.get(structure_id=structure.pk)
    assert outbox.to == "+33612345678"
    assert outbox.body == "Bonjour Claire, la séance de demain est maintenue."
    history = client.get("/manager/m/sms/").content.decode()
    assert 'data-state="delivered">Reçu<' in history
    assert '<span data-testid="sms-balance">19</span>' in history


def test_a_landline_is_refused_with_a_clear_message_and_nothing_is_taken(
    sms_club, client_for, django_capture_on_commit_callbacks
):
    """SM-1 bad input: a landline (02 98 …) cannot receive SMS: French message, nothing sent."""
    structure, owner = sms_club
    with schema_context(structure.schema_name):
        fixed = customer_create(first_name="Yann", last_name="Kerbrat", mobile="02 98 12 34 56")
    client = client_for(structure, owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/manager/m/sms/client/{fixed.pk}/", {"body": "Bonjour"})
    assert response.status_code == 400
    assert (
        "« 02 98 12 34 56 » n&#x27;est pas un numéro de mobile : les SMS ne peuvent être "
        "envoyés qu&#x27;à des mobiles." in response.content.decode()
    )
    with schema_context(structure.schema_name):
        assert SmsMessage.objects.count() == 0
        assert balance() == 20


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("06 12 34 56 78", "+33612345678"),
        ("+33 7 81 23 45 67", "+33781234567"),
        ("+32 470 12 34 56", "+32470123456"),
        ("+44 7400 123456", "+447400123456"),
    ],
)
def test_mobiles_french_and_international_are_stored_e164(raw, e164):
    """SM-1: French and international mobiles, E.164."""
    from modules.sms.phones import mobile_e164

    assert mobile_e164(raw) == e164


@pytest.mark.parametrize("raw", ["01 23 45 67 89", "+32 2 123 45 67", "0800 123 456", "12", "abc"])
def test_not_mobiles_are_refused(raw):
    """SM-1: landlines, free numbers and garbage are refused."""
    from modules.sms.phones import InvalidMobileError, mobile_e164

    with pytest.raises(InvalidMobileError):
        mobile_e164(raw)


def test_quota_spent_refuses_before_anything_leaves_and_says_the_balance(
    sms_club, customer, client_for, django_capture_on_commit_callbacks
):
    """SM-1: a send beyond the quota is refused before anything goes out, with the balance."""
    structure, owner = sms_club
    with schema_context(structure.schema_name):
        SmsAccount.objects.update(balance=2)
    client = client_for(structure, owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/manager/m/sms/client/{customer.pk}/",
            {"body": "ê" * 140},  # 3 UCS-2 SMS
        )
    assert response.status_code == 400
    assert (
        "Quota de SMS insuffisant : cet envoi demande 3 SMS, il vous en reste 2. "
        "Rien n&#x27;a été envoyé." in response.content.decode()
    )
    with schema_context(structure.schema_name):
        assert SmsMessage.objects.count() == 0
        assert balance() == 2
    assert not OutboxEmail.objects.filter(structure_id=structure.pk).exists()


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("   ", "Le message est vide."),
        ("a" * (153 * 6 + 1), "Le message est trop long : 7 SMS, 6 au plus."),
    ],
)
def test_empty_or_too_long_messages_are_refused(sms_club, customer, client_for, body, error):
    """SM-1 bad input: empty or too long messages."""
    structure, owner = sms_club
    response = client_for(structure, owner).post(
        f"/manager/m/sms/client/{customer.pk}/", {"body": body}
    )
    assert response.status_code == 400
    assert error in response.content.decode()
    with schema_context(structure.schema_name):
        assert SmsMessage.objects.count() == 0 and balance() == 20


def test_order_card_button_under_the_payer_email_sends_to_the_payer(
    sms_club, client_for, django_capture_on_commit_callbacks
):
    """SM-1: "Envoyer un SMS" on the order card, under the payer's email."""
    structure, owner = sms_club
    with schema_context(structure.schema_name):
        shop = make_shop()
        shop.payer.mobile = "07 81 23 45 67"
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
    client = client_for(structure, owner)
    card = client.get(f"/manager/commandes/{order.pk}/").content.decode()
    email_at = card.index("claire@exemple.fr")
    button_at = card.index(f'href="/manager/m/sms/commande/{order.pk}/"')
    assert email_at < button_at < card.index("Facturer/Payer")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/manager/m/sms/commande/{order.pk}/", {"body": "Votre commande est prête."})
    with schema_context(structure.schema_name):
        message = SmsMessage.objects.get()
        assert (message.to, message.source, message.state) == ("+33781234567", "order", "delivered")


def test_participants_two_selected_get_one_sms_each(
    sms_club, client_for, django_capture_on_commit_callbacks
):
    """SM-1: tick two participants, "Envoyer un sms": one SMS each, the others nothing."""
    structure, owner = sms_club
    with schema_context(structure.schema_name):
        shop = make_shop()
        people = []
        for first, mobile in (
            ("Anne", "0611111111"),
            ("Bruno", "0622222222"),
            ("Chloé", "0633333333"),
        ):
            person = customer_create(first_name=first, last_name="Marin", mobile=mobile)
            people.append(person)
        order = sales.order_create(
            payer=shop.payer,
            lines=[
                LineRequest(
                    product=shop.activity, session=shop.session, rate=shop.adult, consumer=p
                )
                for p in people
            ],
            actor=STAFF,
        )
        keys = [str(line.pk) for line in order.lines.order_by("pk")]
    client = client_for(structure, owner)
    from django.urls import reverse

    page = client.get(reverse("manager:planning_participants", args=[shop.session.pk]))
    html = page.content.decode()
    assert f'formaction="/manager/m/sms/seance/{shop.session.pk}/"' in html
    assert "Envoyer un sms" in html
    url = f"/manager/m/sms/seance/{shop.session.pk}/"
    form = client.post(url, {"selected": keys[:2]}).content.decode()
    assert "Anne Marin" in form and "Bruno Marin" in form and "Chloé Marin" not in form
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"selected": keys[:2], "body": "Rendez-vous à 9 h 30 au ponton."})
    with schema_context(structure.schema_name):
        assert sorted(SmsMessage.objects.values_list("to", flat=True)) == [
            "+33611111111",
            "+33622222222",
        ]
        assert balance() == 18


def test_a_keyed_send_run_twice_makes_one_message_and_takes_the_quota_once(sms_club):
    """ADR 0027: Click & Pay's SMS task run again (its worker killed before the ack) calls the
    hook with the same key: one message, one SMS taken; another key is another message."""
    from modules.sms import services
    from modules.sms.plugin import ponton_send_sms

    structure, _owner = sms_club
    with schema_context(structure.schema_name):
        start = balance()
        for key in ("task-1", "task-1", "task-2"):
            assert ponton_send_sms(structure, "0612345678", "Payez ici.", key=key) is True
        messages = list(SmsMessage.objects.order_by("pk").values_list("idempotency_key", "source"))
        assert messages == [
            (services.message_key("task-1"), "click_pay"),
            (services.message_key("task-2"), "click_pay"),
        ]
        assert balance() == start - 2
        assert QuotaMovement.objects.filter(reason=QuotaMovement.Reason.SEND).count() == 2
