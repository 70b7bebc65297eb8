"""PL-4 exports of a participants list: pure functions from `Participant` rows to file bytes.

- CSV for French Excel: UTF-8 with a byte order mark (else Excel reads it as Windows-1252),
  ';' between fields, amounts with a decimal comma, CRLF line ends.
- Excel (.xlsx, openpyxl): amounts are real numbers formatted in euros, so a sum works at once
  (the old product exported them as text, the help centre explains "Convertir en nombre").
- Formula injection: a cell starting with '=', '@', a tab or a carriage return, or with '+' or
  '-' when it is not a phone number, is neutralised (CSV: a leading apostrophe; .xlsx: the
  cell is written as text, never as a formula), so a customer named "=HYPERLINK(...)" is only
  text in the spreadsheet."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Sequence
from decimal import Decimal

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from ponton.billing.selectors_participants import Participant

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_PHONE = re.compile(r"^[+-]?[\d .()-]+$")


def _columns() -> list[tuple[str, Callable[[Participant], object]]]:
    return [
        (_("Participant"), lambda p: p.consumer),
        (_("Payeur"), lambda p: p.payer),
        (_("Tarif"), lambda p: p.rate),
        (_("Montant"), lambda p: p.amount),
        (_("État du paiement"), lambda p: p.payment_state_label),
        (_("Email"), lambda p: p.email),
        (_("Mobile"), lambda p: p.mobile),
    ]


def headers() -> list[str]:
    return [title for title, _value in _columns()]


def _dangerous(text: str) -> bool:
    if not text:
        return False
    if text[0] in "=@\t\r":
        return True
    return text[0] in "+-" and not _PHONE.match(text)


def participants_csv(rows: Sequence[Participant]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    columns = _columns()
    writer.writerow([title for title, _value in columns])
    for row in rows:
        cells = []
        for _title, value in columns:
            cell = value(row)
            if isinstance(cell, Decimal):
                cell = f"{cell:.2f}".replace(".", ",")
            cell = str(cell)
            cells.append(f"'{cell}" if _dangerous(cell) else cell)
        writer.writerow(cells)
    return buffer.getvalue().encode("utf-8-sig")


def participants_xlsx(rows: Sequence[Participant], *, title: str = "") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = (title or _("Participants"))[:31]  # Excel's limit for a sheet name
    columns = _columns()
    sheet.append([title for title, _value in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for row_number, row in enumerate(rows, start=2):
        for column_number, (_title, value) in enumerate(columns, start=1):
            cell = sheet.cell(row=row_number, column=column_number)
            data = value(row)
            if isinstance(data, Decimal):
                cell.value = data
                cell.number_format = '#,##0.00 "€"'
            else:
                cell.value = ILLEGAL_CHARACTERS_RE.sub("", str(data))
                cell.data_type = "s"  # text, never a formula, whatever it starts with
    for letter, width in zip("ABCDEFG", (28, 28, 22, 12, 20, 30, 18), strict=True):
        sheet.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
