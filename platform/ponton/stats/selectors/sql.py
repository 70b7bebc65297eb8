"""The SQL of the financial statistics that the ORM cannot say: a window function read by an
outer GROUP BY, and VAT bases allocated to lines so that they add up to the documents' own.

Revenue is what the ledger counts as sales (`ponton.billing.services.documents._save`):
invoices, purchase receipts, minus credit notes — except an invoice issued from a purchase
receipt (`receipt_to_invoice`): the receipt already counted that sale. Such an invoice shares
its order lines with a receipt's lines; `FROM_RECEIPT` names them.

A line's excl.-VAT amount: a document's base at a rate is its lines' total at that rate divided
by (1 + rate), rounded half up once (`ponton.billing.money.vat_breakdown`). Line by line, the
base of the running total minus the base of the running total before the line telescopes to
exactly that document base, so any sum of lines (by product, month, site) adds up to the
documents' bases to the cent, and VAT is TTC − HT."""

from __future__ import annotations

from ponton.billing.models import Document, DocumentLine, Payment
from ponton.catalogue.models import Product
from ponton.planning.models import Session
from ponton.sales.models import OrderLine


def _tables() -> dict[str, str]:
    return {
        "document": Document._meta.db_table,
        "line": DocumentLine._meta.db_table,
        "payment": Payment._meta.db_table,
        "order_line": OrderLine._meta.db_table,
        "session": Session._meta.db_table,
        "product": Product._meta.db_table,
    }


# Invoices issued from a purchase receipt (their sale is counted by the receipt), optionally
# only those issued in [%(since)s, %(until)s).
_FROM_RECEIPT = """
    SELECT DISTINCT il.document_id
    FROM {line} il
    JOIN {document} i ON i.id = il.document_id AND i.kind = 'invoice'
    JOIN {line} rl ON rl.order_line_id = il.order_line_id AND rl.document_id <> il.document_id
    JOIN {document} r ON r.id = rl.document_id AND r.kind = 'receipt'
    {where}
"""


def from_receipt_sql(*, in_period: bool) -> str:
    where = "WHERE i.issued_at >= %(since)s AND i.issued_at < %(until)s" if in_period else ""
    return _FROM_RECEIPT.format(where=where, **_tables())


# One row per (bucket, product, site, category, VAT rate) of the document lines issued in the
# period: signed quantity, TTC and HT (allocated as the module says). %(grouping)s is one of
# day/week/month/year; %(zone)s the structure's time zone.
_LINE_CUBE = """
SELECT bucket, product_id, site_id, category_id, vat_rate,
       SUM(sign * quantity) AS quantity,
       SUM(sign * total) AS ttc,
       SUM(sign * (ROUND(running / (1 + vat_rate / 100), 2)
                   - ROUND((running - total) / (1 + vat_rate / 100), 2))) AS ht
FROM (
    SELECT date_trunc(%(grouping)s, d.issued_at AT TIME ZONE %(zone)s)::date AS bucket,
           ol.product_id,
           COALESCE(s.site_id, p.site_id) AS site_id,
           p.category_id,
           l.vat_rate, l.total, l.quantity,
           CASE WHEN d.kind = 'credit_note' THEN -1 ELSE 1 END AS sign,
           SUM(l.total) OVER (
               PARTITION BY l.document_id, l.vat_rate ORDER BY l.position, l.id
           ) AS running
    FROM {line} l
    JOIN {document} d ON d.id = l.document_id
    LEFT JOIN {order_line} ol ON ol.id = l.order_line_id
    LEFT JOIN {session} s ON s.id = ol.session_id
    LEFT JOIN {product} p ON p.id = ol.product_id
    WHERE d.issued_at >= %(since)s AND d.issued_at < %(until)s
      AND d.id NOT IN ({from_receipt})
) lines
WHERE {filters}
GROUP BY bucket, product_id, site_id, category_id, vat_rate
"""


def line_cube_sql(*, site: bool, product: bool, categories: bool) -> str:
    """The cube's SQL; the filters (applied after the allocation, so a product's figures are
    the same filtered or not) take %(site_id)s, %(product_id)s, %(category_ids)s."""
    filters = ["TRUE"]
    if site:
        filters.append("site_id = %(site_id)s")
    if product:
        filters.append("product_id = %(product_id)s")
    if categories:
        filters.append("category_id = ANY(%(category_ids)s)")
    return _LINE_CUBE.format(
        from_receipt=from_receipt_sql(in_period=True), filters=" AND ".join(filters), **_tables()
    )


# Credit notes of the period by bucket: their number and TTC (the "Avoirs" of the refunds table).
CREDIT_NOTES = """
SELECT date_trunc(%(grouping)s, issued_at AT TIME ZONE %(zone)s)::date AS bucket,
       COUNT(*), SUM(total)
FROM {document}
WHERE kind = 'credit_note' AND issued_at >= %(since)s AND issued_at < %(until)s
GROUP BY bucket
"""


def credit_notes_sql() -> str:
    return CREDIT_NOTES.format(**_tables())


# What customers owe today, by order: what its documents ask (sales minus credit notes, the
# sale of a receipt once) minus what was paid net on any of its documents; the positive ones
# are allocated to the order's invoices and receipts, newest first (payments and credit notes
# settle the oldest first), and aged by days past each one's due date.
_OUTSTANDING = """
WITH counted AS (
    SELECT id, order_id, kind, total, due_on FROM {document}
    WHERE id NOT IN ({from_receipt})
), billed AS (
    SELECT order_id,
           SUM(CASE WHEN kind = 'credit_note' THEN -total ELSE total END) AS amount
    FROM counted GROUP BY order_id
), paid AS (
    SELECT d.order_id,
           SUM(CASE WHEN p.kind = 'payment' THEN p.amount ELSE -p.amount END) AS amount
    FROM {payment} p JOIN {document} d ON d.id = p.document_id
    GROUP BY d.order_id
), open_orders AS (
    SELECT b.order_id, b.amount - COALESCE(p.amount, 0) AS due
    FROM billed b LEFT JOIN paid p ON p.order_id = b.order_id
    WHERE b.amount - COALESCE(p.amount, 0) > 0
), sales AS (
    SELECT c.due_on, c.total, o.due,
           SUM(c.total) OVER (
               PARTITION BY c.order_id ORDER BY c.due_on DESC, c.id DESC
           ) AS newer_and_self
    FROM counted c JOIN open_orders o ON o.order_id = c.order_id
    WHERE c.kind IN ('invoice', 'receipt')
), allocated AS (
    SELECT due_on, LEAST(total, GREATEST(due - (newer_and_self - total), 0)) AS due
    FROM sales
)
SELECT CASE
         WHEN %(today)s::date - due_on < 0 THEN 0
         WHEN %(today)s::date - due_on <= 30 THEN 1
         WHEN %(today)s::date - due_on <= 60 THEN 2
         WHEN %(today)s::date - due_on <= 90 THEN 3
         ELSE 4
       END AS age, COUNT(*), SUM(due)
FROM allocated WHERE due > 0
GROUP BY age
"""


def outstanding_sql() -> str:
    return _OUTSTANDING.format(from_receipt=from_receipt_sql(in_period=False), **_tables())
