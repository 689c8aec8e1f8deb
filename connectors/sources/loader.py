"""Loads landing files into raw.* and quarantine.* in DuckDB: each file once, each batch all or nothing.

A batch of files is loaded in one transaction together with its entries in raw._file_loads, so a file seen twice
(same content under any name) loads once, a run that dies half way leaves nothing behind, and a JSONL or WeChat
push file that grew by appending loads only its new records. The contract is applied in bulk by DuckDB
(sql_validation); identifiers are normalised once per distinct value (connectors.identifiers).
"""

from __future__ import annotations

import hashlib
import mmap
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

import duckdb
import numpy as np
import pyarrow as pa

from connectors import identifiers as ids
from connectors.sources import sql_validation as sqlv
from connectors.sources.contract import Entity, FilePattern, is_usable_key
from connectors.sources.readers import APPENDABLE, read_batches
from connectors.sources.record_validation import parse_line, refused_key_reason
from connectors.sources.schema_drift import (
    SCHEMA_CHANGES_DDL,
    DriftColumn,
    infer_kind,
    plan_new_columns,
    value_kind,
)

QUARANTINE_COLUMNS = [
    ("_batch_id", "varchar"),
    ("_source_file", "varchar"),
    ("_source_line", "bigint"),
    ("_loaded_at", "timestamp"),
    ("reason", "varchar"),
    ("raw_payload", "varchar"),
]
FILE_LOADS_DDL = """
create table if not exists raw._file_loads (
    source_table varchar, source_file varchar, content_sha256 varchar, byte_start bigint, byte_end bigint,
    first_line bigint, file_size bigint, file_mtime_ns bigint, load_id varchar, batch_id varchar,
    rows_in bigint, rows_loaded bigint, rows_quarantined bigint, loaded_at timestamp,
    primary key (source_table, source_file, byte_start, content_sha256)
)
"""
CHUNK_ROWS = 500_000
"""Records validated together; small files are pooled into one chunk, so a folder of many small collector files
costs a few queries, not a few per file. Large enough to span several DuckDB row groups (122,880 rows), which is
what DuckDB parallelises over."""
SCAN_BATCH_ROWS = 16_384
"""Arrow batches handed to DuckDB: several per chunk, so its threads share the parsing."""
HASH_THREADS = 2
"""Landing files hashed at once when a load starts."""
BATCH_BYTES = 512 << 20
"""Files committed together: a crash loses at most the batch in flight, and a rerun redoes it."""


@dataclass
class LoadReport:
    """What one load of one source table did."""

    table: str
    load_id: str = ""
    files_loaded: list[str] = field(default_factory=list)
    files_skipped: list[str] = field(default_factory=list)
    rows_in: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    quarantine_reasons: dict[str, int] = field(default_factory=dict)
    columns_added: list[dict[str, str]] = field(default_factory=list)


@dataclass
class PendingFile:
    """A landing file (or the appended tail of one) still to load."""

    path: Path
    pattern: FilePattern
    sha256: str
    start: int
    first_line: int
    size: int
    mtime_ns: int
    rows_in: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0


def ensure_tables(conn: duckdb.DuckDBPyConnection, entity: Entity) -> None:
    """Creates raw.<table>, quarantine.<table>, the file log and the schema-change log if missing."""
    conn.execute("create schema if not exists raw")
    conn.execute("create schema if not exists quarantine")
    conn.execute(FILE_LOADS_DDL)
    conn.execute(SCHEMA_CHANGES_DDL)
    for schema, columns in (("raw", entity.columns()), ("quarantine", QUARANTINE_COLUMNS)):
        body = ", ".join(f"{sqlv.ident(name)} {kind}" for name, kind in columns)
        conn.execute(f"create table if not exists {schema}.{entity.table} ({body})")


def drift_columns(conn: duckdb.DuckDBPyConnection, entity: Entity) -> list[DriftColumn]:
    """Gives the columns schema drift added to raw.<table>, in the order they were added."""
    rows = conn.execute(
        "select c.record_key, c.column_name, c.kind from raw._schema_changes c "
        "join duckdb_columns() d on d.schema_name = 'raw' and d.table_name = c.source_table "
        "and d.column_name = c.column_name where c.source_table = ? order by d.column_index",
        [entity.table],
    ).fetchall()
    return [DriftColumn(key, column, kind) for key, column, kind in rows]


