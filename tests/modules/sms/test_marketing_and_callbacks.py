"""SM-1 marketing rules (consent, STOP mention, allowed hours, sender) and the provider's
callback (delivery receipts, STOP replies; forged token or another structure's refused)."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from django_tenants.utils import schema_context

from modules.sms import services
from modules.sms.models import SmsAccount, SmsConsent, SmsMessage
from modules.sms.window import next_allowed
from tenants.services import module_grant

PARIS = ZoneInfo("Europe/Paris")


def paris(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PARIS)


@pytest.mark.parametrize(
    ("moment", "allowed"),
    [
        (paris(2026, 12, 7, 10, 0), paris(2026, 12, 7, 10, 0)),  # Monday morning: now
        (paris(2026, 12, 7, 7, 59), paris(2026, 12, 7, 8, 0)),  # before 08:00
        (paris(2026, 12, 7, 21, 30), paris(2026, 12, 7, 21, 30)),  # 21:30 still allowed
        (paris(2026, 12, 7, 21, 31), paris(2026, 12, 8, 8, 0)),  # after 21:30: next morning
        (paris(2026, 12, 5, 22, 0), paris(2026, 12, 7, 8, 0)),  # Saturday night: Sunday off
        (paris(2026, 12, 6, 12, 0), paris(2026, 12, 7, 8, 0)),  # Sunday
        (paris(2026, 7, 14, 9, 0), paris(2026, 7, 15, 8, 0)),  # 14 juillet (Tuesday)
        (paris(2026, 12, 24, 22, 0), paris(2026, 12, 26, 8, 0)),  # Christmas, then Saturday
        (paris(2026, 4, 5, 10, 0), paris(2026, 4, 7, 8, 0)),  # Easter Sunday + Monday
    ],
)
def test_marketing_hours(moment, allowed):
    """SM-1: 08:00-21:30 Europe/Paris, Sundays and French public holidays off."""
    assert next_allowed(moment) == allowed


def test_days_off_allowed_by_the_structure():
    """SM-1: a structure may allow Sundays and public holidays (hours still apply)."""
    assert next_allowed(paris(2026, 12, 6, 12, 0), sundays_and_holidays=True) == paris(
        2026, 12, 6, 12, 0
    )
    assert next_allowed(paris(2026, 12, 6, 22, 0), sundays_and_holidays=True) == paris(
        2026, 12, 7, 8, 0
    )


def _promo(structure, phones, *, now, body="Soldes d'hiver : -20 % sur les stages !"):
    with schema_context(structure.schema_name):
        return services.sms_send(
            structure=structure,
            recipients=[services.Recipient(phone=p, name=n) for p, n in phones],
            body=body,
            source=SmsMessage.Source.CUSTOMER,
            promotional=True,
            now=now,
        )


def test_promotional_only_to_consenting_with_stop_mention(sms_club):
    """SM-1: a promotional SMS carries "STOP au …", goes only to numbers that consented and
    did not opt out (consent and opt-out with date and source, in the module's tables)."""
    structure, _owner = sms_club
    with schema_context(structure.schema_name):
        services.consent_record(phone="0611111111", source="Formulaire d'inscription")
        services.consent_record(phone="0622222222", source="Formulaire d'inscription")
        services.consent_opt_out(phone="0622222222", source="Réponse STOP par SMS")
    report = _promo(
        structure,
        [("0611111111", "Anne"), ("0622222222", "Bruno"), ("0633333333", "Chloé")],
        now=paris(2026, 12, 7, 10, 0),
    )
    assert [m.to for m in report.messages] == ["+33611111111"]
    assert report.messages[0].body == "Soldes d'hiver : -20 % sur les stages !\nSTOP au 36111"
    assert report.refused == [
        "Bruno s'est désinscrit des SMS promotionnels (STOP) : rien ne lui est envoyé.",
        "Chloé n'a pas consenti aux SMS promotionnels : rien ne lui est envoyé.",
    ]
    assert report.waits_until is None
    with schema_context(structure.schema_name):
        consent = SmsConsent.objects.get(phone="+33611111111")
        assert consent.consent_source == "Formulaire d'inscription" and consent.consented_at
        assert SmsAccount.objects.get().balance == 19


def test_promotional_to_nobody_allowed_is_refused_and_nothing_taken(sms_club):
    """SM-1 bad input: a customer who opted out: nothing sent, nothing taken."""
    structure, _owner = sms_club
    with schema_context(structure.schema_name):
        services.consent_opt_out(phone="0622222222", source="Réponse STOP par SMS")
    with pytest.raises(services.SmsError) as refused:
        _promo(structure, [("0622222222", "Bruno")], now=paris(2026, 12, 7, 10, 0))
    assert "Bruno s'est désinscrit" in str(refused.value)
    with schema_context(structure.schema_name):
        assert SmsMessage.objects.count() == 0 and SmsAccount.objects.get().balance == 20


def test_promotional_outside_the_hours_waits_and_says_so(
    sms_club, client_for, django_capture_on_commit_callbacks, monkeypatch
):
    """SM-1: asked on a Sunday, a promotional SMS waits for Monday 08:00 (the task's ETA) and
    the page says when it will leave; a transactional SMS leaves at once."""
    structure, owner = sms_club
    from ponton.customers.services import customer_create

    with schema_context(structure.schema_name):
        customer = customer_create(first_name="Anne", last_name="Marin", mobile="0611111111")
        services.consent_record(phone="0611111111", source="test")
    sunday = paris(2026, 12, 6, 15, 0)
    monkeypatch.setattr("django.utils.timezone.now", lambda: sunday.astimezone(dt.UTC))
    enqueued = []
    monkeypatch.setattr(
        "modules.sms.tasks.sms_deliver_task.apply_async",
        lambda kwargs, eta: enqueued.append((kwargs["message_id"], eta)),
    )
    monkeypatch.setattr("django.conf.settings.CELERY_TASK_ALWAYS_EAGER", False)
    # A broker that keeps a message unacknowledged a day (ADR 0027): the wait goes as an ETA.
    monkeypatch.setattr("django.conf.settings.TASK_VISIBILITY_TIMEOUT", 24 * 3600)
    client = client_for(structure, owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/manager/m/sms/client/{customer.pk}/",
            {"body": "Portes ouvertes lundi !", "promotional": "on"},
            follow=True,
        )
    flash = [str(m) for m in response.context["messages"]]
    assert flash == [
        "1 SMS envoyé(s) (1 SMS décomptés, solde : 19). SMS promotionnel hors des horaires "
        "autorisés : il partira le 07/12/2026 à 08:00."
    ]
    with schema_context(structure.schema_name):
        message = SmsMessage.objects.get()
        assert message.state == "queued" and message.not_before == paris(2026, 12, 7, 8, 0)
    assert enqueued == [(message.pk, paris(2026, 12, 7, 8, 0))]
    # The delivery task run early (or the periodic sweep) leaves it waiting.
    with schema_context(structure.schema_name):
        services.message_deliver(structure=structure, message_id=message.pk)
        message.refresh_from_db()
        assert message.state == "queued"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/manager/m/sms/client/{customer.pk}/", {"body": "Séance annulée."})
    assert enqueued[-1][1] is None  # transactional: at once
    # The default visibility timeout (10 min) is shorter than the wait: no ETA (Redis would
    # hand the message again every 10 min); beat's sms_send_due_task sends it at 08:00.
    monkeypatch.setattr("django.conf.settings.TASK_VISIBILITY_TIMEOUT", 600)
    count = len(enqueued)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/manager/m/sms/client/{customer.pk}/",
            {"body": "Portes ouvertes mardi !", "promotional": "on"},
        )
    assert len(enqueued) == count
    with schema_context(structure.schema_name):
        waiting = SmsMessage.objects.get(body__contains="mardi")
        assert waiting.state == "queued" and waiting.not_before == paris(2026, 12, 7, 8, 0)


