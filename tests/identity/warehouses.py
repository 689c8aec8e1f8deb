"""Helpers of the identity tests: load generated landing files, run dbt, copy raw tables to PostgreSQL."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import psycopg2
from psycopg2 import sql

from connectors.sources import ALL_ENTITIES
from connectors.sources.loader import load_entity

REPO = Path(__file__).resolve().parents[2]
DBT_DIR = REPO / "dbt_project"
IDENTITY_MODELS = "+contact_identifiers +contact_merges +int_records_resolved"
POSTGRES_TYPES = {"VARCHAR": "text", "BIGINT": "bigint", "INTEGER": "integer", "DOUBLE": "double precision",
                  "BOOLEAN": "boolean", "TIMESTAMP": "timestamp", "DATE": "date"}  # fmt: skip


def load_landing(home: Path) -> None:
    """Loads every landing file under home/landing into home/warehouse.duckdb (raw.* and quarantine.*)."""
    with duckdb.connect(str(home / "warehouse.duckdb")) as conn:
        for entity in ALL_ENTITIES:
            load_entity(conn, entity, home / "landing")


def run_dbt(
    home: Path, select: str, variables: dict | None = None, target: str = "duckdb", env: dict | None = None
):
    """Builds the selection with its seeds (no data tests: the e2e tests run those) against home's warehouse,
    or the postgres target; fails loudly."""
    environment = os.environ | {"YUCHI_HOME": str(home), "YUCHI_DBT_TARGET": target} | (env or {})
    environment.pop("YUCHI_WAREHOUSE", None)
    command = [
        str(Path(sys.executable).parent / "dbt"), "build", "--exclude-resource-type", "test",
        "--exclude-resource-type", "unit_test", "--profiles-dir", str(DBT_DIR), "--project-dir",
        str(DBT_DIR), "--target-path", str(home / f"dbt_target_{target}"), "--select", select,
        "--vars", json.dumps(variables or {}),
    ]  # fmt: skip
    completed = subprocess.run(command, env=environment, capture_output=True, text=True)
    assert completed.returncode == 0, completed.stdout[-6000:] + completed.stderr[-3000:]


def copy_home(source: Path, target: Path) -> Path:
    """Copies a Yuchi home (landing, ground truth, warehouse) so two runs can diverge."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("dbt_target_*"))
    return target


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
