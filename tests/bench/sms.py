"""sms_quota_race_sent (SM-1): 50 one-SMS sends at the same moment (threads released by a
barrier, each on its own PostgreSQL connection) against a quota of 20 SMS. The figure is how
many were sent: exactly 20 (goal 20), the 30 others refused with the balance, the balance 0,
never negative. The same race is a test: tests/modules/sms/test_quota_console_module.py."""

from __future__ import annotations

import threading
import time

SENDERS = 50
QUOTA = 20


def bench_sms_quota_race_sent(*, emit, log) -> None:
    from django.db import connections
    from django_tenants.utils import schema_context

    from modules.sms import services
    from modules.sms.models import QuotaMovement, SmsAccount, SmsMessage
    from tenants.services import StructureData, module_grant, structure_create

    stamp = time.time_ns()
    structure, _owner = structure_create(
        data=StructureData(name="Club SMS", slug=f"sms{stamp}", owner_email=f"o@sms{stamp}.test")
    )
    module_grant(structure=structure, label="sms")
    with schema_context(structure.schema_name):
        services.quota_credit(amount=QUOTA, reason=QuotaMovement.Reason.GRANT)
    barrier = threading.Barrier(SENDERS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def send(i: int) -> None:
        outcome = "error"
        try:
            with schema_context(structure.schema_name):
                barrier.wait()
                try:
                    services.sms_send(
                        structure=structure,
                        recipients=[services.Recipient(phone=f"06{i:08d}")],
                        body="Régate reportée à 14 h.",
                        source=SmsMessage.Source.CUSTOMER,
                    )
                    outcome = "sent"
                except services.SmsError:
                    outcome = "refused"
        except Exception as exc:  # noqa: BLE001 - counted as an error below
            outcome = f"error {exc!r}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(outcome)

    started = time.perf_counter()
    threads = [threading.Thread(target=send, args=(i,)) for i in range(SENDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    sent, refused = outcomes.count("sent"), outcomes.count("refused")
    with schema_context(structure.schema_name):
        balance = SmsAccount.objects.get().balance
        messages = SmsMessage.objects.count()
    errors = [o for o in outcomes if o not in ("sent", "refused")]
    log(
        f"{SENDERS} parallel sends, quota {QUOTA}: {sent} sent, {refused} refused, "
        f"{len(errors)} errors, balance {balance}, {messages} messages, {elapsed:.2f} s"
    )
    if errors or balance != QUOTA - sent or messages != sent:
        raise RuntimeError(f"errors {errors[:1]}, balance {balance}, messages {messages}")
    emit(
        "sms_quota_race_sent",
        sent,
        "sms",
        QUOTA,
        better="higher",
        refused=refused,
        balance=balance,
        senders=SENDERS,
        seconds=round(elapsed, 3),
    )