def test_sender_longer_than_11_is_refused(sms_club, client_for):
    """SM-1: the alphanumeric sender is at most 11 characters (letters and digits)."""
    structure, owner = sms_club
    client = client_for(structure, owner)
    response = client.post(
        "/manager/m/sms/reglages/",
        {
            "provider": "local",
            "sender": "Club Voile!",
            "stop_mention": "STOP au 36111",
            "ovh_endpoint": "ovh-eu",
        },
    )
    assert response.status_code == 400
    assert "L&#x27;expéditeur doit faire 11 caractères au plus" in response.content.decode()
    response = client.post(
        "/manager/m/sms/reglages/",
        {
            "provider": "local",
            "sender": "ClubDeVoile2",
            "stop_mention": "STOP au 36111",
            "ovh_endpoint": "ovh-eu",
        },
    )
    assert response.status_code == 400
    response = client.post(
        "/manager/m/sms/reglages/",
        {
            "provider": "local",
            "sender": "ClubVoile29",
            "stop_mention": "STOP au 36111",
            "ovh_endpoint": "ovh-eu",
        },
    )
    assert response.status_code == 302
    with schema_context(structure.schema_name):
        assert SmsAccount.objects.get().sender == "ClubVoile29"


# --- callbacks -----------------------------------------------------------------------------