def load_entity(
    conn: duckdb.DuckDBPyConnection,
    entity: Entity,
    landing: Path,
    on_commit: Callable[[list[str]], None] | None = None,
) -> LoadReport:
    """Loads every file (or appended tail) of `entity` under landing/<channel>/ not loaded before.

    `on_commit` is told the files of each batch once it is committed (progress for long backlogs)."""
    ensure_tables(conn, entity)
    conn.execute("set TimeZone = 'UTC'")
    conn.execute(
        "create or replace temp table _identifier_types as select unnest(?::varchar[]) as id_type",
        [list(ids.ID_TYPES)],
    )
    report = LoadReport(table=entity.table, load_id=uuid.uuid4().hex)
    pending = _pending_files(conn, entity, landing, report)
    for batch in _batches(pending):
        _load_batch(conn, entity, batch, report)
        if on_commit:
            on_commit([str(item.path) for item in batch])
    return report


def load_entities(
    conn: duckdb.DuckDBPyConnection,
    entities: Sequence[Entity],
    landing: Path,
    workers: int = 2,
) -> list[LoadReport]:
    """Loads several source tables at once, one table per thread, and gives their reports in `entities` order.

    One table's load uses about one core: DuckDB parallelises each query, but reading, hashing and the small
    queries between the big ones run on one thread. Tables load on their own cursors (connections to the same
    database, each with its own transactions and temp tables); their appends touch different tables, so their
    transactions do not conflict, and each table keeps load_entity's guarantees (a batch commits with its file
    log rows). The tables are created first, on one connection, since concurrent DDL on the catalog would
    conflict. The largest landing folders start first so the last table to finish is a small one."""
    for entity in entities:
        ensure_tables(conn, entity)
    if workers <= 1 or len(entities) <= 1:
        return [load_entity(conn, entity, landing) for entity in entities]

    largest_first = sorted(entities, key=lambda entity: -_landing_bytes(entity, landing))
    # cursors are made here, on the caller's thread: a connection is not safe to use from two threads at once
    cursors = {entity.table: conn.cursor() for entity in largest_first}
    try:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="load_entity") as pool:
            futures = {
                entity.table: pool.submit(load_entity, cursors[entity.table], entity, landing)
                for entity in largest_first
            }
            return [futures[entity.table].result() for entity in entities]
    finally:
        for cursor in cursors.values():
            cursor.close()


def _landing_bytes(entity: Entity, landing: Path) -> int:
    folder = landing / entity.channel
    if not folder.exists():
        return 0
    paths = {path for pattern in entity.files for path in folder.glob(pattern.glob) if path.is_file()}
    return sum(path.stat().st_size for path in paths)


def _pending_files(
    conn: duckdb.DuckDBPyConnection, entity: Entity, landing: Path, report: LoadReport
) -> list[PendingFile]:
    log = conn.execute(
        "select source_file, content_sha256, byte_end, file_mtime_ns "
        "from raw._file_loads where source_table = ? order by loaded_at",
        [entity.table],
    ).fetchall()
    known_content = {row[1] for row in log}
    latest = {row[0]: row for row in log}
    candidates = []
    seen: set[Path] = set()
    for pattern in entity.files:
        folder = landing / entity.channel
        for path in sorted(folder.glob(pattern.glob)) if folder.exists() else []:
            if path in seen or not path.is_file() or path.name.startswith((".", "~$")):
                continue
            seen.add(path)
            stat = path.stat()
            last = latest.get(str(path))
            if last and last[2] == stat.st_size and last[3] == stat.st_mtime_ns:
                report.files_skipped.append(str(path))
                continue
            prefix_end = last[2] if last and pattern.format in APPENDABLE and last[2] < stat.st_size else None
            candidates.append((path, pattern, stat, last, prefix_end))
    # hashing releases the GIL: two threads read two files at once
    with ThreadPoolExecutor(max_workers=HASH_THREADS, thread_name_prefix="hash_landing") as pool:
        digests = pool.map(lambda c: file_sha256(c[0], c[4]), candidates)
        pending: list[PendingFile] = []
        for (path, pattern, stat, last, prefix_end), (full, prefix, prefix_lines) in zip(
            candidates, digests, strict=True
        ):
            if full in known_content:
                report.files_skipped.append(str(path))
                continue
            known_content.add(full)
            if prefix is not None and prefix == last[1] and _ends_a_line(path, prefix_end):
                pending.append(
                    PendingFile(
                        path, pattern, full, prefix_end, prefix_lines + 1, stat.st_size, stat.st_mtime_ns
                    )
                )
            else:
                pending.append(PendingFile(path, pattern, full, 0, 1, stat.st_size, stat.st_mtime_ns))
    return pending


