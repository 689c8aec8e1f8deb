"""CSV: UTF-8 (a BOM is accepted) with a header row; headers are matched trimmed and lower-cased.

A row with a different number of cells than the header is a record with a parse error; so is every row of a
file whose header names a column twice. The record's line is the line its last cell ends on.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa

from connectors.sources.readers.batches import BatchBuilder


def header_keys(cells: list[str]) -> tuple[list[str], str | None]:
    """Gives the record keys for a header row (trimmed, lower-case; blank ones named column_<n>) and the
    problem that makes the header unusable, if any."""
    keys = [cell.strip().lower() or f"column_{n}" for n, cell in enumerate(cells, start=1)]
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    problem = None
    if repeated:
        problem = (
            f"the header names {', '.join(repr(k) for k in repeated)} more than once; rename the columns"
        )
    return keys, problem


def row_text(cells: list[str]) -> str:
    """Gives a row as one CSV line (the quarantine payload and the record hash input)."""
    buffer = io.StringIO()
    csv.writer(buffer).writerow(cells)
    return buffer.getvalue().rstrip("\r\n")


def _rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    text = path.read_bytes().decode("utf-8-sig", errors="replace")
    reader = csv.reader(io.StringIO(text, newline=""))
    for row in reader:
        yield reader.line_num, row


def read(path: Path, start: int = 0, first_line: int = 1) -> Iterator[pa.Table]:
    """Yields Arrow tables of the CSV's data rows (start/first_line are unused: CSV files load whole)."""
    builder = BatchBuilder()
    rows = _rows(path)
    keys, header_problem = None, None
    for line, cells in rows:
        if not any(cell.strip() for cell in cells):
            continue
        if keys is None:
            keys, header_problem = header_keys(cells)
            continue
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


def count(path: Path) -> int:
    """Gives the number of non-blank data rows of a CSV file."""
    rows = [cells for _, cells in _rows(path) if any(cell.strip() for cell in cells)]
    return max(len(rows) - 1, 0)