def _sent_message(structure, provider="brevo", provider_id="777001"):
    with schema_context(structure.schema_name):
        report = services.sms_send(
            structure=structure,
            recipients=[services.Recipient(phone="0612345678")],
            body="Bonjour",
            source=SmsMessage.Source.CUSTOMER,
        )
        SmsMessage.objects.filter(pk=report.messages[0].pk).update(
            state="sent", provider=provider, provider_id=provider_id
        )
        return SmsMessage.objects.get(pk=report.messages[0].pk), services.account_get()


def test_brevo_receipt_delivered_is_idempotent_and_shown(sms_club, client_for):
    """SM-1: queued -> sent -> delivered from the provider's receipt; the same receipt twice
    changes nothing; a later "failed" does not undo "delivered"."""
    structure, owner = sms_club
    message, account = _sent_message(structure)
    client = client_for(structure)
    url = f"/sms/rappel/{account.callback_token}/brevo/"
    receipt = {"msg_status": "delivered", "messageId": 777001, "to": "33612345678"}
    for _ in range(2):
        response = client.post(url, json.dumps(receipt), content_type="application/json")
        assert response.status_code == 200
    late = {"msg_status": "hardBounce", "messageId": 777001}
    client.post(url, json.dumps(late), content_type="application/json")
    with schema_context(structure.schema_name):
        message.refresh_from_db()
        assert message.state == "delivered" and message.delivered_at is not None
    page = client_for(structure, owner).get("/manager/m/sms/").content.decode()
    assert 'data-state="delivered">Reçu<' in page


def test_ovh_receipt_failed(sms_club, client_for):
    """SM-1: OVHcloud's delivery receipt (dlr=2/16: not delivered) fails the message."""
    structure, _owner = sms_club
    message, account = _sent_message(structure, provider="ovh", provider_id="123456")
    response = client_for(structure).get(
        f"/sms/rappel/{account.callback_token}/ovh/",
        {"id": "123456", "dlr": "16", "description": "Unknown subscriber"},
    )
    assert response.status_code == 200
    with schema_context(structure.schema_name):
        message.refresh_from_db()
        assert (message.state, message.error) == ("failed", "Unknown subscriber")


def test_forged_token_and_another_structures_token_are_refused(
    sms_club, make_structure, client_for
):
    """SM-1 bad input: a forged token, or structure B's token sent to A's host: 404, nothing
    changes."""
    structure, _owner = sms_club
    message, _account = _sent_message(structure)
    other, _ = make_structure(name="Club B")
    module_grant(structure=other, label="sms")
    with schema_context(other.schema_name):
        other_token = services.account_get().callback_token
    receipt = json.dumps({"msg_status": "delivered", "messageId": 777001})
    client = client_for(structure)
    for token in ("forged-token", other_token):
        response = client.post(
            f"/sms/rappel/{token}/brevo/", receipt, content_type="application/json"
        )
        assert response.status_code == 404
    with schema_context(structure.schema_name):
        message.refresh_from_db()
        assert message.state == "sent"


