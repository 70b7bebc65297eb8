"""The deposit slip ("bordereau de remise de chèques", CO-1) as a printable A4 PDF, rendered
by WeasyPrint from `compta/pdf/deposit_slip.html`, always in French: the structure's identity
(name, address, SIRET), the bank account (holder, IBAN, BIC), the deposit's number and date,
one line per cheque (bank, number, issuer, amount), the count and the total. A cancelled
deposit's slip says "ANNULÉE" on top and across the page."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone, translation

from ponton.billing.services import seller_of
from ponton.compta.models.deposits import ChequeDeposit
from ponton.compta.selectors.deposits import deposit_lines


def iban_text(iban: str) -> str:
    """ "FR7630006000011234567890189" -> "FR76 3000 6000 0112 3456 7890 189"."""
    compact = iban.replace(" ", "")
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def deposit_slip_context(*, deposit: ChequeDeposit, structure) -> dict:
    account = deposit.bank_account
    return {
        "deposit": deposit,
        "structure": seller_of(structure),
        "account": account,
        "iban": iban_text(account.iban),
        "lines": deposit_lines(deposit=deposit),
        "cancelled_on": (
            timezone.localtime(deposit.cancelled_at) if deposit.cancelled_at else None
        ),
        "printed_on": timezone.localdate(),
    }


def deposit_slip_pdf(*, deposit: ChequeDeposit, structure) -> bytes:
    from weasyprint import HTML

    with translation.override("fr"):
        html = render_to_string(
            "compta/pdf/deposit_slip.html",
            deposit_slip_context(deposit=deposit, structure=structure),
        )
    return HTML(string=html).write_pdf(pdf_identifier=False)


def filename(deposit: ChequeDeposit) -> str:
    return f"bordereau-{deposit.number}.pdf"
