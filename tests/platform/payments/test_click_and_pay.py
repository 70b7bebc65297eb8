"""Click & Pay (OR-9): requests by email and SMS, "Demande active", reminders, the test gateway,
and the Stripe webhook (signature, one payment however many times it is delivered). Stripe
itself is in test_stripe_localstripe.py."""

from __future__ import annotations

import html
import json
import time
from decimal import Decimal
from email.header import decode_header, make_header

import pytest
from django_tenants.utils import schema_context

from ponton.billing import selectors as billing_selectors
from ponton.billing import services as billing
from ponton.billing.models import Payment
from ponton.billing.services import PaymentData
from ponton.ledger.selectors import ledger_verify
from ponton.payments import selectors, services
from ponton.payments.gateway import sign_payload
from ponton.payments.models import PaymentRequest, StripeAccount
from ponton.payments.services import PaymentsError
from ponton.sales import services as sales
from ponton.sales.models import OrderEvent
from ponton.sales.services import LineRequest
from tests.support.sales import STAFF, make_shop

WEBHOOK = "/payments/stripe/webhook/"
SECRET = "whsec_test_cpay_secret"


@pytest.fixture
def shop(structure_a):
    structure = structure_a[0]
    with schema_context(structure.schema_name):
        shop = make_shop()
        shop.structure = structure
        shop.owner = structure_a[1]
        yield shop


def invoice_for(shop, *, with_shirt=False):
    lines = [
        LineRequest(
            product=shop.activity,
            session=shop.session,
            rate=shop.adult,
            consumer=shop.child_customer,
        )
    ]
    if with_shirt:
        lines.append(LineRequest(product=shop.shirt))
    order = sales.order_create(payer=shop.payer, lines=lines, actor=STAFF)
    return billing.invoice_issue(
        structure=shop.structure,
        order=order,
        line_ids=[line.pk for line in order.lines.all()],
        actor=STAFF,
    )


def subject_of(message) -> str:
    return str(make_header(decode_header(message["Subject"])))


def history(order_id) -> list[str]:
    return list(OrderEvent.objects.filter(order_id=order_id).values_list("message", flat=True))


def test_request_by_email_sends_the_link_and_shows_demande_active(
    shop, smtp_server, django_capture_on_commit_callbacks
):
    """OR-9 "Demande de C & P": the payer receives by email (real SMTP) the link to our payment
    page on the structure's host; "Demande active"; a line in the order's history."""
    bill = invoice_for(shop)
    with django_capture_on_commit_callbacks(execute=True):
        request = services.payment_request_create(document=bill, actor=STAFF)
    assert request.state == PaymentRequest.State.ACTIVE
    assert request.amount == Decimal("180.00") and request.sent_to == "claire@exemple.fr"
    assert len(request.token) >= 32
    assert selectors.active_request(document=bill) == request
    [message] = smtp_server.wait_for(1)
    assert message["X-Rcpt-To"] == "claire@exemple.fr"
    assert bill.number in subject_of(message)
    text = smtp_server.text_of(message)
    host = shop.structure.get_primary_domain().domain
    assert f"http://{host}:8000/payer/{request.token}/" in text
    assert "180,00 €" in text
    assert any(
        m.startswith("Demande de C & P par mail envoyée à claire@exemple.fr pour " + bill.number)
        for m in history(bill.order_id)
    )


def test_one_active_request_per_invoice_and_refusals(shop, django_capture_on_commit_callbacks):
    """OR-9: a second request on the same invoice is refused while one is active; a credit
    note, a fully paid invoice and a payer without email are refused, nothing written."""
    bill = invoice_for(shop, with_shirt=True)
    services.payment_request_create(document=bill, actor=STAFF)
    with pytest.raises(PaymentsError, match="déjà active"):
        services.payment_request_create(document=bill, actor=STAFF)
    assert PaymentRequest.objects.filter(document=bill).count() == 1

    shirt_line = bill.order.lines.get(product=shop.shirt)
    credit_note = billing.line_cancel(structure=shop.structure, line=shirt_line, actor=STAFF)
    with pytest.raises(PaymentsError, match="Un avoir ne se paie pas"):
        services.payment_request_create(document=credit_note, actor=STAFF)
    assert not PaymentRequest.objects.filter(document=credit_note).exists()

    other = invoice_for(shop)
    billing.payment_record(
        document=other,
        data=PaymentData(kind="payment", method="cash", amount=other.total),
        actor=STAFF,
    )
    with pytest.raises(PaymentsError, match="entièrement payée"):
        services.payment_request_create(document=other, actor=STAFF)

    shop.payer.email = ""
    shop.payer.save(update_fields=["email"])
    third = invoice_for(shop)
    before = OrderEvent.objects.count()
    with pytest.raises(PaymentsError, match="n'a pas d'adresse email") as refused:
        services.payment_request_create(document=third, actor=STAFF)
    assert refused.value.field == "channel"
    assert OrderEvent.objects.count() == before
    assert not PaymentRequest.objects.filter(document=third).exists()


