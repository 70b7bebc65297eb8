"""`{% load compta_deposits %}`: what Compta knows of a cheque, for pages of other apps (billing
must not import compta: its document page loads this library instead)."""

from __future__ import annotations

from django import template

from ponton.compta.models.deposits import ChequeDeposit
from ponton.compta.pdf_deposits import iban_text
from ponton.compta.selectors.deposits import deposit_of_cheque

register = template.Library()


@register.simple_tag
def cheque_deposit(payment) -> ChequeDeposit | None:
    """`{% cheque_deposit payment as deposit %}`: the active deposit holding this cheque
    payment ("Remis en banque le … (RC…)"), or None (not a cheque, or not deposited)."""
    if payment.kind != "payment" or payment.method != "cheque":
        return None
    return deposit_of_cheque(payment_id=payment.pk)


@register.filter
def iban(value: str) -> str:
    """ "FR7630006000011234567890189" -> "FR76 3000 6000 0112 3456 7890 189"."""
    return iban_text(value or "")