class FileDigest(NamedTuple):
    full: str
    """SHA-256 of the whole file."""
    prefix: str | None
    """SHA-256 of its first `prefix_end` bytes, when asked."""
    prefix_lines: int
    """Physical lines in those bytes (blank lines count: records keep their line numbers when a line is blanked,
    e.g. by an erasure), so an appended tail is numbered on from them."""


def file_sha256(path: Path, prefix_end: int | None = None) -> FileDigest:
    """Gives the SHA-256 of a file and, when asked, of its first `prefix_end` bytes and their line count (one
    pass)."""
    digest, prefix, lines = hashlib.sha256(), None, 0
    size = path.stat().st_size
    if size == 0:
        return FileDigest(digest.hexdigest(), digest.hexdigest() if prefix_end == 0 else None, 0)
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
        view = memoryview(mapped)
        cuts = sorted({0, size, *([prefix_end] if prefix_end is not None else [])})
        for a, b in zip(cuts, cuts[1:], strict=False):
            for pos in range(a, b, 1 << 24):
                end = min(pos + (1 << 24), b)
                digest.update(view[pos:end])
                if prefix_end is not None and b <= prefix_end:
                    lines += mapped[pos:end].count(b"\n")
            if b == prefix_end:
                prefix = digest.copy().hexdigest()
        view.release()
    return FileDigest(digest.hexdigest(), prefix, lines)


def _ends_a_line(path: Path, offset: int) -> bool:
    with path.open("rb") as handle:
        handle.seek(offset - 1)
        return handle.read(1) == b"\n"


def _batches(pending: list[PendingFile]) -> Iterator[list[PendingFile]]:
    batch: list[PendingFile] = []
    size = 0
    for item in pending:
        if batch and size + item.size - item.start > BATCH_BYTES:
            yield batch
            batch, size = [], 0
        batch.append(item)
        size += item.size - item.start
    if batch:
        yield batch


def _load_batch(
    conn: duckdb.DuckDBPyConnection, entity: Entity, batch: list[PendingFile], report: LoadReport
) -> None:
    batch_id = uuid.uuid4().hex
    loaded_at = datetime.now(UTC).replace(tzinfo=None)
    state = _BatchState(entity, batch_id, loaded_at, drift_columns(conn, entity), report)
    conn.execute("begin transaction")
    try:
        for group in _read_ahead(_chunk_groups(entity, batch)):
            _load_chunk(conn, state, group)
        _log_files(conn, entity, batch, report.load_id, batch_id, loaded_at)
        conn.execute("commit")
    except BaseException:
        conn.execute("rollback")
        raise
    for item in batch:
        report.files_loaded.append(str(item.path))
        report.rows_in += item.rows_in
        report.rows_loaded += item.rows_loaded
        report.rows_quarantined += item.rows_quarantined
    report.columns_added += state.added


def _log_files(
    conn: duckdb.DuckDBPyConnection,
    entity: Entity,
    batch: list[PendingFile],
    load_id: str,
    batch_id: str,
    loaded_at: datetime,
) -> None:
    """Writes the batch's files into raw._file_loads, in the batch's transaction."""
    log = pa.table(
        {
            "source_table": [entity.table] * len(batch),
            "source_file": [str(item.path) for item in batch],
            "content_sha256": [item.sha256 for item in batch],
            "byte_start": pa.array([item.start for item in batch], pa.int64()),
            "byte_end": pa.array([item.size for item in batch], pa.int64()),
            "first_line": pa.array([item.first_line for item in batch], pa.int64()),
            "file_size": pa.array([item.size for item in batch], pa.int64()),
            "file_mtime_ns": pa.array([item.mtime_ns for item in batch], pa.int64()),
            "load_id": [load_id] * len(batch),
            "batch_id": [batch_id] * len(batch),
            "rows_in": pa.array([item.rows_in for item in batch], pa.int64()),
            "rows_loaded": pa.array([item.rows_loaded for item in batch], pa.int64()),
            "rows_quarantined": pa.array([item.rows_quarantined for item in batch], pa.int64()),
            "loaded_at": pa.array([loaded_at] * len(batch), pa.timestamp("us")),
        }
    )
    conn.register("_file_log_rows", log)
    try:
        conn.execute("insert into raw._file_loads by name select * from _file_log_rows")
    finally:
        conn.unregister("_file_log_rows")