def test_reminder_with_own_subject_and_body(shop, smtp_server, django_capture_on_commit_callbacks):
    """OR-9 "Relancer Click and Pay": the staff's own subject and body, with the link; the
    count of reminders; history; empty subject refused next to its field."""
    bill = invoice_for(shop)
    with django_capture_on_commit_callbacks(execute=True):
        request = services.payment_request_create(document=bill, actor=STAFF)
    smtp_server.wait_for(1)
    with pytest.raises(PaymentsError, match="objet") as refused:
        services.payment_request_remind(requests=[request], subject=" ", body="x", actor=STAFF)
    assert refused.value.field == "subject"
    with django_capture_on_commit_callbacks(execute=True):
        sent = services.payment_request_remind(
            requests=[request],
            subject="Stage catamaran : pensez à régler",
            body="Bonjour Claire,\nIl reste le stage à régler.",
            actor=STAFF,
        )
    assert sent == 1
    reminder = smtp_server.wait_for(2)[1]
    assert subject_of(reminder) == "Stage catamaran : pensez à régler"
    text = smtp_server.text_of(reminder)
    assert "Il reste le stage à régler." in text and f"/payer/{request.token}/" in text
    request.refresh_from_db()
    assert request.reminders == 1 and request.last_reminded_at is not None
    assert any(m.startswith("Relance Click & Pay envoyée") for m in history(bill.order_id))


def test_reminder_from_the_participants_checked(
    shop, smtp_server, django_capture_on_commit_callbacks
):
    """OR-9: "Relancer Click and Pay" on checked participants of a session: a request is made
    (with the staff's message) for an invoice that had none."""
    bill = invoice_for(shop)
    line = bill.lines.first().order_line
    with django_capture_on_commit_callbacks(execute=True):
        sent = services.click_and_pay_for_lines(
            line_ids=[line.pk], subject="Votre stage", body="Merci de régler.", actor=STAFF
        )
    assert sent == 1
    [message] = smtp_server.wait_for(1)
    assert subject_of(message) == "Votre stage"
    assert selectors.active_request(document=bill) is not None


def test_manager_button_shows_demande_active(shop, client_for, django_capture_on_commit_callbacks):
    """OR-9: "Demande de C & P" from the Club Manager answers "Demande active"; a second click
    is refused with the French message."""
    bill = invoice_for(shop)
    client = client_for(shop.structure, shop.owner)
    url = f"/manager/paiements/demande/{bill.pk}/"
    response = client.post(url, {"channel": "email"}, follow=True)
    assert "Demande active" in response.content.decode()
    response = client.post(url, {"channel": "email"}, follow=True)
    assert "déjà active" in response.content.decode()
    with schema_context(shop.structure.schema_name):
        assert PaymentRequest.objects.filter(document_id=bill.pk).count() == 1


