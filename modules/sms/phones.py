"""SM-1: SMS go to mobile numbers only, validated with `phonenumbers` and kept as E.164."""

from __future__ import annotations

import phonenumbers
from django.utils.translation import gettext as _

MOBILE_TYPES = {
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
}


class InvalidMobileError(ValueError):
    """The French message says why the number cannot receive an SMS."""


def mobile_e164(raw: str, *, region: str = "FR") -> str:
    """`raw` as typed ("06 12 34 56 78", "+32 470 12 34 56") as E.164 ("+33612345678"), or
    InvalidMobileError: not a number, or a landline / special number that cannot receive an SMS."""
    text = (raw or "").strip()
    if not text:
        raise InvalidMobileError(_("Aucun numéro de mobile."))
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidMobileError(
            _("« %(number)s » n'est pas un numéro de téléphone.") % {"number": text}
        ) from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidMobileError(
            _("« %(number)s » n'est pas un numéro de téléphone valide.") % {"number": text}
        )
    if phonenumbers.number_type(number) not in MOBILE_TYPES:
        raise InvalidMobileError(
            _(
                "« %(number)s » n'est pas un numéro de mobile : les SMS ne peuvent être envoyés "
                "qu'à des mobiles."
            )
            % {"number": text}
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mobile_display(e164: str) -> str:
    """ "+33612345678" as "06 12 34 56 78"; other countries in international format."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    if number.country_code == 33:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
