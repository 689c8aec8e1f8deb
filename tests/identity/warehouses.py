"""Helpers of the identity tests: a PostgreSQL database of their own, and raw tables copied into it."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import psycopg2
from psycopg2 import sql

POSTGRES_TYPES = {"VARCHAR": "text", "BIGINT": "bigint", "INTEGER": "integer", "DOUBLE": "double precision",
                  "BOOLEAN": "boolean", "TIMESTAMP": "timestamp", "DATE": "date"}  # fmt: skip


@contextmanager
def postgres_database(prefix: str = "yuchi_identity") -> Iterator[dict]:
    """Starts the local PostgreSQL 15 cluster if it is down, creates a database of our own, and gives the
    YUCHI_PG_* settings of the dbt postgres target; drops the database afterwards."""
    status = subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True, text=True).stdout
    if "online" not in status:
        subprocess.run(["pg_ctlcluster", "15", "main", "start"], check=True)
    database, role = f"{prefix}_{uuid.uuid4().hex[:8]}", prefix

    def psql(statement: str) -> None:
        subprocess.run(["su", "postgres", "-c", f'psql -v ON_ERROR_STOP=1 -q -c "{statement}"'], check=True)

    psql(f"do \\$\\$ begin if not exists (select from pg_roles where rolname = '{role}') then "
         f"create role {role} login password '{role}'; end if; end \\$\\$;")  # fmt: skip
    psql(f"create database {database} owner {role}")
    try:
        yield {"YUCHI_PG_HOST": "127.0.0.1", "YUCHI_PG_PORT": "5432", "YUCHI_PG_USER": role,
               "YUCHI_PG_PASSWORD": role, "YUCHI_PG_DATABASE": database}  # fmt: skip
    finally:
        psql(f"drop database if exists {database} with (force)")


def postgres_connection(settings: dict):
    return psycopg2.connect(
        host=settings["YUCHI_PG_HOST"], port=settings["YUCHI_PG_PORT"], user=settings["YUCHI_PG_USER"],
        password=settings["YUCHI_PG_PASSWORD"], dbname=settings["YUCHI_PG_DATABASE"],
    )  # fmt: skip


def copy_raw_to_postgres(warehouse: Path, settings: dict) -> None:
    """Recreates raw.* of the DuckDB warehouse in PostgreSQL with the same rows (CSV through COPY)."""
    with duckdb.connect(str(warehouse), read_only=True) as source, postgres_connection(settings) as target:
        columns: dict[str, list[tuple[str, str]]] = {}
        for table, column, kind in source.execute(
            "select table_name, column_name, data_type from information_schema.columns "
            "where table_schema = 'raw' order by table_name, ordinal_position"
        ).fetchall():
            columns.setdefault(table, []).append((column, kind))
        with target.cursor() as cursor:
            cursor.execute("create schema if not exists raw")
            for table, table_columns in columns.items():
                qualified = sql.Identifier("raw", table)
                cursor.execute(
                    sql.SQL("create table {} ({})").format(
                        qualified,
                        sql.SQL(", ").join(
                            sql.SQL("{} {}").format(
                                sql.Identifier(name), sql.SQL(POSTGRES_TYPES.get(kind, "text"))
                            )
                            for name, kind in table_columns
                        ),
                    )
                )
                csv_path = warehouse.parent / f"raw_{table}.csv"
                source.execute(f"copy raw.{table} to '{csv_path}' (header, format csv)")
                with csv_path.open(encoding="utf-8") as handle:
                    cursor.copy_expert(
                        sql.SQL("copy {} from stdin with (format csv, header)").format(qualified), handle
                    )
                csv_path.unlink()
