"""Loads landing files into raw.* and quarantine.* in DuckDB: once per file, all or nothing.

Each file is loaded in one transaction together with its entry in raw._file_loads, so a file seen twice
(same path and content) loads once, and a run that dies half way leaves nothing to clean up.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from connectors.sources.contract import Entity, RowRejected, conform
from connectors.sources.readers import read_file

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
    source_table varchar, source_file varchar, file_sha256 varchar, batch_id varchar,
    rows_in bigint, rows_loaded bigint, rows_quarantined bigint, loaded_at timestamp,
    primary key (source_table, file_sha256)
)
"""


@dataclass
class LoadReport:
    """What one load of one source table did."""

    table: str
    files_loaded: list[str] = field(default_factory=list)
    files_skipped: list[str] = field(default_factory=list)
    rows_in: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    quarantine_reasons: dict[str, int] = field(default_factory=dict)


def ensure_tables(conn: duckdb.DuckDBPyConnection, entity: Entity) -> None:
    """Creates raw.<table>, quarantine.<table> and the file log if they do not exist yet."""
    conn.execute("create schema if not exists raw")
    conn.execute("create schema if not exists quarantine")
    conn.execute(FILE_LOADS_DDL)
    for schema, columns in (("raw", entity.columns()), ("quarantine", QUARANTINE_COLUMNS)):
        body = ", ".join(f'"{name}" {kind}' for name, kind in columns)
        conn.execute(f"create table if not exists {schema}.{entity.table} ({body})")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _reason_key(reason: str) -> str:
    return reason.split(":")[0][:80]


def load_entity(conn: duckdb.DuckDBPyConnection, entity: Entity, landing: Path) -> LoadReport:
    """Loads every file of `entity` under landing/<channel>/ not loaded before; gives what it did."""
    ensure_tables(conn, entity)
    report = LoadReport(table=entity.table)
    folder = landing / entity.channel
    files = sorted(folder.glob(entity.file_glob)) if folder.exists() else []
    known = {
        row[0]
        for row in conn.execute(
            "select file_sha256 from raw._file_loads where source_table = ?", [entity.table]
        ).fetchall()
    }
    for path in files:
        digest = file_sha256(path)
        if digest in known:
            report.files_skipped.append(str(path))
            continue
        _load_file(conn, entity, path, digest, report)
        known.add(digest)
    return report


def _load_file(
    conn: duckdb.DuckDBPyConnection, entity: Entity, path: Path, digest: str, report: LoadReport
) -> None:
    batch_id = uuid.uuid4().hex
    loaded_at = datetime.now(UTC).replace(tzinfo=None)
    known_fields = {f.name for f in entity.fields}
    good: list[dict] = []
    bad: list[dict] = []
    for line, record, error, text in read_file(path):
        meta = {
            "_batch_id": batch_id,
            "_source_file": str(path),
            "_source_line": line,
            "_loaded_at": loaded_at,
        }
        if error is None:
            try:
                row = conform(entity, record)
            except RowRejected as exc:
                error = str(exc)
        if error is not None:
            bad.append(meta | {"reason": error, "raw_payload": text})
            report.quarantine_reasons[_reason_key(error)] = (
                report.quarantine_reasons.get(_reason_key(error), 0) + 1
            )
            continue
        extra = {k: v for k, v in record.items() if k not in known_fields}
        row["_extra"] = json.dumps(extra, ensure_ascii=False, default=str) if extra else None
        row["_record_hash"] = hashlib.sha256(text.encode("utf-8")).hexdigest()
        good.append(row | meta)
    conn.execute("begin transaction")
    try:
        _append(conn, f"raw.{entity.table}", entity.columns(), good)
        _append(conn, f"quarantine.{entity.table}", QUARANTINE_COLUMNS, bad)
        conn.execute(
            "insert into raw._file_loads values (?, ?, ?, ?, ?, ?, ?, ?)",
            [entity.table, str(path), digest, batch_id, len(good) + len(bad), len(good), len(bad), loaded_at],
        )
        conn.execute("commit")
    except Exception:
        conn.execute("rollback")
        raise
    report.files_loaded.append(str(path))
    report.rows_in += len(good) + len(bad)
    report.rows_loaded += len(good)
    report.rows_quarantined += len(bad)


def _append(
    conn: duckdb.DuckDBPyConnection, table: str, columns: list[tuple[str, str]], rows: list[dict]
) -> None:
    if not rows:
        return
    frame = pd.DataFrame.from_records(rows, columns=[name for name, _ in columns])
    casts = ", ".join(f'cast("{name}" as {kind}) as "{name}"' for name, kind in columns)
    conn.register("_incoming", frame)
    try:
        conn.execute(f"insert into {table} select {casts} from _incoming")
    finally:
        conn.unregister("_incoming")


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
