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
documents' bases to the cent, and VAT is TTC − HT.

Past days are read from their summary (`ponton.stats.models`, docs/adr/0018), the others from
the documents: `_CUBE` reads both at once."""

from __future__ import annotations

from ponton.billing.models import Document, DocumentLine, Payment
from ponton.catalogue.models import Product
from ponton.planning.models import Session
from ponton.sales.models import OrderLine
from ponton.stats.models import RevenueDay


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
# only those issued in [%(live_since)s, %(live_until)s).
_FROM_RECEIPT = """
    SELECT DISTINCT il.document_id
    FROM {line} il
    JOIN {document} i ON i.id = il.document_id AND i.kind = 'invoice'
    JOIN {line} rl ON rl.order_line_id = il.order_line_id AND rl.document_id <> il.document_id
    JOIN {document} r ON r.id = rl.document_id AND r.kind = 'receipt'
    {where}
"""


def from_receipt_sql(*, in_period: bool) -> str:
    where = (
        "WHERE i.issued_at >= %(live_since)s AND i.issued_at < %(live_until)s" if in_period else ""
    )
    return _FROM_RECEIPT.format(where=where, **_tables())


# The revenue lines of the documents issued in [%(live_since)s, %(live_until)s): their Paris
# day, product, session site, VAT rate, and signed quantity, TTC and HT (allocated as the
# module says); credit notes negative.
_LINES = """
SELECT day, product_id, session_site_id, vat_rate,
       sign * quantity AS quantity,
       sign * total AS ttc,
       sign * (ROUND(running / (1 + vat_rate / 100), 2)
               - ROUND((running - total) / (1 + vat_rate / 100), 2)) AS ht
FROM (
    SELECT (d.issued_at AT TIME ZONE %(zone)s)::date AS day,
           ol.product_id,
           s.site_id AS session_site_id,
           l.vat_rate, l.total, l.quantity,
           CASE WHEN d.kind = 'credit_note' THEN -1 ELSE 1 END AS sign,
           SUM(l.total) OVER (
               PARTITION BY l.document_id, l.vat_rate ORDER BY l.position, l.id
           ) AS running
    FROM {line} l
    JOIN {document} d ON d.id = l.document_id
    LEFT JOIN {order_line} ol ON ol.id = l.order_line_id
    LEFT JOIN {session} s ON s.id = ol.session_id
    WHERE d.issued_at >= %(live_since)s AND d.issued_at < %(live_until)s
      AND d.id NOT IN ({from_receipt})
) lines
"""


def lines_sql() -> str:
    return _LINES.format(from_receipt=from_receipt_sql(in_period=True), **_tables())


# The summary of whole days (ponton.stats.models.RevenueDay): the lines grouped by day.
_SUMMARIZE = """
INSERT INTO {summary} (day, product_id, session_site_id, vat_rate, quantity, ttc, ht)
SELECT day, product_id, session_site_id, vat_rate, SUM(quantity), SUM(ttc), SUM(ht)
FROM ({lines}) facts
GROUP BY day, product_id, session_site_id, vat_rate
"""


def summarize_sql() -> str:
    return _SUMMARIZE.format(summary=RevenueDay._meta.db_table, lines=lines_sql())


# One row per (bucket, product, site, category, VAT rate): the summarized days in
# [%(summary_from)s, %(summary_to)s) and the documents' lines of the live range. The site is
# the session's, else the product's; product and category as the catalogue says today.
_CUBE = """
SELECT date_trunc(%(grouping)s, f.day)::date AS bucket,
       f.product_id,
       COALESCE(f.session_site_id, p.site_id) AS site_id,
       p.category_id,
       f.vat_rate,
       SUM(f.quantity), SUM(f.ttc), SUM(f.ht)
FROM (
    SELECT day, product_id, session_site_id, vat_rate, quantity, ttc, ht
    FROM {summary} WHERE day >= %(summary_from)s AND day < %(summary_to)s
    {live}
) f
LEFT JOIN {product} p ON p.id = f.product_id
WHERE {filters}
GROUP BY 1, 2, 3, 4, 5
"""


_LIVE = """
    UNION ALL
    SELECT day, product_id, session_site_id, vat_rate, quantity, ttc, ht FROM ({lines}) live
"""


def line_cube_sql(*, site: bool, product: bool, categories: bool, live: bool = True) -> str:
    """The cube's SQL; the filters (applied after the allocation, so a product's figures are
    the same filtered or not) take %(site_id)s, %(product_id)s, %(category_ids)s. Without
    `live` (the period is summarized whole) the documents are not read at all."""
    filters = ["TRUE"]
    if site:
        filters.append("COALESCE(f.session_site_id, p.site_id) = %(site_id)s")
    if product:
        filters.append("f.product_id = %(product_id)s")
    if categories:
        filters.append("p.category_id = ANY(%(category_ids)s)")
    return _CUBE.format(
        summary=RevenueDay._meta.db_table,
        live=_LIVE.format(lines=lines_sql()) if live else "",
        filters=" AND ".join(filters),
        **_tables(),
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
# settle the oldest first), and aged by days past each one's due date. Only orders with a
# document not settled by its own payments can owe anything (a receipt's invoice shares the
# receipt's sale, so it only lowers what is owed): the others are not summed (twice as fast).
_OUTSTANDING = """
WITH paid AS (
    SELECT document_id,
           SUM(CASE WHEN kind = 'payment' THEN amount ELSE -amount END) AS amount
    FROM {payment} GROUP BY document_id
), open_documents AS (
    SELECT d.order_id
    FROM {document} d LEFT JOIN paid p ON p.document_id = d.id
    WHERE CASE WHEN d.kind = 'credit_note' THEN -d.total ELSE d.total END
          <> COALESCE(p.amount, 0)
), counted AS (
    SELECT id, order_id, kind, total, due_on FROM {document}
    WHERE order_id IN (SELECT order_id FROM open_documents)
      AND id NOT IN ({from_receipt})
), billed AS (
    SELECT order_id,
           SUM(CASE WHEN kind = 'credit_note' THEN -total ELSE total END) AS amount
    FROM counted GROUP BY order_id
), order_paid AS (
    SELECT d.order_id, SUM(p.amount) AS amount
    FROM paid p JOIN {document} d ON d.id = p.document_id
    WHERE d.order_id IN (SELECT order_id FROM open_documents)
    GROUP BY d.order_id
), open_orders AS (
    SELECT b.order_id, b.amount - COALESCE(p.amount, 0) AS due
    FROM billed b LEFT JOIN order_paid p ON p.order_id = b.order_id
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
