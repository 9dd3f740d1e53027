"""What makes a file safe and readable in Excel and WPS: the one formula guard, and
CSV written the way Excel's own "CSV UTF-8（逗号分隔）" writes it (UTF-8 with a BOM,
CRLF line ends), so a double-click opens it with its Chinese intact.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from datetime import date

# A text cell starting with one of these is run as a formula when Excel opens the CSV.
FORMULA_STARTS = {"=": "=", "+": "+", "-": "-", "@": "@", "\t": "制表符", "\r": "回车符"}
BOM = "\ufeff"


def formula_start(text: str) -> str | None:
    """How a text cell would start a formula in Excel ("=", "制表符", ...), or None when it would not."""
    return FORMULA_STARTS.get(text[:1]) if text else None


class FormulaCell(ValueError):
    """A text cell that would run as a formula; validation should have refused it."""


def cell_text(value: object, *, guard: bool = True) -> str:
    """A cell's text: numbers in their shortest exact form, booleans as true/false, dates ISO, empty for None.

    With guard, text Excel would run as a formula raises FormulaCell.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        text = value
    elif isinstance(value, bool):
        return "true" if value else "false"
    elif isinstance(value, int):
        return str(value)
    elif isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    elif isinstance(value, date):
        return value.isoformat()
    else:
        text = str(value)
    if guard and formula_start(text) is not None:
        raise FormulaCell(text)
    return text


def csv_bytes(columns: Sequence[str], rows: Iterable[Mapping], *, unguarded: Iterable[str] = ()) -> bytes:
    """A CSV as Excel writes "CSV UTF-8": BOM, CRLF, header row first; every text cell guarded against formulas.

    unguarded: columns of a closed vocabulary (e.g. comparator "="), which validation has checked.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    skip = set(unguarded)
    guarded = [(column, column not in skip) for column in columns]
    for row in rows:
        writer.writerow([cell_text(row.get(column), guard=guard) for column, guard in guarded])
    return (BOM + buffer.getvalue()).encode("utf-8")
