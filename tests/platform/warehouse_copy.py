"""Copies tables from the embedded DuckDB warehouse into PostgreSQL, as the raw tables a dbt build reads.

The ingest loader writes DuckDB; to run the dbt project on PostgreSQL against exactly the rows the DuckDB
build saw, the portability test copies raw.* over (CSV through COPY, so it stays fast as the data grows).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import duckdb
import psycopg2
from psycopg2 import sql

POSTGRES_TYPES = {
    "VARCHAR": "text",
    "JSON": "text",
    "BIGINT": "bigint",
    "INTEGER": "integer",
    "SMALLINT": "smallint",
    "HUGEINT": "numeric",
    "DOUBLE": "double precision",
    "FLOAT": "real",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
    "UUID": "uuid",
}


def postgres_type(duckdb_type: str) -> str:
    """Gives the PostgreSQL column type for a DuckDB one; nested and unknown types travel as text."""
    if duckdb_type.startswith("DECIMAL"):
        return duckdb_type.lower().replace("decimal", "numeric")
    return POSTGRES_TYPES.get(duckdb_type, "text")


def copy_schema(
    source: duckdb.DuckDBPyConnection, target: psycopg2.extensions.connection, schema: str
) -> dict:
    """Recreates every table of `schema` from DuckDB in PostgreSQL with its rows; gives rows copied per table."""
    columns_by_table: dict[str, list[tuple[str, str]]] = {}
    for table, column, kind in source.execute(
        "select table_name, column_name, data_type from information_schema.columns "
        "where table_schema = ? order by table_name, ordinal_position",
        [schema],
    ).fetchall():
        columns_by_table.setdefault(table, []).append((column, kind))
    copied = {}
    with tempfile.TemporaryDirectory() as folder, target.cursor() as cursor:
        cursor.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(schema)))
        for table, columns in columns_by_table.items():
            qualified = sql.Identifier(schema, table)
            cursor.execute(sql.SQL("drop table if exists {}").format(qualified))
            cursor.execute(
                sql.SQL("create table {} ({})").format(
                    qualified,
                    sql.SQL(", ").join(
                        sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(postgres_type(kind)))
                        for name, kind in columns
                    ),
                )
            )
            path = Path(folder) / f"{table}.csv"
            selected = ", ".join(
                f'cast("{name}" as varchar)' if postgres_type(kind) == "text" else f'"{name}"'
                for name, kind in columns
            )
            source.execute(
                f'copy (select {selected} from "{schema}"."{table}") to \'{path}\' (format csv, header false)'
            )
            with path.open() as handle:
                cursor.copy_expert(
                    sql.SQL("copy {} from stdin with (format csv)").format(qualified).as_string(target),
                    handle,
                )
            copied[table] = cursor.rowcount
    target.commit()
    return copied
