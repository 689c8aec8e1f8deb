"""The Arrow shape every reader yields, and a builder for readers that produce records one by one."""

from __future__ import annotations

import json

import pyarrow as pa

LANDED_SCHEMA = pa.schema(
    [
        ("_source_line", pa.int64()),
        ("_raw_text", pa.string()),
        ("_parse_error", pa.string()),
        ("_record", pa.string()),
    ]
)
BATCH_RECORDS = 50_000


class BatchBuilder:
    """Collects records one at a time and hands them out as Arrow tables of LANDED_SCHEMA."""

    def __init__(self) -> None:
        self.lines: list[int] = []
        self.texts: list[str] = []
        self.errors: list[str | None] = []
        self.records: list[str | None] = []

    def add(self, line: int, text: str, error: str | None, record: dict | None) -> None:
        self.lines.append(line)
        self.texts.append(text)
        self.errors.append(error)
        self.records.append(None if record is None else json.dumps(record, ensure_ascii=False))

    def full(self) -> bool:
        return len(self.lines) >= BATCH_RECORDS

    def take(self) -> pa.Table:
        table = pa.table([self.lines, self.texts, self.errors, self.records], schema=LANDED_SCHEMA)
        self.__init__()
        return table
