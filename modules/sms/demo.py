"""The SMS module's demo data (`ponton_demo_fill`): a quota granted as an operator would, a
consent, and a few SMS sent through the local provider (they show on the outbox page)."""

from __future__ import annotations

from modules.sms import services
from modules.sms.models import QuotaMovement, SmsMessage
from ponton.customers.models import Customer

DEMO_QUOTA = 200


def demo_fill(*, structure) -> None:

    services.quota_credit(amount=DEMO_QUOTA, reason=QuotaMovement.Reason.GRANT, by="Démonstration")
    account = services.account_get()
    account.sender = "Ponton"
    account.save(update_fields=["sender"])
    customers = list(Customer.objects.exclude(mobile="").order_by("pk")[:3])
    for customer in customers:
        try:
            services.consent_record(
                phone=customer.mobile, source="Démonstration", customer_id=customer.pk
            )
        except ValueError:
            continue
        try:
            report = services.sms_send(
                structure=structure,
                recipients=[
                    services.Recipient(
                        phone=customer.mobile, name=customer.full_name, customer_id=customer.pk
                    )
                ],
                body=(
                    "Bonjour, la séance de samedi est maintenue : rendez-vous à 9 h 30 "
                    "à la base nautique."
                ),
                source=SmsMessage.Source.CUSTOMER,
                by="Démonstration",
            )
        except services.SmsError:
            continue
        for message in report.messages:
            services.message_deliver(structure=structure, message_id=message.pk)