def test_test_gateway_pays_the_invoice(shop, client_for):
    """OR-9 embedded default: without Stripe keys the payment page says "Passerelle de test —
    aucun paiement réel" and its button goes through the same confirmation as the webhook:
    one "CB en ligne" payment, request paid, history, ledger still verifies."""
    bill = invoice_for(shop)
    request = services.payment_request_create(document=bill, actor=STAFF)
    anonymous = client_for(shop.structure)
    page = anonymous.get(f"/payer/{request.token}/").content.decode()
    assert "Passerelle de test — aucun paiement réel" in page
    assert bill.number in page and "180,00 €" in page
    assert "js.stripe.com" not in page
    response = anonymous.post(f"/payer/{request.token}/test/", follow=True)
    assert "Paiement reçu, merci" in response.content.decode()
    assert anonymous.get(f"/payer/{request.token}/statut/").json() == {"state": "paid"}
    with schema_context(shop.structure.schema_name):
        [payment] = Payment.objects.filter(document=bill)
        assert payment.method == "online_card" and payment.amount == Decimal("180.00")
        assert payment.gateway_reference.startswith("test_pi_")
        request.refresh_from_db()
        assert request.state == "paid" and request.payment == payment
        assert billing_selectors.document_balance(document=bill).due == Decimal("0.00")
        assert any(m.startswith("Paiement Click & Pay reçu") for m in history(bill.order_id))
        assert ledger_verify().ok
        # Refund through the test gateway goes back "to the card" too (OR-6).
        refund = services.online_refund(
            document=bill, payment=payment, amount=Decimal("30.00"), actor=STAFF
        )
        assert refund.kind == "refund" and refund.gateway_reference.startswith("test_re_")
    # Paying twice is refused: the request is paid.
    response = anonymous.post(f"/payer/{request.token}/test/", follow=True)
    assert "déjà été réglée" in response.content.decode()


def test_production_without_stripe_keys_takes_no_online_payment(shop, client_for, settings):
    """OR-9 in production (PAYMENTS_TEST_GATEWAY off) without Stripe keys: no Click & Pay is
    sent (the staff are told to enter the keys), a link sent earlier says online payment is
    unavailable, and the test gateway's button records nothing — otherwise anyone holding a
    link could mark an invoice paid without paying."""
    bill = invoice_for(shop)
    earlier = services.payment_request_create(document=bill, actor=STAFF)
    settings.PAYMENTS_TEST_GATEWAY = False
    other = invoice_for(shop)
    with pytest.raises(PaymentsError, match="compte Stripe"):
        services.payment_request_create(document=other, actor=STAFF)
    assert not PaymentRequest.objects.filter(document=other).exists()
    anonymous = client_for(shop.structure)
    page = anonymous.get(f"/payer/{earlier.token}/").content.decode()
    assert "paiement en ligne n'est pas disponible" in page
    assert "Simuler" not in page and "js.stripe.com" not in page
    anonymous.post(f"/payer/{earlier.token}/test/", follow=True)
    with schema_context(shop.structure.schema_name):
        assert not Payment.objects.exists()
        earlier.refresh_from_db()
        assert earlier.state == PaymentRequest.State.ACTIVE
        _configure_stripe()
    # With its keys entered, the structure sends Click & Pay again (Stripe's card form).
    request = services.payment_request_create(document=other, actor=STAFF)
    page = anonymous.get(f"/payer/{request.token}/").content.decode()
    assert "Payer par carte bancaire" in page and "pas disponible" not in page


