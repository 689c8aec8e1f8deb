"""Deletion requests (PIPL art. 47, GDPR art. 17): remove a person everywhere Yuchi keeps them.

A request names the person by any identifiers (email, phone, OpenID ...). Processing it:
1. resolves the whole person: every identifier of every contact those identifiers belong to;
2. registers SHA-256 of each identifier key (and of the contact ids) in activation.erased_identifiers; only
   these hashes are kept, for suppression and to keep the person out of later loads;
3. deletes their rows from every warehouse table (raw, quarantine, staging, intermediate, marts, segments,
   activation ledgers) and blanks their records in the landing files they were loaded from, updating the
   file log so the loader neither reloads the file nor loses count of its rows;
4. sends deletes to every destination that supports them and logs each acknowledgement;
5. clears the identifiers in clear text from the request, leaving hashes and the acknowledgements.
`enforce_register` re-applies step 3 by hash alone; it removes a person whose old records were reloaded.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb
import pandas as pd

from connectors import identifiers
from connectors.destinations.consent import id_type_of_column
from connectors.destinations.landing_erasure import blank_landing_records
from connectors.destinations.sync.destination import Acknowledgement, ErasureSubject

DDL = (
    "create schema if not exists activation",
    """
    create table if not exists activation.erasure_requests (
        request_id varchar primary key, received_at timestamp not null, received_via varchar, reason varchar,
        status varchar not null, identifiers_json varchar, identifier_hashes varchar[], completed_at timestamp,
        summary varchar
    )
    """,
    """
    create table if not exists activation.erased_identifiers (
        identifier_hash varchar primary key, request_id varchar not null, erased_at timestamp not null
    )
    """,
    """
    create table if not exists activation.erasure_acknowledgements (
        request_id varchar not null, target varchar not null, status varchar not null, detail varchar,
        acknowledged_at timestamp not null
    )
    """,
)
KEEP_TABLES = {
    ("activation", "erasure_requests"),
    ("activation", "erased_identifiers"),
    ("activation", "erasure_acknowledgements"),
    ("raw", "_file_loads"),
}
SCRUBBED_SCHEMAS = (
    "raw",
    "quarantine",
    "staging",
    "intermediate",
    "marts",
    "segments",
    "activation",
    "main",
    "ml",
)
PLAIN_IDENTIFIER_COLUMNS = ("email", "phone", "wechat_openid", "wechat_unionid", "crm_id", "anonymous_id")
NORMALISERS = {
    "email": identifiers.normalize_email,
    "phone": identifiers.normalize_phone,
    "wechat_openid": lambda v: (
        identifiers.Normalised(str(v).strip())
        if ":" in str(v)
        else identifiers.Normalised(None, f"OpenID {v!r} must be scoped as '<app_id>:<openid>'")
    ),
    "wechat_unionid": lambda v: identifiers.normalize_wechat_id(v, "wechat_unionid"),
}


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def key_hash(identifier_key: str) -> str:
    """Gives the SHA-256 hex kept for an erased identifier key (as DuckDB's sha256() computes it)."""
    return hashlib.sha256(identifier_key.encode("utf-8")).hexdigest()


@dataclass
class ErasureRequest:
    """One person to erase, as received."""

    request_id: str
    identifiers: dict[str, list[str]]
    contact_ids: list[str] = field(default_factory=list)
    reason: str = ""


def ensure_tables(conn: duckdb.DuckDBPyConnection) -> None:
    for statement in DDL:
        conn.execute(statement)


def submit(
    conn: duckdb.DuckDBPyConnection,
    identifier_values: Mapping[str, Iterable[str]],
    contact_ids: Iterable[str] = (),
    reason: str = "",
    received_via: str = "api",
) -> str:
    """Records a deletion request and gives its id; values are normalised now, so a bad one is refused now."""
    ensure_tables(conn)
    normalised: dict[str, list[str]] = {}
    for id_type, values in identifier_values.items():
        for value in values:
            result = NORMALISERS.get(id_type, identifiers.normalize_plain_id)(value)
            if not result.ok:
                raise ValueError(f"deletion request: {id_type} {value!r} is unusable: {result.problem}")
            normalised.setdefault(id_type, []).append(result.value)
    contact_ids = [c for c in contact_ids if c]
    if not normalised and not contact_ids:
        raise ValueError("deletion request names no identifier and no contact id")
    request_id = f"del_{uuid.uuid4().hex[:16]}"
    payload = json.dumps({"identifiers": normalised, "contact_ids": contact_ids}, ensure_ascii=False)
    conn.execute(
        "insert into activation.erasure_requests values (?, ?, ?, ?, 'received', ?, null, null, null)",
        [request_id, _now(), received_via, reason, payload],
    )
    return request_id


def received_requests(conn: duckdb.DuckDBPyConnection) -> list[ErasureRequest]:
    """Gives the requests not yet carried out, oldest first."""
    ensure_tables(conn)
    rows = conn.execute(
        "select request_id, identifiers_json, reason from activation.erasure_requests "
        "where status = 'received' order by received_at"
    ).fetchall()
    requests = []
    for request_id, text, reason in rows:
        body = json.loads(text)
        requests.append(
            ErasureRequest(request_id, body["identifiers"], body.get("contact_ids", []), reason or "")
        )
    return requests


def resolve(
    conn: duckdb.DuckDBPyConnection, request: ErasureRequest
) -> tuple[ErasureSubject, list[str], list[str]]:
    """Gives the person as destinations know them, their identifier keys and their contact ids."""
    keys = {f"{t}:{v}" for t, values in request.identifiers.items() for v in values}
    contact_ids = set(request.contact_ids)
    if _exists(conn, "marts", "contact_identifiers"):
        frame = pd.DataFrame({"identifier_key": sorted(keys) or [""]})
        conn.register("_keys", frame)
        try:
            contact_ids |= {
                r[0]
                for r in conn.execute(
                    "select distinct contact_id from marts.contact_identifiers "
                    "where identifier_key in (select identifier_key from _keys)"
                ).fetchall()
            }
        finally:
            conn.unregister("_keys")
        if contact_ids:
            listed = ", ".join(f"'{_sql_text(c)}'" for c in contact_ids)
            keys |= {
                r[0]
                for r in conn.execute(
                    f"select identifier_key from marts.contact_identifiers where contact_id in ({listed})"
                ).fetchall()
            }
    by_type: dict[str, list[str]] = {}
    for key in sorted(keys):
        id_type, _, value = key.partition(":")
        by_type.setdefault(id_type, []).append(value)
    external = _external_ids(conn, contact_ids)
    subject = ErasureSubject(
        request_id=request.request_id,
        contact_id=sorted(contact_ids)[0] if contact_ids else None,
        emails=tuple(by_type.get("email", ())),
        phones=tuple(by_type.get("phone", ())),
        wechat_openids=tuple(by_type.get("wechat_openid", ())),
        external_ids=tuple(external),
    )
    return subject, sorted(keys), sorted(contact_ids)


def register(
    conn: duckdb.DuckDBPyConnection, request_id: str, keys: Sequence[str], contact_ids: Sequence[str]
) -> None:
    """Keeps SHA-256 of each identifier key and contact id: enough to suppress and to block reloads."""
    hashes = sorted({key_hash(k) for k in keys} | {key_hash(f"contact:{c}") for c in contact_ids})
    frame = pd.DataFrame({"identifier_hash": hashes})
    conn.register("_hashes", frame)
    try:
        conn.execute(
            "insert into activation.erased_identifiers select identifier_hash, ?, ? from _hashes "
            "on conflict (identifier_hash) do nothing",
            [request_id, _now()],
        )
    finally:
        conn.unregister("_hashes")
    conn.execute(
        "update activation.erasure_requests set identifier_hashes = ? where request_id = ?",
        [hashes, request_id],
    )


def enforce_register(
    conn: duckdb.DuckDBPyConnection, clear_values: Sequence[str] = (), request_id: str | None = None
) -> list[Acknowledgement]:
    """Deletes every warehouse row of an erased person and blanks their landing records; gives what it did.

    Matching is by hash (sha256 of '<id_type>:<value>' and 'contact:<contact_id>'), so it works long after the
    clear identifiers are gone. `clear_values` (while a request is processed) also finds quarantined records,
    whose raw payload has no normalised identifier to hash.
    """
    ensure_tables(conn)
    acks: list[Acknowledgement] = _release_identity(conn)
    landing_lines: dict[tuple[str, str], set[int]] = {}
    for schema, table in _tables(conn):
        columns = _column_names(conn, schema, table)
        condition = _erased_condition(columns, clear_values if schema == "quarantine" else ())
        if condition is None:
            continue
        if schema in ("raw", "quarantine") and {"_source_file", "_source_line"} <= set(columns):
            for source_file, line in conn.execute(
                f'select _source_file, _source_line from {schema}."{table}" where {condition}'
            ).fetchall():
                if source_file and line is not None:
                    landing_lines.setdefault((source_file, f"{schema}.{table}"), set()).add(int(line))
        deleted = conn.execute(f'delete from {schema}."{table}" where {condition}').fetchone()[0]
        if deleted:
            acks.append(Acknowledgement(f"warehouse {schema}.{table}", "done", f"deleted {deleted} row(s)"))
    acks += blank_landing_records(conn, landing_lines)
    if request_id:
        for ack in acks:
            record_ack(conn, request_id, ack)
    return acks


def _release_identity(conn: duckdb.DuckDBPyConnection) -> list[Acknowledgement]:
    """Undoes what the erased records did to the identity graph, which daily runs no longer rebuild in full
    (docs/decisions/2026-12-04-scoped-identity-runs.md): deletes every derived row of the records carrying an
    erased identifier (edges, record parts, resolution, attributes, behaviour events; also the identifiers of
    other people or shared values such a record carried), the screening of every identifier on them, and the
    whole component of each. The next run screens and links those identifiers again from the records that
    remain (int_identity_scope, reason 'orphaned'), so no link only the erased records made survives."""
    if not _exists(conn, "intermediate", "int_identity_edges"):
        return []
    register = "(select identifier_hash from activation.erased_identifiers)"
    conn.execute(
        f"""
        create or replace temp table _erased_records as
        select distinct record_id from intermediate.int_identity_edges
        where sha256(identifier_key) in {register}
        """
    )
    conn.execute(
        """
        create or replace temp table _released_identifiers as
        select distinct identifier_key from intermediate.int_identity_edges
        where record_id in (select record_id from _erased_records)
        """
    )
    acks = []
    try:
        if _exists(conn, "intermediate", "int_identity_components"):
            released = conn.execute(
                """
                delete from intermediate.int_identity_components where component_key in (
                    select component_key from intermediate.int_identity_components
                    where identifier_key in (select identifier_key from _released_identifiers)
                )
                """
            ).fetchone()[0]
            if released:
                detail = (
                    f"released {released} identifier(s) of the erased records' components to be linked again"
                )
                acks.append(Acknowledgement("warehouse intermediate.int_identity_components", "done", detail))
        if _exists(conn, "intermediate", "int_identity_identifiers_screened"):
            conn.execute(
                "delete from intermediate.int_identity_identifiers_screened "
                "where identifier_key in (select identifier_key from _released_identifiers)"
            )
        for schema, table in _tables(conn):
            if schema not in ("intermediate", "marts", "segments"):
                continue
            column = next(
                (c for c in ("record_id", "event_id") if c in _column_names(conn, schema, table)), None
            )
            if column is None:
                continue
            deleted = conn.execute(
                f'delete from {schema}."{table}" where "{column}" in (select record_id from _erased_records)'
            ).fetchone()[0]
            if deleted:
                detail = f"deleted {deleted} row(s) derived from the erased records"
                acks.append(Acknowledgement(f"warehouse {schema}.{table}", "done", detail))
    finally:
        conn.execute("drop table if exists _erased_records")
        conn.execute("drop table if exists _released_identifiers")
    return acks


def record_ack(conn: duckdb.DuckDBPyConnection, request_id: str, ack: Acknowledgement) -> None:
    conn.execute(
        "insert into activation.erasure_acknowledgements values (?, ?, ?, ?, ?)",
        [request_id, ack.target, ack.status, ack.detail[:1000], _now()],
    )


def complete(conn: duckdb.DuckDBPyConnection, request_id: str, acks: Sequence[Acknowledgement]) -> str:
    """Marks the request done (or failed if a destination failed) and drops the identifiers in clear text."""
    failed = [a for a in acks if a.status == "failed"]
    status = "failed" if failed else "completed"
    summary = json.dumps({"acknowledgements": len(acks), "failed": [a.target for a in failed]})
    conn.execute(
        "update activation.erasure_requests set status = ?, completed_at = ?, summary = ?, "
        "identifiers_json = case when ? = 'completed' then null else identifiers_json end where request_id = ?",
        [status, _now(), summary, status, request_id],
    )
    return status


def erased_rows(conn: duckdb.DuckDBPyConnection, schema: str, table: str) -> int:
    """Gives how many rows of a table belong to erased people (0 unless old records were reloaded)."""
    if not _exists(conn, "activation", "erased_identifiers"):
        return 0
    condition = _erased_condition(_column_names(conn, schema, table), ())
    if condition is None:
        return 0
    return conn.execute(f'select count(*) from {schema}."{table}" where {condition}').fetchone()[0]


# -- internals ------------------------------------------------------------------------------------------------


def _erased_condition(columns: Sequence[str], clear_values: Sequence[str]) -> str | None:
    register = "(select identifier_hash from activation.erased_identifiers)"
    parts = []
    for column in columns:
        id_type = id_type_of_column(column) if column.endswith("_normalized") else None
        if id_type:
            parts.append(f"sha256('{id_type}:' || \"{column}\") in {register}")
        elif column in PLAIN_IDENTIFIER_COLUMNS:
            parts.append(f"sha256('{column}:' || cast(\"{column}\" as varchar)) in {register}")
        elif column == "identifier_key":
            parts.append(f"sha256(identifier_key) in {register}")
        elif column in ("contact_id", "record_key", "surviving_contact_id"):
            parts.append(f"sha256('contact:' || \"{column}\") in {register}")
    if "id_type" in columns and "id_value" in columns:
        parts.append(f"sha256(id_type || ':' || id_value) in {register}")
    if "raw_payload" in columns:
        for value in clear_values:
            raw_value = value.partition(":")[2] if value.count(":") else value
            parts.append(f"contains(raw_payload, '{_sql_text(raw_value)}')")
            if raw_value.startswith("+86"):
                parts.append(f"contains(raw_payload, '{_sql_text(raw_value[3:])}')")
    return " or ".join(f"({p})" for p in parts) if parts else None


def _tables(conn: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    rows = conn.execute(
        "select table_schema, table_name from information_schema.tables where table_type = 'BASE TABLE' "
        f"and table_schema in ({', '.join(repr(s) for s in SCRUBBED_SCHEMAS)}) order by 1, 2"
    ).fetchall()
    return [(s, t) for s, t in rows if (s, t) not in KEEP_TABLES]


def _column_names(conn: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[str]:
    return [
        r[0]
        for r in conn.execute(
            "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchall()
    ]


def _exists(conn: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(_column_names(conn, schema, table))


def _external_ids(conn: duckdb.DuckDBPyConnection, contact_ids: Iterable[str]) -> list[str]:
    ids = list(contact_ids)
    if not ids or not _exists(conn, "activation", "sync_state"):
        return []
    listed = ", ".join(f"'{_sql_text(c)}'" for c in ids)
    rows = conn.execute(
        f"select distinct external_id from activation.sync_state where record_key in ({listed}) "
        "and external_id is not null and external_id not in (" + listed + ")"
    ).fetchall()
    return [r[0] for r in rows]


def _sql_text(value: str) -> str:
    return str(value).replace("'", "''")
