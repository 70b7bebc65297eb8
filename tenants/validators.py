"""Validation of what structures type and upload, with French messages."""

from __future__ import annotations

import io
import re

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import Image, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import PdfReadError
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

ALLOWED_IMAGE_FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}
POSTAL_CODE_RE = re.compile(r"^(?:0[1-9]|[1-8]\d|9[0-8])\d{3}$")


def _size_label(n: int) -> str:
    return f"{n // (1024 * 1024)} Mo"


def validate_image_upload(upload) -> None:
    """The file is a real image (read by Pillow, whatever its name says), within the size limit."""
    if upload.size > settings.MAX_IMAGE_BYTES:
        raise ValidationError(
            "L'image dépasse la taille maximale de %(max)s.",
            params={"max": _size_label(settings.MAX_IMAGE_BYTES)},
            code="too_big",
        )
    upload.seek(0)
    try:
        with Image.open(upload) as image:
            fmt = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(
            "Ce fichier n'est pas une image valide (JPEG, PNG, GIF ou WebP).", code="not_image"
        ) from exc
    finally:
        upload.seek(0)
    if fmt not in ALLOWED_IMAGE_FORMATS:
        raise ValidationError(
            "Format d'image non accepté : utilisez JPEG, PNG, GIF ou WebP.", code="format"
        )


def validate_pdf_upload(upload) -> None:
    """The file is a real, readable PDF within the size limit."""
    if upload.size > settings.MAX_PDF_BYTES:
        raise ValidationError(
            "Le PDF dépasse la taille maximale de %(max)s.",
            params={"max": _size_label(settings.MAX_PDF_BYTES)},
            code="too_big",
        )
    upload.seek(0)
    head = upload.read(5)
    upload.seek(0)
    if head != b"%PDF-":
        raise ValidationError("Ce fichier n'est pas un PDF.", code="not_pdf")
    try:
        reader = PdfReader(io.BytesIO(upload.read()))
        if len(reader.pages) == 0:
            raise ValidationError("Ce PDF ne contient aucune page.", code="empty_pdf")
    except (PdfReadError, ValueError, KeyError, OSError) as exc:
        raise ValidationError("Ce PDF est illisible ou endommagé.", code="bad_pdf") from exc
    finally:
        upload.seek(0)


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def normalize_siret(value: str) -> str:
    return re.sub(r"[\s.]", "", value or "")


def validate_siret(value: str) -> None:
    siret = normalize_siret(value)
    if not re.fullmatch(r"\d{14}", siret):
        raise ValidationError("Le SIRET doit comporter 14 chiffres.", code="siret_length")
    # La Poste's establishments (SIREN 356000000) use a digit sum rule instead of Luhn.
    if siret.startswith("356000000"):
        if sum(int(c) for c in siret) % 5 != 0:
            raise ValidationError("Ce numéro SIRET n'est pas valide.", code="siret_checksum")
        return
    if not luhn_ok(siret):
        raise ValidationError(
            "Ce numéro SIRET n'est pas valide (clé de contrôle).", code="siret_checksum"
        )


def normalize_french_phone(value: str) -> str:
    """Return the number in E.164 (+33…), or raise ValidationError."""
    try:
        number = phonenumbers.parse(value, "FR")
    except phonenumbers.NumberParseException as exc:
        raise ValidationError("Numéro de téléphone invalide.", code="phone") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError("Numéro de téléphone invalide.", code="phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def validate_postal_code(value: str) -> None:
    if not POSTAL_CODE_RE.match(value or ""):
        raise ValidationError(
            "Le code postal doit comporter 5 chiffres (ex. 29200).", code="postal_code"
        )


def validate_latitude(value) -> None:
    if value is not None and not (-90 <= value <= 90):
        raise ValidationError("La latitude doit être comprise entre -90 et 90.", code="latitude")


def validate_longitude(value) -> None:
    if value is not None and not (-180 <= value <= 180):
        raise ValidationError(
            "La longitude doit être comprise entre -180 et 180.", code="longitude"
        )


def normalize_iban(value: str) -> str:
    try:
        return IBAN(value).compact
    except SchwiftyException as exc:
        raise ValidationError("Cet IBAN n'est pas valide.", code="iban") from exc


def normalize_bic(value: str) -> str:
    try:
        return BIC(value).compact
    except SchwiftyException as exc:
        raise ValidationError("Ce BIC n'est pas valide.", code="bic") from exc
