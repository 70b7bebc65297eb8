"""docs/permissions.md shows the permission matrix exactly as the code enforces it: every
permission, its French description, and a ✓ for each role that has it (EG-2: staff roles)."""

from __future__ import annotations

from pathlib import Path

from ponton.accounts.models import Role
from ponton.accounts.permissions import PERMISSIONS

DOC = Path(__file__).resolve().parents[3] / "docs" / "permissions.md"
CHECK = "✓"


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _unquote(cell: str) -> str:
    return cell.strip().strip("`").strip()


def parse_matrix(text: str) -> tuple[list[str], dict[str, tuple[str, frozenset[str]]]]:
    """The table whose header starts with "Permission | Description": (roles, matrix)."""
    lines = text.splitlines()
    headers = [
        i
        for i, line in enumerate(lines)
        if line.lstrip().startswith("|") and _cells(line)[:2] == ["Permission", "Description"]
    ]
    assert len(headers) == 1, "docs/permissions.md needs one '| Permission | Description |' table"
    roles = [_unquote(c) for c in _cells(lines[headers[0]])[2:]]
    matrix: dict[str, tuple[str, frozenset[str]]] = {}
    for line in lines[headers[0] + 2 :]:
        if not line.lstrip().startswith("|"):
            break
        cells = _cells(line)
        assert len(cells) == 2 + len(roles), f"wrong number of cells: {line!r}"
        code, description, marks = _unquote(cells[0]), cells[1], cells[2:]
        assert all(m in ("", CHECK) for m in marks), f"cells must be empty or {CHECK}: {line!r}"
        assert code not in matrix, f"{code} appears twice"
        matrix[code] = (
            description,
            frozenset(role for role, mark in zip(roles, marks, strict=True) if mark == CHECK),
        )
    return roles, matrix


def expected_rows() -> str:
    roles = list(Role.values)
    return "\n".join(
        f"| `{code}` | {description} | "
        + " | ".join(CHECK if role in granted else "" for role in roles)
        + " |"
        for code, (description, granted) in PERMISSIONS.items()
    )


def test_the_table_has_one_column_per_role_in_order():
    roles, _matrix = parse_matrix(DOC.read_text(encoding="utf-8"))
    assert roles == ["owner", "admin", "staff", "accountant", "cashier"]
    assert roles == list(Role.values)


def test_the_documented_matrix_equals_the_enforced_one():
    """EG-2: the documented rights are the rights the code gives, no more, no less."""
    _roles, documented = parse_matrix(DOC.read_text(encoding="utf-8"))
    enforced = {
        code: (description, frozenset(str(r) for r in roles))
        for code, (description, roles) in PERMISSIONS.items()
    }
    assert documented == enforced, (
        "docs/permissions.md is out of date; the table rows should be:\n" + expected_rows()
    )
    assert list(documented) == list(PERMISSIONS), "keep the rows in the order of PERMISSIONS"


def test_the_parser_sees_a_missing_check_mark():
    """The comparison above would notice one ✓ removed from one cell."""
    text = DOC.read_text(encoding="utf-8")
    code = "dashboard.view"
    row = next(line for line in text.splitlines() if line.startswith(f"| `{code}` |"))
    cut = row[::-1].replace(CHECK, "", 1)[::-1]  # the last ✓ of the row (a role column)
    _roles, before = parse_matrix(text)
    _roles, after = parse_matrix(text.replace(row, cut))
    assert len(before[code][1]) - len(after[code][1]) == 1
