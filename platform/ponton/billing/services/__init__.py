"""Writes of billing: documents (invoices, credit notes, cancellations, replacements) and
payments. Each function is one transaction that writes the document or payment, its lines,
the order's history and the ledger entry together."""

from ponton.billing.services.documents import (
    BillingError,
    FreeDiscount,
    customer_of,
    invoice_issue,
    line_cancel,
    line_replace,
    seller_of,
)
from ponton.billing.services.payments import (
    PaymentData,
    change_message,
    payment_by_credit_note,
    payment_record,
)
from ponton.billing.services.receipts import receipt_issue, receipt_to_invoice

__all__ = [
    "BillingError",
    "FreeDiscount",
    "PaymentData",
    "change_message",
    "customer_of",
    "invoice_issue",
    "line_cancel",
    "line_replace",
    "payment_by_credit_note",
    "payment_record",
    "receipt_issue",
    "receipt_to_invoice",
    "seller_of",
]