def test_payment_page_policy_allows_stripe_js_only_where_it_is_used(shop, client_for):
    """Probe 9: the Content-Security-Policy admits Stripe.js (script, frames, API) on the
    payment page of a structure with its Stripe keys, and nowhere else."""
    bill = invoice_for(shop)
    anonymous = client_for(shop.structure)
    request = services.payment_request_create(document=bill, actor=STAFF)
    test_gateway = anonymous.get(f"/payer/{request.token}/")["Content-Security-Policy"]
    assert "stripe.com" not in test_gateway
    assert "frame-src 'none'" in test_gateway
    _configure_stripe()
    policy = anonymous.get(f"/payer/{request.token}/")["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["script-src"].split() == ["'self'", "https://js.stripe.com"]
    assert directives["frame-src"] == "https://js.stripe.com https://hooks.stripe.com"
    assert directives["connect-src"].split() == [
        "'self'",
        "ws:",
        "wss:",
        "https://js.stripe.com",
        "https://api.stripe.com",
    ]
    assert "stripe.com" not in anonymous.get("/connexion/")["Content-Security-Policy"]


def test_unknown_token_is_404(shop, client_for):
    """OR-9: a payment page exists only for a real token."""
    assert client_for(shop.structure).get("/payer/inconnu/").status_code == 404


def _configure_stripe():
    return StripeAccount.objects.create(
        publishable_key="pk_test_cpay", secret_key="sk_test_cpay", webhook_secret=SECRET
    )


def _event(request, intent_id="pi_Test123", amount=18000, event_id="evt_1"):
    return json.dumps(
        {
            "id": event_id,
            "object": "event",
            "type": "payment_intent.succeeded",
            "data": {
                "object": {
                    "id": intent_id,
                    "object": "payment_intent",
                    "amount": amount,
                    "amount_received": amount,
                    "currency": "eur",
                    "status": "succeeded",
                    "metadata": {
                        "payment_request": str(request.pk),
                        "document": request.document.number,
                    },
                }
            },
        }
    ).encode()


def test_webhook_bad_signature_records_nothing(shop, client_for):
    """OR-9: a webhook whose signature does not match the structure's secret gets 400 and
    nothing is recorded."""
    bill = invoice_for(shop)
    _configure_stripe()
    request = services.payment_request_create(document=bill, actor=STAFF)
    payload = _event(request)
    client = client_for(shop.structure)
    for signature in ("", sign_payload(payload, "whsec_wrong"), "t=1,v1=abc"):
        response = client.post(
            WEBHOOK, payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
        )
        assert response.status_code == 400
    stale = sign_payload(payload, SECRET, timestamp=int(time.time()) - 3600)
    assert (
        client.post(
            WEBHOOK, payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=stale
        ).status_code
        == 400
    )
    with schema_context(shop.structure.schema_name):
        assert not Payment.objects.exists()
        request.refresh_from_db()
        assert request.state == "active"


@pytest.mark.parametrize("ahead", [600, 24 * 3600])
def test_webhook_signed_in_the_future_records_nothing(shop, client_for, ahead):
    """OR-9 (probe 7): a correctly signed webhook whose timestamp is 600 s or a day ahead of
    now is refused like a stale one (±5 minutes): 400, no payment, the request still active.
    Within the tolerance (60 s ahead: a clock slightly fast) it is accepted."""
    bill = invoice_for(shop)
    _configure_stripe()
    request = services.payment_request_create(document=bill, actor=STAFF)
    payload = _event(request)
    client = client_for(shop.structure)
    ahead_signature = sign_payload(payload, SECRET, timestamp=int(time.time()) + ahead)
    response = client.post(
        WEBHOOK, payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=ahead_signature
    )
    assert response.status_code == 400
    with schema_context(shop.structure.schema_name):
        assert not Payment.objects.exists()
        request.refresh_from_db()
        assert request.state == "active"
    near = sign_payload(payload, SECRET, timestamp=int(time.time()) + 60)
    response = client.post(
        WEBHOOK, payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=near
    )
    assert response.status_code == 200
    with schema_context(shop.structure.schema_name):
        assert Payment.objects.count() == 1


def test_webhook_delivered_ten_times_records_one_payment(shop, client_for):
    """OR-9: the same signed event received ten times records ONE payment (gateway reference
    unique), the request is paid and the history says "Paiement Click & Pay reçu"."""
    bill = invoice_for(shop)
    _configure_stripe()
    request = services.payment_request_create(document=bill, actor=STAFF)
    payload = _event(request)
    client = client_for(shop.structure)
    for _ in range(10):
        response = client.post(
            WEBHOOK,
            payload,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=sign_payload(payload, SECRET),
        )
        assert response.status_code == 200
    with schema_context(shop.structure.schema_name):
        [payment] = Payment.objects.all()
        assert (payment.method, payment.amount, payment.gateway_reference) == (
            "online_card",
            Decimal("180.00"),
            "pi_Test123",
        )
        request.refresh_from_db()
        assert request.state == "paid"
        received = [m for m in history(bill.order_id) if m.startswith("Paiement Click & Pay reçu")]
        assert len(received) == 1
        # Another event type is accepted and ignored.
        other = json.dumps({"id": "evt_2", "type": "charge.refunded", "data": {}}).encode()
        response = client.post(
            WEBHOOK,
            other,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=sign_payload(other, SECRET),
        )
        assert response.status_code == 200 and Payment.objects.count() == 1


def test_stripe_settings_page_never_shows_secrets(shop, client_for, make_member):
    """OR-9: structures configure their Stripe account in their settings; secrets are never
    shown back in full; wrong prefixes refused next to the field; staff may not open it."""
    client = client_for(shop.structure, shop.owner)
    page = client.get("/manager/paiements/stripe/").content.decode()
    assert "Passerelle de test — aucun paiement réel" in page
    assert "/payments/stripe/webhook/" in page
    response = client.post(
        "/manager/paiements/stripe/",
        {"publishable_key": "pk_test_abc", "secret_key": "nope", "webhook_secret": "whsec_1"},
    )
    assert "commence par « sk_ »" in response.content.decode()
    with schema_context(shop.structure.schema_name):
        assert not StripeAccount.objects.exists()
    secret = "sk_test_51HsuperSECRETvalue9876"
    response = client.post(
        "/manager/paiements/stripe/",
        {"publishable_key": "pk_test_abc", "secret_key": secret, "webhook_secret": SECRET},
        follow=True,
    )
    page = response.content.decode()
    assert "Stripe configuré" in page
    assert secret not in page and SECRET not in page and "9876" in page
    # Saving again without retyping the secrets keeps them.
    client.post("/manager/paiements/stripe/", {"publishable_key": "pk_test_def"})
    with schema_context(shop.structure.schema_name):
        account = StripeAccount.objects.get()
        assert (account.publishable_key, account.secret_key) == ("pk_test_def", secret)
    staff = make_member(shop.structure, role="staff")
    assert client_for(shop.structure, staff).get("/manager/paiements/stripe/").status_code == 403


def test_manager_reminder_and_refund_pages(shop, client_for, django_capture_on_commit_callbacks):
    """OR-9 "Relancer Click and Pay" page (own subject and body, refused without a subject) and
    OR-6 "Rembourser sur la carte" page (more than the card brought refused next to the
    amount; then the refund is recorded)."""
    bill = invoice_for(shop)
    request = services.payment_request_create(document=bill, actor=STAFF)
    client = client_for(shop.structure, shop.owner)
    page = client.get(f"/manager/paiements/relance/?request={request.pk}").content.decode()
    assert "Relancer Click and Pay" in page and bill.number in page
    assert '<label for="id_subject">' in page and '<label for="id_body">' in page
    response = client.post(
        "/manager/paiements/relance/", {"request": request.pk, "subject": "", "body": "x"}
    )
    assert response.status_code == 200 and "Ce champ est obligatoire" in response.content.decode()
    response = client.post(
        "/manager/paiements/relance/",
        {"request": request.pk, "subject": "Rappel", "body": "Merci de régler."},
    )
    assert response.status_code == 302
    with schema_context(shop.structure.schema_name):
        request.refresh_from_db()
        assert request.reminders == 1
        payment = services.pay_with_test_gateway(token=request.token)
    url = f"/manager/paiements/remboursement/{payment.pk}/"
    page = client.get(url).content.decode()
    assert "Rembourser sur la carte" in page and "180,00" in page
    response = client.post(url, {"document": bill.pk, "amount": "180.01"})
    assert "dépasse" in response.content.decode()
    response = client.post(url, {"document": bill.pk, "amount": "80.00"})
    assert response.status_code == 302
    with schema_context(shop.structure.schema_name):
        refund = Payment.objects.get(kind="refund")
        assert (refund.method, refund.amount, refund.document_id) == (
            "online_card",
            Decimal("80.00"),
            bill.pk,
        )
        assert selectors.refundable_online(payment=payment) == Decimal("100.00")


def _book(shop, consumer, *, invoice: bool, paid: bool = False):
    order = sales.order_create(
        payer=shop.payer,
        lines=[
            LineRequest(
                product=shop.activity, session=shop.session, rate=shop.adult, consumer=consumer
            )
        ],
        actor=STAFF,
    )
    line = order.lines.get()
    if invoice:
        bill = billing.invoice_issue(
            structure=shop.structure, order=order, line_ids=[line.pk], actor=STAFF
        )
        if paid:
            billing.payment_record(
                document=bill,
                data=PaymentData(kind="payment", method="cash", amount=bill.total),
                actor=STAFF,
            )
    return line


def test_relancer_from_participants_is_a_post_naming_who_will_not_be_reminded(
    shop, client_for, smtp_server, django_capture_on_commit_callbacks
):
    """PL-4 + OR-9 (issue 11, bugs 7 and 8): "Relancer Click and Pay" posts the ticked
    participants (no token nor selection in the address); before sending, the page names who
    has nothing to pay (Lucas Tanguy) or is not invoiced yet (Nina Kerbrat) and will not be
    reminded; sending reminds only Louis Le Goff. A GET sends nothing."""
    from ponton.customers.services import customer_create

    lucas = customer_create(first_name="Lucas", last_name="Tanguy")
    nina = customer_create(first_name="Nina", last_name="Kerbrat")
    louis_line = _book(shop, shop.child_customer, invoice=True)
    lucas_line = _book(shop, lucas, invoice=True, paid=True)
    nina_line = _book(shop, nina, invoice=False)
    client = client_for(shop.structure, shop.owner)
    participants_url = f"/manager/planning/seances/{shop.session.pk}/participants/"

    participants = client.get(participants_url).content.decode()
    button = participants.split("Relancer Click and Pay")[0].rsplit("<button", 1)[1]
    assert 'formaction="/manager/paiements/relance/"' in button
    assert "formmethod" not in button  # the form's own method: POST
    assert '<form method="post"' in participants

    ticked = [louis_line.pk, lucas_line.pk, nina_line.pk]
    page = client.post(
        "/manager/paiements/relance/", {"selected": ticked, "next": participants_url}
    )
    assert page.status_code == 200
    content = html.unescape(page.content.decode())
    assert "3 participants cochés." in content
    assert 'data-reminder="to_remind">Recevront une relance : Louis Le Goff.' in content
    assert 'data-reminder="nothing_to_pay">Rien à payer, pas de relance : Lucas Tanguy.' in content
    assert (
        'data-reminder="not_invoiced">Pas encore facturé, pas de relance (facturez d\'abord)'
        " : Nina Kerbrat." in content
    )
    for line_id in ticked:
        assert f'<input type="hidden" name="line" value="{line_id}">' in content
    assert "Envoyer la relance" in content and "Ce champ est obligatoire" not in content
    assert PaymentRequest.objects.count() == 0  # nothing sent by the first POST

    # A GET with everything a send needs sends nothing.
    got = client.get(
        "/manager/paiements/relance/",
        {"line": ticked, "selected": ticked, "subject": "Rappel", "body": "Merci."},
    )
    assert got.status_code == 200
    assert "participants cochés" not in got.content.decode()
    assert PaymentRequest.objects.count() == 0

    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(
            "/manager/paiements/relance/",
            {
                "line": ticked,
                "subject": "Stage",
                "body": "Merci de régler.",
                "next": participants_url,
            },
            follow=True,
        )
    assert sent.redirect_chain == [(participants_url, 302)]
    assert "Relances envoyées : 1." in sent.content.decode()
    [request] = PaymentRequest.objects.all()
    assert request.document.lines.get().order_line_id == louis_line.pk
    assert [subject_of(m) for m in smtp_server.wait_for(1)] == ["Stage"]


def test_relancer_with_only_paid_participants_says_so_and_offers_no_send(shop, client_for):
    """OR-9 (issue 11, bug 7): only paid participants ticked: "Aucun des participants cochés
    n'a de paiement à relancer.", their names, and no "Envoyer la relance" button."""
    paid = _book(shop, shop.child_customer, invoice=True, paid=True)
    client = client_for(shop.structure, shop.owner)
    page = html.unescape(
        client.post("/manager/paiements/relance/", {"selected": [paid.pk]}).content.decode()
    )
    assert "Rien à payer, pas de relance : Louis Le Goff." in page
    assert "Aucun des participants cochés n'a de paiement à relancer." in page
    assert "Envoyer la relance" not in page
    nothing = client.post("/manager/paiements/relance/", {"next": "/manager/"}).content.decode()
    assert "Cochez au moins un participant à relancer." in nothing
    assert PaymentRequest.objects.count() == 0
