"""Blanking an erased person's records in the landing files they were loaded from.

A record's line is replaced by an empty line rather than removed: every other record keeps its line number
(raw._source_line), the readers skip blank lines, and raw._file_loads gets the file's new SHA-256, size and
lower counts, so the loader does not load the file again and row accounting still balances. Files that are not
line-based are acknowledged as `manual`, with the lines to remove.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from pathlib import Path

import duckdb

from connectors.destinations.sync.destination import Acknowledgement
from connectors.sources.loader import file_sha256

LINE_BASED = (".jsonl", ".csv")


def blank_landing_records(
    conn: duckdb.DuckDBPyConnection, lines: Mapping[tuple[str, str], set[int]]
) -> list[Acknowledgement]:
    """Blanks the given records ((file, 'raw.<table>' or 'quarantine.<table>') -> line numbers) and updates
    raw._file_loads; gives an acknowledgement per file."""
    acks = []
    by_file: dict[str, dict[str, set[int]]] = {}
    for (source_file, table), numbers in lines.items():
        by_file.setdefault(source_file, {})[table] = numbers
    for source_file, tables in sorted(by_file.items()):
        path = Path(source_file)
        numbers = set().union(*tables.values())
        if not path.exists():
            acks.append(Acknowledgement(f"landing {path.name}", "done", "file no longer in landing"))
            continue
        if path.suffix.lower() not in LINE_BASED:
            acks.append(
                Acknowledgement(f"landing {path.name}", "manual", f"cannot blank records of a {path.suffix} file "
                                f"automatically; remove lines {sorted(numbers)} by hand")
            )  # fmt: skip
            continue
        blank_lines(path, numbers)
        if _has_file_log(conn):
            for table, table_lines in tables.items():
                _log_blanked(conn, path, table, table_lines)
        acks.append(Acknowledgement(f"landing {path.name}", "done", f"blanked {len(numbers)} record(s)"))
    return acks


def blank_lines(path: Path, numbers: set[int]) -> None:
    """Rewrites a line-based landing file with the given records (by their last line number) blanked."""
    text = path.read_bytes().decode("utf-8", errors="surrogateescape")
    physical = text.splitlines(keepends=True)
    doomed = set(numbers)
    if path.suffix.lower() == ".csv":
        doomed = set()
        reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
        start = 1
        for _ in reader:
            end = reader.line_num
            if end in numbers:
                doomed |= set(range(start, end + 1))
            start = end + 1
    kept = [("\n" if i + 1 in doomed else line) for i, line in enumerate(physical)]
    partial = path.with_name(f".{path.name}.erasing")
    partial.write_bytes("".join(kept).encode("utf-8", errors="surrogateescape"))
    partial.replace(path)


def _log_blanked(conn: duckdb.DuckDBPyConnection, path: Path, table: str, lines: set[int]) -> None:
    """Takes blanked records off the file-log rows that loaded them (each row covers the lines from its
    first_line on) and gives the file's latest row its new content hash, size and time, so the loader sees the
    rewritten file as already loaded and still loads only what is appended to it later."""
    schema, _, name = table.partition(".")
    rows = conn.execute(
        "select byte_start, content_sha256, first_line from raw._file_loads "
        "where source_file = ? and source_table = ? order by first_line",
        [str(path), name],
    ).fetchall()
    if not rows:
        return
    bounds = [r[2] for r in rows[1:]] + [None]  # ordered by first_line: a segment ends where the next begins
    for (start, digest, first_line), next_first in zip(rows, bounds, strict=True):
        mine = [n for n in lines if n >= first_line and (next_first is None or n < next_first)]
        if mine:
            loaded, quarantined = (len(mine), 0) if schema == "raw" else (0, len(mine))
            conn.execute(
                "update raw._file_loads set rows_in = rows_in - ?, rows_loaded = rows_loaded - ?, "
                "rows_quarantined = rows_quarantined - ? "
                "where source_file = ? and source_table = ? and byte_start = ? and content_sha256 = ?",
                [len(mine), loaded, quarantined, str(path), name, start, digest],
            )
    stat = path.stat()
    latest_start, latest_digest = max(rows, key=lambda r: r[0])[:2]
    conn.execute(
        "update raw._file_loads set content_sha256 = ?, byte_end = ?, file_size = ?, file_mtime_ns = ? "
        "where source_file = ? and source_table = ? and byte_start = ? and content_sha256 = ?",
        [file_sha256(path).full, stat.st_size, stat.st_size, stat.st_mtime_ns, str(path), name, latest_start,
         latest_digest],
    )  # fmt: skip


def _has_file_log(conn: duckdb.DuckDBPyConnection) -> bool:
    return bool(
        conn.execute(
            "select 1 from information_schema.tables where table_schema = 'raw' and table_name = '_file_loads'"
        ).fetchall()
    )
