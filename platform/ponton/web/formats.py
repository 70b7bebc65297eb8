"""How amounts, rates and phone numbers are written for people: one place for the pages, the
PDFs and the messages (the `formats` template library wraps these).

- Money: "1 234,50 €" in French (two decimals, always grouped with Django's French no-break
  space; a plain space before "€", as in every translated message that says "%(amount)s €");
  in English the same number with English separators ("1,234.50 €").
- Percent: "20 %", "5,5 %" (no trailing zeros).
- Phones are stored in E.164 (`+33298001122`); French numbers are shown in the national
  format ("02 98 00 11 22"), others in the international format ("+44 20 7946 0958").
  Anything that is not a phone number is shown as typed."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import phonenumbers
from django.utils.formats import number_format

CENT = Decimal("0.01")


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def money_text(value) -> str:
    """Decimal("1234.5") -> "1 234,50 €" (French); "" for no value."""
    amount = _decimal(value)
    if amount is None:
        return ""
    amount = amount.quantize(CENT)
    number = number_format(amount, decimal_pos=2, use_l10n=True, force_grouping=True)
    return f"{number} €"


def percent_text(value) -> str:
    """Decimal("5.50") -> "5,5 %", Decimal("20.00") -> "20 %"; "" for no value."""
    rate = _decimal(value)
    if rate is None:
        return ""
    plain = f"{rate.normalize():f}" if rate else "0"
    return f"{number_format(Decimal(plain), use_l10n=True)} %"


def phone_text(value) -> str:
    """E.164 to display: "+33298001122" -> "02 98 00 11 22", "+442079460958" ->
    "+44 20 7946 0958"."""
    text = (value or "").strip()
    if not text:
        return ""
    try:
        number = phonenumbers.parse(text, "FR")
    except phonenumbers.NumberParseException:
        return text
    if not phonenumbers.is_valid_number(number):
        return text
    if phonenumbers.region_code_for_number(number) == "FR":
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
