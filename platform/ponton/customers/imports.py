"""CU-1: import customers from a CSV file (Clients > Importer).

UTF-8 (with or without BOM), ";" or "," separator, French headers (case and accents ignored):
nom, prénom, email, mobile, téléphone, date de naissance (JJ/MM/AAAA), adresse, code postal,
ville. Each row is checked; refused rows come back with their line number and a French reason;
the valid rows are created together in one transaction (none when the file is unreadable).
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from ponton.customers.models import Address, Customer
from ponton.customers.services import CustomerError
from tenants.validators import normalize_french_phone, validate_postal_code

MAX_ROWS = 20_000
DATE_RE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
HEADERS = {
    "nom": "last_name",
    "prenom": "first_name",
    "email": "email",
    "mobile": "mobile",
    "telephone": "phone",
    "date de naissance": "birth_date",
    "adresse": "line1",
    "code postal": "postal_code",
    "ville": "city",
}


@dataclass
class ImportReport:
    created: int = 0
    refused: list[tuple[int, str, str]] = field(default_factory=list)  # (line, name, reason)


def _key(header: str) -> str:
    plain = unicodedata.normalize("NFKD", header.strip().lower())
    return " ".join("".join(c for c in plain if not unicodedata.combining(c)).split())


def _read(content: bytes) -> list[tuple[int, dict[str, str]]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CustomerError(
            _("Le fichier n'est pas un CSV en UTF-8 : enregistrez-le en « CSV UTF-8 ».")
        ) from exc
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise CustomerError(_("Le fichier est vide."))
    delimiter = ";" if lines[0].count(";") >= lines[0].count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = [HEADERS.get(_key(h), "") for h in next(reader)]
        if "last_name" not in header or "first_name" not in header:
            raise CustomerError(
                _("La première ligne doit nommer les colonnes, dont « nom » et « prénom ».")
            )
        rows = []
        for number, values in enumerate(reader, start=2):
            if not any(v.strip() for v in values):
                continue
            row = dict.fromkeys(HEADERS.values(), "")
            for name, value in zip(header, values, strict=False):
                if name:
                    row[name] = value.strip()
            rows.append((number, row))
            if len(rows) > MAX_ROWS:
                raise CustomerError(
                    _("Le fichier dépasse %(max)s lignes : découpez-le.") % {"max": MAX_ROWS}
                )
    except csv.Error as exc:
        raise CustomerError(_("Le fichier CSV est illisible.")) from exc
    return rows


def _check(row: dict[str, Any], seen: dict[str, int], known: set[str]) -> str:
    """The French reason the row is refused, or "" (cleans the row in place)."""
    if not row["last_name"] or not row["first_name"]:
        return _("Nom ou prénom manquant.")
    email = row["email"].lower()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            return _("Email invalide : %(email)s.") % {"email": row["email"]}
        if email in seen:
            return _("Email en double dans le fichier (déjà ligne %(line)s).") % {
                "line": seen[email]
            }
        if email in known:
            return _("Un client a déjà l'email %(email)s.") % {"email": email}
    row["email"] = email
    for name, label in (("mobile", _("Mobile")), ("phone", _("Téléphone"))):
        if row[name]:
            try:
                row[name] = normalize_french_phone(row[name])
            except ValidationError:
                return _("%(field)s invalide : %(value)s.") % {"field": label, "value": row[name]}
    if row["birth_date"]:
        try:
            day, month, year = (int(p) for p in DATE_RE.fullmatch(row["birth_date"]).groups())  # type: ignore[union-attr]
            row["birth_date"] = datetime.date(year, month, day)
        except (AttributeError, ValueError):
            return _("Date de naissance invalide : %(value)s (attendu JJ/MM/AAAA).") % {
                "value": row["birth_date"]
            }
    else:
        row["birth_date"] = None
    if row["line1"] or row["postal_code"] or row["city"]:
        if not (row["line1"] and row["postal_code"] and row["city"]):
            return _("Adresse incomplète : indiquez l'adresse, le code postal et la ville.")
        try:
            validate_postal_code(row["postal_code"])
        except ValidationError:
            return _("Code postal invalide : %(value)s (5 chiffres).") % {
                "value": row["postal_code"]
            }
    return ""


@transaction.atomic
def customers_import(*, content: bytes) -> ImportReport:
    """CU-1: create the valid rows of the CSV `content` (one transaction), report the others.
    Raises CustomerError (nothing created) when the file itself is unreadable."""
    rows = _read(content)
    emails = {row["email"].lower() for _n, row in rows if row["email"]}
    known = set(Customer.objects.filter(email__in=emails).values_list("email", flat=True))
    report = ImportReport()
    seen: dict[str, int] = {}
    valid = []
    for number, row in rows:
        reason = _check(row, seen, known)
        if reason:
            name = f"{row['first_name']} {row['last_name']}".strip()
            report.refused.append((number, name, reason))
            continue
        if row["email"]:
            seen[row["email"]] = number
        valid.append(row)
    customers = Customer.objects.bulk_create(
        Customer(
            first_name=row["first_name"],
            last_name=row["last_name"],
            email=row["email"],
            mobile=row["mobile"],
            phone=row["phone"],
            birth_date=row["birth_date"],
        )
        for row in valid
    )
    Address.objects.bulk_create(
        Address(
            customer=customer,
            line1=row["line1"],
            postal_code=row["postal_code"],
            city=row["city"],
        )
        for customer, row in zip(customers, valid, strict=True)
        if row["line1"]
    )
    report.created = len(customers)
    return report
