"""Till closing benchmark (PO-3, issue 13).

z_closing_ms: the Z closing (`modules.pos.services.session_close`: the X report's aggregates,
the counted amounts, the grand totals, the closing chained in the ledger, the head anchored,
the session closed) of a till session of a day of 2,000 tickets. The tickets are recorded
through the real path (`ticket_record`: signed by the device, order, purchase receipt,
payments, till payments, ledger), mixed cash with change, card and cheque-vacances, a few
cancelled, a few cash movements. One closing per session, so one measurement; the X report of
that session is also timed (median of 20) and given beside it.
"""

from __future__ import annotations

import statistics
import sys
import time
from decimal import Decimal

TICKETS = 2000
GOAL_MS = 500
X_RUNS = 20


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def bench_z_closing_ms(*, env: dict[str, str], emit) -> None:
    from django_tenants.utils import schema_context

    from modules.pos.models import Ticket, TillPayment
    from modules.pos.selectors import session_report
    from modules.pos.services import cash_move, session_close, ticket_cancel, ticket_record
    from tenants.services import StructureData, structure_create
    from tests.support.pos import line, open_counter, pay
    from tests.support.sales import STAFF, make_shop

    stamp = int(time.time())
    structure, _owner = structure_create(
        data=StructureData(
            name="Club de la caisse",
            slug=f"caisse{stamp}",
            owner_email=f"o@c{stamp}.test",
            modules=["pos"],
        )
    )
    with schema_context(structure.schema_name):
        shop = make_shop(stock=TICKETS * 3)
        counter = open_counter(opening_float="200.00")
        started = time.perf_counter()
        recorded = []
        for i in range(TICKETS):
            quantity = 1 + i % 2
            total = Decimal(20 * quantity)
            payments = [
                [pay("cash", f"{total + 10:.2f}")],
                [pay("card", f"{total:.2f}")],
                [pay("holiday_voucher", "10.00"), pay("cash", f"{total - 10:.2f}")],
            ][i % 3]
            payload, signature = counter.ticket(
                [line(shop.shirt, quantity=quantity)], payments, total=total
            )
            recorded.append(
                ticket_record(
                    structure=structure,
                    device=counter.device,
                    payload=payload,
                    signature=signature,
                    actor=STAFF,
                ).ticket
            )
            if (i + 1) % 250 == 0:
                log(f"{i + 1} tickets in {time.perf_counter() - started:.1f} s")
        for ticket in recorded[:10]:
            ticket_cancel(structure=structure, ticket=ticket, session=counter.session, actor=STAFF)
        for kind, amount in (("in", "50"), ("out", "30"), ("in", "20")):
            cash_move(session=counter.session, kind=kind, amount=amount, reason="Banc", actor=STAFF)
        log(
            f"session: {Ticket.objects.filter(session=counter.session).count()} tickets, "
            f"{TillPayment.objects.filter(session=counter.session).count()} till payments"
        )
        x_times = []
        for _ in range(X_RUNS):
            begin = time.perf_counter()
            report = session_report(counter.session)
            x_times.append((time.perf_counter() - begin) * 1000)
        counted = {method: f"{value:.2f}" for method, value in report.expected.items()}
        begin = time.perf_counter()
        closing = session_close(session=counter.session, counted=counted, actor=STAFF)
        elapsed = (time.perf_counter() - begin) * 1000
        log(
            f"Z n° {closing.number}: {elapsed:.1f} ms; sales {closing.sales_total} €, "
            f"difference {closing.difference} €; X report median "
            f"{statistics.median(x_times):.1f} ms"
        )
    emit(
        "z_closing_ms",
        round(elapsed, 2),
        "ms",
        GOAL_MS,
        tickets=TICKETS,
        x_report_median_ms=round(statistics.median(x_times), 2),
    )