@dataclass
class _BatchState:
    entity: Entity
    batch_id: str
    loaded_at: datetime
    drift: list[DriftColumn]
    report: LoadReport
    added: list[dict[str, str]] = field(default_factory=list)


def _chunk_groups(entity: Entity, batch: list[PendingFile]) -> Iterator[list[tuple[PendingFile, pa.Table]]]:
    group: list[tuple[PendingFile, pa.Table]] = []
    rows = 0
    for item in batch:
        for table in read_batches(item.path, item.pattern.format, item.start, item.first_line):
            group.append((item, table))
            rows += table.num_rows
            if rows >= CHUNK_ROWS:
                yield group
                group, rows = [], 0
    if group:
        yield group


CHUNK_TYPES = {
    "_source_line": pa.int64(),
    "_raw_text": pa.string_view(),
    "_parse_error": pa.string(),
    "_record": pa.string_view(),
}
"""The chunk's landed columns, one type for every reader (JSON Lines gives string views into the file's bytes;
a string column becomes views of its own buffer, so no text is copied)."""


def _read_ahead(groups: Iterator[list]) -> Iterator[list]:
    """Yields the chunks of `groups`, reading the next one on a thread while the caller loads this one.

    Reading is Python (parsing XML, cutting lines, hashing) and loading is DuckDB queries, which release the
    GIL: the two overlap instead of taking turns. One chunk is read ahead, no more (memory)."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="read_landing") as pool:
        ahead = pool.submit(next, groups, None)
        while (group := ahead.result()) is not None:
            ahead = pool.submit(next, groups, None)
            yield group


def _register_chunk(conn: duckdb.DuckDBPyConnection, entity: Entity, group: list) -> None:
    """Registers the group's records as one Arrow table, `chunk`, in batches of SCAN_BATCH_ROWS.

    One table, not one per file: DuckDB parallelises an Arrow scan over its batches, and a union of one small
    table per file (a collector file holds a few thousand records) ran on one thread. The file's path and the
    values its name carries are dictionary columns (a file number per record, the texts once)."""
    names = sorted(entity.name_field_names())
    files: dict[str, int] = {}
    name_values: dict[str, list[str | None]] = {name: [] for name in names}
    parts = []
    first_row = 0
    for item, table in group:
        path = str(item.path)
        if path not in files:
            files[path] = len(files)
            values = item.pattern.values_from_name(item.path.name)
            for name in names:
                name_values[name].append(values.get(name))
        # a row number across the chunk keys _x and _t back to the chunk (a file's line is not unique in every
        # format: a WeChat push file may hold several pushes on one line)
        columns = {column: table.column(column).cast(kind) for column, kind in CHUNK_TYPES.items()}
        columns["_chunk_row"] = pa.array(np.arange(first_row, first_row + table.num_rows, dtype=np.int64))
        columns["_file_no"] = pa.array(np.full(table.num_rows, files[path], dtype=np.int32))
        first_row += table.num_rows
        parts.append(pa.table(columns))
    rows = pa.concat_tables(parts).combine_chunks()
    indices = rows.column("_file_no").combine_chunks()
    rows = rows.drop_columns(["_file_no"])
    rows = rows.append_column("_source_file", pa.DictionaryArray.from_arrays(indices, pa.array(list(files))))
    for name in names:
        dictionary = pa.array(name_values[name], pa.string())
        rows = rows.append_column(f"_name_{name}", pa.DictionaryArray.from_arrays(indices, dictionary))
    conn.register("_chunk_rows", pa.Table.from_batches(rows.to_batches(SCAN_BATCH_ROWS)))
    extra = "".join(
        f", {sqlv.ident('_name_' + name)}::varchar as {sqlv.ident('_name_' + name)}" for name in names
    )
    conn.execute(
        "create or replace temp view chunk as select _chunk_row, _source_file::varchar as _source_file,"
        " _source_line, _raw_text::varchar as _raw_text, _parse_error, _record::varchar as _record"
        f"{extra} from _chunk_rows"
    )


def _load_chunk(conn: duckdb.DuckDBPyConnection, state: _BatchState, group: list) -> None:
    entity = state.entity
    _register_chunk(conn, entity, group)
    try:
        specs = sqlv.value_specs(entity, state.drift)
        conn.execute(f"create or replace temp table _x as {sqlv.extract_sql(entity, specs, True)}")
        new_keys, invalid_json = conn.execute(
            "select coalesce(bool_or(_new_keys is not null), false), coalesce(bool_or(_record_error = ?), false) "
            "from _x",
            [sqlv.INVALID_JSON],
        ).fetchall()[0]
        if new_keys and _evolve(conn, state):
            specs = sqlv.value_specs(entity, state.drift)
            conn.execute(f"create or replace temp table _x as {sqlv.extract_sql(entity, specs, True)}")
        if invalid_json:
            _explain_invalid_json(conn)
        if new_keys:
            _refuse_unknown_keys(conn, state)
        _register_identifier_lookup(conn, entity)
        conn.execute(f"create or replace temp table _t as {sqlv.typed_sql(entity, specs)}")
        _write_rows(conn, state, specs, group)
    finally:
        conn.execute("drop view if exists chunk")
        conn.unregister("_chunk_rows")


def _evolve(conn: duckdb.DuckDBPyConnection, state: _BatchState) -> bool:
    """Adds raw columns for record keys the contract does not know; gives whether any was added."""
    rows = conn.execute(
        "select key, json_type(_record_if_new, '$.\"' || replace(key, '\"', '') || '\"') "
        "from (select _source_file, _source_line, _record_if_new, unnest(_new_keys) as key from _x "
        "where _new_keys is not null) order by _source_file, _source_line"
    ).fetchall()
    if not rows:
        return False
    kinds: dict[str, list] = {}
    for key, json_type in rows:
        if is_usable_key(key):
            kinds.setdefault(key, []).append(value_kind(json_type or "NULL"))
    discovered = [(key, infer_kind(k)) for key, k in kinds.items()]
    new = plan_new_columns(state.entity, state.drift, discovered)
    first_file = conn.execute("select min(_source_file) from _x where _new_keys is not null").fetchall()[0][0]
    for column in new:
        conn.execute(
            f"alter table raw.{state.entity.table} add column {sqlv.ident(column.column)} {column.column_type}"
        )
        conn.execute(
            "insert into raw._schema_changes values (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                state.entity.table, column.key, column.column, column.kind, column.column_type,
                first_file, state.batch_id, state.loaded_at,
            ],
        )  # fmt: skip
        state.added.append({"key": column.key, "column": column.column, "type": column.column_type})
    state.drift = state.drift + new
    return bool(new)


def _refuse_unknown_keys(conn: duckdb.DuckDBPyConnection, state: _BatchState) -> None:
    """Quarantines records carrying keys that could not become columns (unusable names, too many columns)."""
    rows = conn.execute(
        "select distinct unnest(_new_keys) as key from _x where _new_keys is not null and _record_error is null "
        "order by key"
    ).fetchall()
    for (key,) in rows:
        reason = refused_key_reason(key)
        conn.execute(
            "update _x set _record_error = ? where _record_error is null and list_contains(_new_keys, ?)",
            [reason, key],
        )


def _explain_invalid_json(conn: duckdb.DuckDBPyConnection) -> None:
    """Replaces the placeholder reason of lines DuckDB could not parse with the parser's own message."""
    rows = conn.execute(
        "select _chunk_row, chunk._raw_text from _x join chunk using (_chunk_row) where _record_error = ?",
        [sqlv.INVALID_JSON],
    ).fetchall()
    if not rows:
        return
    table = pa.table(
        {
            "chunk_row": pa.array([row for row, _ in rows], pa.int64()),
            "reason": [
                parse_line(text)[1] or "line is not valid JSON (DuckDB's reader refuses it)"
                for _, text in rows
            ],
        }
    )
    conn.register("_json_reasons", table)
    try:
        conn.execute(
            "update _x set _record_error = r.reason from _json_reasons r where _x._chunk_row = r.chunk_row"
        )
    finally:
        conn.unregister("_json_reasons")


