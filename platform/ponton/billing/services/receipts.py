"""Purchase receipts ("justificatifs d'achat") and their invoice on request (OR-7).

A purchase receipt proves a sale, like a till ticket: it is a billing document of kind
`receipt`, numbered RE-<year>-<n> without gaps, issued whole in one transaction, never
changed afterwards (database triggers), and appended to the ledger as a sale (kind
`receipt`, sales effect + its total). Its lines become "facturé" like invoiced lines, so
they cannot be invoiced a second time, cancelling one issues a credit note that cites the
receipt, and payments are recorded on the receipt ("Ajouter un paiement").

"Facture" on a receipt (the customer asks for an invoice) issues an invoice FA-… for the
same lines, with the same amounts, that cites the receipt. The sale was already counted
by the receipt, so the invoice's ledger entry has no sales effect (0): the perpetual sales
total counts the sale once. The receipt and its invoice share one balance: a payment on
either counts for both, and the order's balance counts the sale once
(`ponton.billing.selectors.sale_twin`). A receipt is turned into an invoice once; a
receipt with a cancelled line is not (its credit note already corrects it)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ponton.billing import selectors
from ponton.billing.models import Document
from ponton.billing.services.documents import (
    BillingError,
    _issue,
    _Line,
    _LinesDocument,
    issue_for_lines,
)
from ponton.sales import services as sales
from ponton.sales.models import Order, OrderLine
from ponton.sales.services import Actor


def receipt_spec() -> _LinesDocument:
    """A purchase receipt of ordered lines (its messages in the active language)."""
    return _LinesDocument(
        kind=Document.Kind.RECEIPT,
        refuse_quote=_("Un devis n'a pas de justificatif d'achat : commandez-le d'abord."),
        refuse_empty=_("Sélectionnez au moins une ligne."),
        refuse_state=_(
            "« %(label)s » est à l'état « %(state)s » : seules les lignes commandées "
            "reçoivent un justificatif d'achat."
        ),
        action="receipt",
        message=_("Justificatif d'achat %(number)s émis (%(total)s €)."),
    )


@transaction.atomic
def receipt_issue(
    *, structure, order: Order, line_ids: list[int], actor: Actor, note: str = ""
) -> Document:
    """A purchase receipt (RE-…) for the selected "commandé" lines: a sale, in the ledger."""
    spec = receipt_spec()
    return issue_for_lines(
        spec=spec, structure=structure, order=order, line_ids=line_ids, actor=actor, note=note
    )


@transaction.atomic
def receipt_to_invoice(*, structure, receipt: Document, actor: Actor, note: str = "") -> Document:
    """On a purchase receipt, "Facture": the invoice of the same lines, once. No second
    sales effect in the ledger (the receipt counted the sale)."""
    # The order row is the lock every document of the order is issued under.
    order = Order.objects.select_for_update().select_related("payer").get(pk=receipt.order_id)
    receipt = Document.objects.get(pk=receipt.pk)
    if receipt.kind != Document.Kind.RECEIPT:
        raise BillingError(_("Seul un justificatif d'achat se transforme en facture."))
    existing = selectors.sale_twin(document=receipt)
    if existing is not None:
        raise BillingError(
            _("Ce justificatif d'achat a déjà été transformé en facture (%(number)s).")
            % {"number": existing.number}
        )
    receipt_lines = list(receipt.lines.select_related("order_line__product").order_by("position"))
    if any(
        line.order_line is not None and line.order_line.state == OrderLine.State.CANCELLED
        for line in receipt_lines
    ):
        raise BillingError(
            _(
                "Une ligne de ce justificatif d'achat a été annulée : il ne peut plus être "
                "transformé en facture."
            )
        )
    lines = [
        _Line(
            order_line=line.order_line,
            label=line.label,
            quantity=line.quantity,
            unit_price=line.unit_price,
            discount=line.discount,
            vat_rate=line.vat_rate,
            accounting_code=line.accounting_code,
            vat_exemption=line.vat_exemption,
        )
        for line in receipt_lines
    ]
    if not note:
        with translation.override("fr"):  # the document's own words stay French
            note = _("Facture établie d'après le justificatif d'achat %(number)s du %(day)s.") % {
                "number": receipt.number,
                "day": timezone.localdate(receipt.issued_at).strftime("%d/%m/%Y"),
            }
    # The sale was counted by the receipt: this entry records the invoice, not a new sale.
    invoice = _issue(
        structure=structure,
        kind=Document.Kind.INVOICE,
        order=order,
        lines=lines,
        actor=actor,
        note=note,
        ledger_extra={"receipt": receipt.number},
        counts_as_sale=False,
    )
    sales.history_add(
        order=order,
        actor=actor,
        action="invoiced",
        message=_("Facture %(number)s émise d'après le justificatif d'achat %(receipt)s.")
        % {"number": invoice.number, "receipt": receipt.number},
        data={"document": invoice.number, "receipt": receipt.number},
    )
    return invoice
