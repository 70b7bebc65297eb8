"""Billing documents benchmark (OR-7).

invoice_pdf_ms: render one invoice (three lines, two VAT rates) as a Factur-X PDF: the
Django template, WeasyPrint (PDF/A-3b), the EN 16931 XML built and checked against the XSD,
embedded by `factur-x`; median of 20 runs after one warm-up (fonts, templates, XSD loaded).
"""

from __future__ import annotations

import statistics
import sys
import time
from decimal import Decimal

RUNS = 20
GOAL_MS = 500


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def bench_invoice_pdf_ms(*, env: dict[str, str], emit) -> None:
    from django_tenants.utils import schema_context

    from ponton.billing.pdf import document_pdf
    from ponton.billing.services import invoice_issue
    from ponton.sales.services import LineRequest, order_create
    from tenants.services import StructureData, structure_create
    from tests.support.sales import STAFF, make_shop

    stamp = int(time.time())
    structure, _owner = structure_create(
        data=StructureData(
            name="Club des factures",
            slug=f"factures{stamp}",
            owner_email=f"o@f{stamp}.test",
            profile={
                "legal_name": "Association Nautique",
                "siret": "78467169500087",
                "vat_number": "FR32784671695",
                "address_line1": "1 quai de la Croix",
                "postal_code": "29900",
                "city": "Concarneau",
            },
        )
    )
    with schema_context(structure.schema_name):
        shop = make_shop()
        order = order_create(
            payer=shop.payer,
            lines=[
                LineRequest(
                    product=shop.activity,
                    session=shop.session,
                    rate=shop.adult,
                    consumer=shop.child_customer,
                    quantity=2,
                ),
                LineRequest(product=shop.shirt, quantity=1),
                LineRequest(
                    label="Location de combinaison",
                    unit_price=Decimal("12.50"),
                    vat_rate=Decimal("5.5"),
                    accounting_code="706300",
                ),
            ],
            actor=STAFF,
        )
        invoice = invoice_issue(
            structure=structure,
            order=order,
            line_ids=[line.pk for line in order.lines.all()],
            actor=STAFF,
        )
        size = len(document_pdf(invoice))  # warm-up
        times = []
        for _ in range(RUNS):
            t0 = time.perf_counter()
            document_pdf(invoice)
            times.append((time.perf_counter() - t0) * 1000)
    log(
        f"  invoice PDF ({size} bytes): median {statistics.median(times):.1f} ms, "
        f"min {min(times):.1f} ms, max {max(times):.1f} ms"
    )
    emit(
        "invoice_pdf_ms",
        round(statistics.median(times), 1),
        "ms",
        GOAL_MS,
        max=round(max(times), 1),
        bytes=size,
        runs=RUNS,
    )
