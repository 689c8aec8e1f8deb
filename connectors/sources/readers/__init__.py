"""Readers of landing files: each turns one file into Arrow batches of landed records.

Every batch has the columns of LANDED_SCHEMA: the record's line in the file, its text as landed (the quarantine
payload), a parse error when the file's format was broken at that record, and the record as a JSON object
(for JSON Lines the line itself; CSV, XLSX and XML records are rendered as JSON objects of text values). The
contract is then applied to every format by the same code (sql_validation).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa

from connectors.sources.readers import csv_files, jsonl, wechat_xml, xlsx
from connectors.sources.readers.batches import LANDED_SCHEMA

READERS = {
    "jsonl": jsonl,
    "csv": csv_files,
    "xlsx": xlsx,
    "wechat_xml": wechat_xml,
}
APPENDABLE = {"jsonl", "wechat_xml"}
"""Formats whose files may grow by appending whole records: the loader then reads only the new bytes."""


def read_batches(path: Path, file_format: str, start: int = 0, first_line: int = 1) -> Iterator[pa.Table]:
    """Yields the records of a landing file from byte `start` (lines numbered from `first_line`)."""
    return READERS[file_format].read(path, start=start, first_line=first_line)


def count_records(path: Path, file_format: str) -> int:
    """Gives how many records a landing file holds, counted without parsing them (for row accounting)."""
    return READERS[file_format].count(path)


__all__ = ["APPENDABLE", "LANDED_SCHEMA", "count_records", "read_batches"]
