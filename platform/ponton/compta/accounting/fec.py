"""The FEC, fichier des écritures comptables (CO-3): LPF art. A47 A-1, BOI-CF-IOR-60-40-20.

- A flat file, one record per entry line, records ended by CR LF; the first record holds the
  18 field names, in the order of the article: JournalCode … Idevise.
- One zone separator, "|" (the BOI allows "|" or a tab); text zones never contain it (nor
  tabs or line ends: they are replaced by a space).
- ISO 8859-15; a character outside it (a typographic apostrophe, an emoji) is written as its
  nearest plain equivalent, or "?".
- Dates AAAAMMJJ; amounts in two zones, Debit and Credit, with a decimal comma and no
  thousands separator ("1234,50"; "0,00" on the other side).
- No centralisation entries: one entry per document or payment, numbered on one continuous
  sequence (EcritureNum 1, 2, 3 …) in date order; ValidDate is the day the entry became
  final. Amounts in euros: Montantdevise and Idevise are left empty.
- Named <SIREN>FEC<AAAAMMJJ>.txt, the date being the period's closing date (its end).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import IO

from django.utils.translation import gettext as _

from ponton.compta.accounting.entries import Entry, Period

FEC_COLUMNS = (
    "JournalCode",
    "JournalLib",
    "EcritureNum",
    "EcritureDate",
    "CompteNum",
    "CompteLib",
    "CompAuxNum",
    "CompAuxLib",
    "PieceRef",
    "PieceDate",
    "EcritureLib",
    "Debit",
    "Credit",
    "EcritureLet",
    "DateLet",
    "ValidDate",
    "Montantdevise",
    "Idevise",
)
SEPARATOR = "|"
ENCODING = "iso-8859-15"
RECORD_END = "\r\n"
CONTENT_TYPE = "text/plain; charset=iso-8859-15"

_FORBIDDEN = re.compile(r"[|\t\r\n]+")
_PLAIN = str.maketrans(
    {
        "\u2019": "'",
        "\u2018": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
        "\u00a0": " ",
        "\u202f": " ",
    }
)


class FecError(Exception):
    """A FEC that cannot be written, with a French message."""


def fec_text(value: str) -> str:
    """A text zone: no separator, tab or line end; typographic signs made plain."""
    return _FORBIDDEN.sub(" ", value.translate(_PLAIN)).strip()


def fec_date(value: dt.date) -> str:
    return value.strftime("%Y%m%d")


def fec_amount(value: Decimal) -> str:
    return f"{value:.2f}".replace(".", ",")


def structure_siren(structure) -> str:
    """The SIREN (first 9 digits of the SIRET), or FecError with what to do."""
    digits = re.sub(r"\D", "", structure.siret or "")
    if len(digits) < 9:
        raise FecError(
            _(
                "Le FEC porte le SIREN de la structure, qui n'est pas renseigné : indiquez "
                "votre numéro SIRET dans Paramètres > Ma structure, puis recommencez."
            )
        )
    return digits[:9]


def fec_filename(*, siren: str, period: Period) -> str:
    return f"{siren}FEC{fec_date(period.end)}.txt"


class _Memo(dict):
    """A zone's text for values that repeat (accounts, customers, journals, dates)."""

    def __init__(self, make):
        super().__init__()
        self.make = make

    def __missing__(self, key):
        value = self[key] = self.make(key)
        return value


def fec_records(entries: Iterable[Entry]) -> Iterable[str]:
    """The header, then one record per entry line; entries numbered continuously from 1."""
    yield SEPARATOR.join(FEC_COLUMNS) + RECORD_END
    text, date, amount = _Memo(fec_text), _Memo(fec_date), _Memo(fec_amount)
    sep = SEPARATOR
    for number, entry in enumerate(entries, start=1):
        head = (
            f"{text[entry.journal_code]}{sep}{text[entry.journal_label]}{sep}{number}{sep}"
            f"{date[entry.date]}{sep}"
        )
        piece = f"{sep}{text[entry.piece_ref]}{sep}{date[entry.piece_date]}{sep}"
        tail = f"{sep}{sep}{sep}{date[entry.valid_date]}{sep}{sep}{RECORD_END}"
        label = fec_text(entry.label)
        for item in entry.lines:
            line_label = label if item.label is entry.label else fec_text(item.label)
            yield (
                f"{head}{item.account}{sep}{text[item.account_label]}{sep}"
                f"{text[item.aux_number]}{sep}{text[item.aux_label]}{piece}{line_label}{sep}"
                f"{amount[item.debit]}{sep}{amount[item.credit]}{tail}"
            )


@dataclass(frozen=True)
class FecSummary:
    name: str
    entries: int
    lines: int


def fec_write(
    *, entries: Iterable[Entry], out: IO[bytes], buffer_records: int = 2000
) -> tuple[int, int]:
    """Write the FEC of `entries` to `out` (binary, ISO 8859-15); returns the numbers of
    entries and of records after the header."""
    counted = [0]

    def counting(items: Iterable[Entry]) -> Iterable[Entry]:
        for entry in items:
            counted[0] += 1
            yield entry

    chunk: list[str] = []
    records = -1
    for record in fec_records(counting(entries)):
        chunk.append(record)
        records += 1
        if len(chunk) >= buffer_records:
            out.write("".join(chunk).encode(ENCODING, errors="replace"))
            chunk.clear()
    out.write("".join(chunk).encode(ENCODING, errors="replace"))
    return counted[0], records
