"""JSON Lines: one JSON object per line, UTF-8.

Lines are cut with numpy and handed to DuckDB as Arrow string views over the file's own bytes, so no Python
object is made per line; DuckDB parses the JSON. A line that is not valid UTF-8 is a record with a parse error.
Blank lines (only spaces, tabs, CR) are not records. Lines end at LF; a CR before it is dropped.
"""

from __future__ import annotations

import mmap
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa

CHUNK_BYTES = 64 << 20
_BLANK_BYTES = b" \t\r\f\v"


def read(path: Path, start: int = 0, first_line: int = 1) -> Iterator[pa.Table]:
    """Yields Arrow tables of the file's records (LANDED_SCHEMA columns, _raw_text as string views).

    The file is memory-mapped: the views point into the page cache, so the bytes are never copied in Python.
    """
    size = path.stat().st_size
    if size <= start:
        return
    with path.open("rb") as handle:
        mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    view = memoryview(mapped)
    line, pos = first_line, start
    while pos < size:
        end = min(pos + CHUNK_BYTES, size)
        if end < size:
            cut = mapped.rfind(b"\n", pos, end)
            while cut < 0 and end < size:  # one line longer than a chunk: take more
                end = min(end + CHUNK_BYTES, size)
                cut = mapped.rfind(b"\n", pos, end)
            end = cut + 1 if cut >= 0 else size
        table, line = lines_table(view[pos:end], line)
        pos = end
        if table.num_rows:
            yield table


def _line_bounds(u8: np.ndarray, newlines: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    if newlines is None:
        newlines = np.flatnonzero(u8 == 10)
    starts = np.concatenate(([0], newlines + 1)).astype(np.int64)
    ends = np.concatenate((newlines, [len(u8)])).astype(np.int64)
    if starts[-1] == len(u8):  # the file ends with a newline: no line after it
        starts, ends = starts[:-1], ends[:-1]
    return starts, ends


def lines_table(data: bytes | memoryview, first_line: int) -> tuple[pa.Table, int]:
    """Gives the records of whole lines in `data` and the number of the line after them."""
    u8 = np.frombuffer(data, np.uint8)
    starts, ends = _line_bounds(u8)
    next_line = first_line + len(starts)
    numbers = np.arange(first_line, next_line, dtype=np.int64)
    has_cr = (ends > starts) & (u8[np.maximum(ends - 1, 0)] == 13)
    ends = ends - has_cr
    keep = ends > starts
    maybe_blank = keep & np.isin(u8[np.minimum(starts, len(u8) - 1)], np.frombuffer(_BLANK_BYTES, np.uint8))
    for i in np.flatnonzero(maybe_blank):
        if not bytes(data[starts[i] : ends[i]]).strip(_BLANK_BYTES):
            keep[i] = False
    starts, ends, numbers = starts[keep], ends[keep], numbers[keep]
    if not len(starts):
        return pa.table({"_source_line": pa.array([], pa.int64())}), next_line
    texts = _string_views(data, u8, starts, ends)
    errors = pa.nulls(len(starts), pa.string())
    try:
        texts.validate(full=True)
    except pa.ArrowInvalid:
        texts, errors = _decode_line_by_line(data, starts, ends)
    table = pa.table({"_source_line": numbers, "_raw_text": texts, "_parse_error": errors, "_record": texts})
    return table, next_line


def _string_views(data: bytes | memoryview, u8: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> pa.Array:
    """Gives an Arrow string-view array of data[starts[i]:ends[i]] without copying the bytes."""
    n = len(starts)
    lengths = (ends - starts).astype(np.int32)
    views = np.zeros((n, 16), np.uint8)
    views[:, 0:4] = lengths.view(np.uint8).reshape(n, 4)
    head = np.minimum(starts[:, None] + np.arange(12), max(len(u8) - 1, 0))
    inline = u8[head] * (np.arange(12) < lengths[:, None])
    views[:, 4:16] = inline
    long = lengths > 12
    views[long, 8:12] = 0  # data buffer 0
    views[long, 12:16] = starts[long].astype(np.int32).view(np.uint8).reshape(-1, 4)
    return pa.Array.from_buffers(pa.string_view(), n, [None, pa.py_buffer(views), pa.py_buffer(data)])


def _decode_line_by_line(
    data: bytes | memoryview, starts: np.ndarray, ends: np.ndarray
) -> tuple[pa.Array, pa.Array]:
    texts, errors = [], []
    for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
        raw = bytes(data[s:e])
        try:
            texts.append(raw.decode("utf-8"))
            errors.append(None)
        except UnicodeDecodeError as exc:
            texts.append(raw.decode("utf-8", errors="replace"))
            errors.append(f"line is not valid UTF-8: byte 0x{raw[exc.start]:02x} at column {exc.start + 1}")
    return pa.array(texts, pa.string()), pa.array(errors, pa.string())


def count(path: Path) -> int:
    """Gives the number of records (non-blank lines) in a JSON Lines file."""
    if path.stat().st_size == 0:
        return 0
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
        u8 = np.frombuffer(mapped, np.uint8)
        newlines = np.concatenate(
            [np.flatnonzero(u8[p : p + CHUNK_BYTES] == 10) + p for p in range(0, len(u8), CHUNK_BYTES)]
        )
        starts, ends = _line_bounds(u8, newlines)
        total = _count_nonblank(u8, starts, ends)
        del u8
        return total


def _count_nonblank(u8: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> int:
    blank_bytes = np.frombuffer(_BLANK_BYTES, np.uint8)
    has_cr = (ends > starts) & (u8[np.maximum(ends - 1, 0)] == 13)
    nonempty = (ends - has_cr) > starts
    maybe_blank = nonempty & np.isin(u8[np.minimum(starts, len(u8) - 1)], blank_bytes)
    blank = sum(
        1 for i in np.flatnonzero(maybe_blank) if not u8[starts[i] : ends[i]].tobytes().strip(_BLANK_BYTES)
    )
    return int(nonempty.sum()) - blank