def test_stop_reply_records_the_opt_out(sms_club, client_for):
    """SM-1: a "STOP" reply received by the callback records the opt-out (date, source)."""
    structure, _owner = sms_club
    with schema_context(structure.schema_name):
        services.consent_record(phone="0612345678", source="test")
        account = services.account_get()
    client = client_for(structure)
    response = client.post(
        f"/sms/rappel/{account.callback_token}/brevo/",
        json.dumps({"msg_status": "replied", "to": "33612345678", "reply": "Stop"}),
        content_type="application/json",
    )
    assert response.status_code == 200
    with schema_context(structure.schema_name):
        consent = SmsConsent.objects.get(phone="+33612345678")
        assert consent.opted_out_at is not None
        assert consent.opt_out_source == "Réponse STOP par SMS"
    with pytest.raises(services.SmsError):
        _promo(structure, [("0612345678", "Claire")], now=paris(2026, 12, 7, 10, 0))


def test_ovh_stop_reply_records_the_opt_out(sms_club, client_for):
    """SM-1: OVHcloud forwards a reply (sender, message): "STOP" records the opt-out; another
    reply changes nothing."""
    structure, _owner = sms_club
    with schema_context(structure.schema_name):
        services.consent_record(phone="0611111111", source="test")
        services.consent_record(phone="0622222222", source="test")
        token = services.account_get().callback_token
    client = client_for(structure)
    url = f"/sms/rappel/{token}/ovh/"
    assert client.get(url, {"sender": "+33611111111", "message": "STOP"}).status_code == 200
    assert client.get(url, {"sender": "+33622222222", "message": "Merci !"}).status_code == 200
    with schema_context(structure.schema_name):
        stopped = SmsConsent.objects.get(phone="+33611111111")
        kept = SmsConsent.objects.get(phone="+33622222222")
        assert stopped.opted_out_at is not None and kept.opted_out_at is None


def test_a_waiting_sms_asked_for_while_the_broker_is_down_is_left_to_the_sweep(
    sms_club, client_for, django_capture_on_commit_callbacks, monkeypatch
):
    """ADR 0026: a promotional SMS that must wait (an ETA) cannot be queued while Redis is
    down: the page still says it will leave at 08:00, the message stays "en attente", and
    beat's every-minute sweep (sms_send_due_task) sends it when its time comes."""
    from kombu.exceptions import OperationalError

    from ponton.customers.services import customer_create

    structure, owner = sms_club
    with schema_context(structure.schema_name):
        customer = customer_create(first_name="Anne", last_name="Marin", mobile="0611111111")
        services.consent_record(phone="0611111111", source="test")
    monday = paris(2026, 12, 7, 7, 55)  # five minutes before the allowed hours
    monkeypatch.setattr("django.utils.timezone.now", lambda: monday.astimezone(dt.UTC))

    def broker_down(**kwargs):
        raise OperationalError("Error 111 connecting to redis:6379. Connection refused.")

    monkeypatch.setattr("modules.sms.tasks.sms_deliver_task.apply_async", broker_down)
    monkeypatch.setattr("django.conf.settings.CELERY_TASK_ALWAYS_EAGER", False)
    client = client_for(structure, owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/manager/m/sms/client/{customer.pk}/",
            {"body": "Portes ouvertes ce matin !", "promotional": "on"},
            follow=True,
        )
    assert response.status_code == 200
    assert "il partira le 07/12/2026 à 08:00" in str(list(response.context["messages"])[0])
    with schema_context(structure.schema_name):
        message = SmsMessage.objects.get()
        assert message.state == "queued" and message.not_before == paris(2026, 12, 7, 8, 0)
