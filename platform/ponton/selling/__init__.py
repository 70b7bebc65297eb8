"""The selling path: one public, typed entry point per step, the same for every channel (the
Club Manager, the API, the MarketPlace, the till). docs/adr/0011.

    basket_price   prepare a basket: every check, the mandatory associated products added,
                   every line priced by the server (nothing written, nothing taken)
    order_place    place the order (or the quote): seats and stock taken, numbered, the
                   minimum participants threshold applied (OR-10)
    quote_to_order "Commander" on a quote
    invoice        invoice lines of an order
    pay            record a payment (or a refund) on a document
    sale_complete  order + invoice + payments at once (the till, integrations, the shop's
                   confirmed card payment)
    line_cancel    cancel a line (credit note if invoiced), its seats or stock released
    line_replace   replace a line by another session / product
    receipt_to_invoice "Facture" on a purchase receipt (a till ticket's)

Holds of the online basket (hold, release) live in `ponton.selling.holds`; the online
checkout in `ponton.selling.checkout`."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ponton.selling.services import (
        Actor,
        BillingError,
        CompletedSale,
        LineRequest,
        PaymentData,
        PricedBasket,
        SaleError,
        SoldOutError,
        basket_price,
        invoice,
        line_cancel,
        line_replace,
        order_place,
        pay,
        quote_to_order,
        receipt_to_invoice,
        sale_complete,
    )

__all__ = [
    "Actor",
    "BillingError",
    "CompletedSale",
    "LineRequest",
    "PaymentData",
    "PricedBasket",
    "SaleError",
    "SoldOutError",
    "basket_price",
    "invoice",
    "line_cancel",
    "line_replace",
    "order_place",
    "pay",
    "quote_to_order",
    "receipt_to_invoice",
    "sale_complete",
]


def __getattr__(name: str):
    """The names above, imported on first use: this package is also the `selling` Django app,
    which Django imports before the models are ready."""
    if name in __all__:
        from ponton.selling import services

        return getattr(services, name)
    raise AttributeError(f"module 'ponton.selling' has no attribute {name!r}")
