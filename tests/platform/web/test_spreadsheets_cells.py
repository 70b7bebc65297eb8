"""CO-2: the cells `web.spreadsheets.write_xlsx` writes on its fast path keep their types:
money and counts are numbers with their formats, dates are dates, empty values are empty
cells, and a text openpyxl would take for a formula ("=…") or an error ("#N/A") stays text."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import openpyxl

from ponton.web.spreadsheets import MONEY_FORMAT, Column, xlsx_bytes

COLUMNS = [
    Column("Texte", "text", lambda r: r[0]),
    Column("Montant", "money", lambda r: r[1]),
    Column("Date", "date", lambda r: r[2]),
    Column("Nombre", "integer", lambda r: r[3]),
]


def test_co2_fast_cells_keep_types_and_never_write_formulas():
    rows = [
        ("#N/A", Decimal("1.50"), dt.date(2026, 1, 2), 3),
        ("=1+2", None, None, None),
        ("+33 6 12 34 56 78", Decimal("-2.00"), dt.date(2026, 1, 3), 0),
        ("Chèque", Decimal("1234.56"), dt.date(2026, 12, 6), 12),
    ]
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(COLUMNS, rows, title="Essai"))).active
    cells = [
        [(c.value, c.data_type, c.number_format) for c in row] for row in sheet.iter_rows(min_row=2)
    ]
    assert cells[0] == [
        ("#N/A", "s", "General"),
        (1.5, "n", MONEY_FORMAT),
        (dt.datetime(2026, 1, 2), "d", "DD/MM/YYYY"),
        (3, "n", "0"),
    ]
    assert cells[1][0] == ("=1+2", "s", "General")
    assert [value for value, _type, _format in cells[1][1:]] == [None, None, None]
    assert cells[2][0] == ("+33 6 12 34 56 78", "s", "General")
    assert cells[2][1] == (-2, "n", MONEY_FORMAT)
    assert cells[3] == [
        ("Chèque", "s", "General"),
        (1234.56, "n", MONEY_FORMAT),
        (dt.datetime(2026, 12, 6), "d", "DD/MM/YYYY"),
        (12, "n", "0"),
    ]