def _register_identifier_lookup(conn: duckdb.DuckDBPyConnection, entity: Entity) -> None:
    """Normalises each distinct identifier text of the chunk once, into the temp table _identifier_lookup: the
    common shapes in DuckDB (connectors.identifiers.normalise_sql), the rest in Python (ids.normalise)."""
    query = sqlv.identifier_texts_sql(entity)
    if query:
        conn.execute(f"create or replace temp table _identifier_texts as {query}")
        id_types = [t for (t,) in conn.execute("select distinct id_type from _identifier_texts").fetchall()]
    else:
        conn.execute("create or replace temp table _identifier_texts (id_type varchar, raw varchar)")
        id_types = []
    keyed, fast, handles = sqlv.identifier_lookup_sql([t for t in id_types if t in ids.ID_TYPES])
    conn.execute(f"create or replace temp table _identifier_keyed as {keyed}")
    pairs = conn.execute(f"select id_type, raw from _identifier_keyed where not ({handles})").fetchall()
    pairs = [(t, raw) for t, raw in pairs if t in ids.ID_TYPES]
    results = [ids.normalise(t, raw) for t, raw in pairs]
    table = pa.table(
        {
            "id_type": pa.array([t for t, _ in pairs], pa.string()),
            "raw": pa.array([raw for _, raw in pairs], pa.string()),
            "value": pa.array([r.value for r in results], pa.string()),
            "problem": pa.array([r.problem for r in results], pa.string()),
        }
    )
    conn.register("_identifier_lookup_arrow", table)
    conn.execute(
        f"create or replace temp table _identifier_lookup as {fast} union all select * from _identifier_lookup_arrow"
    )
    conn.unregister("_identifier_lookup_arrow")


