"""XLSX: the first worksheet, its first non-empty row the header (matched like CSV headers).

Cells are read as values (formulas as their cached result) and turned into text: whole numbers without a
decimal point (Excel stores 13800138000 as a float), dates in ISO 8601, booleans as true/false. A workbook that
cannot be opened is one record with a parse error, so the problem shows in quarantine.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path

import openpyxl
import pyarrow as pa
from openpyxl.utils.exceptions import InvalidFileException

from connectors.sources.readers.batches import BatchBuilder
from connectors.sources.readers.csv_files import header_keys, row_text

_BROKEN = (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, TypeError, EOFError)


def cell_text(value: object) -> str:
    """Gives the text of a cell value as the landing contract reads it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    return str(value)


def _rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, [cell_text(v) for v in values]
    finally:
        workbook.close()


def read(path: Path, start: int = 0, first_line: int = 1) -> Iterator[pa.Table]:
    """Yields Arrow tables of the first worksheet's data rows (row numbers as lines)."""
    builder = BatchBuilder()
    try:
        rows = [(line, cells) for line, cells in _rows(path) if any(cell.strip() for cell in cells)]
    except _BROKEN as exc:
        head = path.read_bytes()[:64]
        builder.add(1, repr(head), f"file is not a readable XLSX workbook: {type(exc).__name__}: {exc}", None)
        yield builder.take()
        return
    if not rows:
        return
    keys, header_problem = header_keys(_trimmed(rows[0][1]))
    for line, cells in rows[1:]:
        cells = _trimmed(cells)
        cells = cells + [""] * (len(keys) - len(cells))
        text = row_text(cells)
        if header_problem:
            builder.add(line, text, header_problem, None)
        elif len(cells) != len(keys):
            builder.add(line, text, f"row has {len(cells)} cells, the header has {len(keys)}", None)
        else:
            builder.add(line, text, None, dict(zip(keys, cells, strict=True)))
        if builder.full():
            yield builder.take()
    if builder.lines:
        yield builder.take()


def _trimmed(cells: list[str]) -> list[str]:
    while cells and not cells[-1].strip():
        cells = cells[:-1]
    return cells


def count(path: Path) -> int:
    """Gives the number of data rows of the first worksheet (1 for a workbook that cannot be read)."""
    try:
        rows = [c for _, c in _rows(path) if any(cell.strip() for cell in c)]
    except _BROKEN:
        return 1
    return max(len(rows) - 1, 0)
