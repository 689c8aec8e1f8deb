"""File readers for the landing folder: each yields (line number, record or parse error, raw text)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ParsedLine = tuple[int, dict[str, Any] | None, str | None, str]
"""(line number in the file, the record or None, the parse error or None, the raw text of the record)."""


def read_jsonl(path: Path) -> Iterator[ParsedLine]:
    """Yields one entry per non-blank line of a JSON Lines file; a line that is not JSON yields its error."""
    with path.open("r", encoding="utf-8", errors="replace", newline="") as handle:
        for number, line in enumerate(handle, start=1):
            text = line.rstrip("\r\n")
            if not text.strip():
                continue
            try:
                record = json.loads(text)
            except json.JSONDecodeError as exc:
                yield number, None, f"line is not valid JSON: {exc.msg} at column {exc.colno}", text
                continue
            if not isinstance(record, dict):
                yield number, None, f"line is JSON {type(record).__name__}, expected an object", text
                continue
            yield number, record, None, text


def read_csv(path: Path) -> Iterator[ParsedLine]:
    """Yields one entry per data row of a UTF-8 CSV with a header row; rows with the wrong width yield an error."""
    raw = path.read_bytes().decode("utf-8-sig", errors="replace")
    reader = csv.reader(io.StringIO(raw, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        return
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        text = _csv_text(row)
        if len(row) != len(header):
            yield line, None, f"row has {len(row)} cells, the header has {len(header)}", text
            continue
        yield line, dict(zip(header, row, strict=True)), None, text


def _csv_text(row: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(row)
    return buffer.getvalue().rstrip("\r\n")


READERS = {".jsonl": read_jsonl, ".csv": read_csv}


def read_file(path: Path) -> Iterator[ParsedLine]:
    """Yields the records of a landing file, picking the reader by its extension."""
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise ValueError(f"{path}: no reader for {path.suffix!r} files (known: {', '.join(READERS)})")
    return reader(path)