def _write_rows(conn: duckdb.DuckDBPyConnection, state: _BatchState, specs: list, group: list) -> None:
    entity = state.entity
    value_columns = [s.column for s in specs]
    for idf in entity.identifier_fields:
        value_columns += [f"{idf.name}_normalized", f"{idf.name}_problem"]
    lineage = (
        f"{sqlv.literal(state.batch_id)} as _batch_id, _source_file, _source_line, "
        f"{sqlv.literal(state.loaded_at.isoformat())}::timestamp as _loaded_at"
    )
    names = ", ".join(sqlv.ident(c) for c in value_columns)
    conn.execute(
        f"insert into raw.{entity.table} ({names}, _batch_id, _source_file, _source_line, _loaded_at, _record_hash) "
        f"select {names}, {lineage}, _record_hash from _t where _reason is null"
    )
    conn.execute(
        f"insert into quarantine.{entity.table} (_batch_id, _source_file, _source_line, _loaded_at, reason, "
        f"raw_payload) select {lineage}, _reason, landed._raw_text from _t "
        "join (select _chunk_row, _raw_text from chunk) as landed using (_chunk_row) where _reason is not null "
        "order by _chunk_row"
    )
    counts = conn.execute(
        "select _source_file, coalesce(_reason, ''), count(*) from _t group by all"
    ).fetchall()
    per_file = {str(item.path): item for item, _ in group}
    tally = Counter(state.report.quarantine_reasons)
    for source_file, reason, n in counts:
        item = per_file[source_file]
        item.rows_in += n
        if reason:
            item.rows_quarantined += n
            tally[reason_key(reason)] += n
        else:
            item.rows_loaded += n
    state.report.quarantine_reasons = dict(tally)


def reason_key(reason: str) -> str:
    """Gives the kind of a quarantine reason, for counts in metadata (the text before the first value)."""
    return reason.split(":")[0][:80]


def row_accounting(conn: duckdb.DuckDBPyConnection, entity: Entity) -> dict[str, int]:
    """Gives rows landed per the file log and rows found in raw and quarantine, to prove nothing was lost."""
    ensure_tables(conn, entity)
    logged_in, logged_ok, logged_bad = conn.execute(
        "select coalesce(sum(rows_in), 0), coalesce(sum(rows_loaded), 0), coalesce(sum(rows_quarantined), 0) "
        "from raw._file_loads where source_table = ?",
        [entity.table],
    ).fetchone()
    in_raw = conn.execute(f"select count(*) from raw.{entity.table}").fetchone()[0]
    in_quarantine = conn.execute(f"select count(*) from quarantine.{entity.table}").fetchone()[0]
    return {
        "rows_landed": int(logged_in),
        "rows_logged_loaded": int(logged_ok),
        "rows_logged_quarantined": int(logged_bad),
        "rows_in_raw": int(in_raw),
        "rows_in_quarantine": int(in_quarantine),
    }
