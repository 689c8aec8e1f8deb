"""A PostgreSQL database of its own for a test: starts the machine's cluster if it is down, gives a fresh database.

The image has PostgreSQL 15 installed with cluster `15 main` stopped; several test sessions share it, so every
test works in a database with a unique name and drops it afterwards. Connection settings come from the same
YUCHI_PG_* variables dbt_project/profiles.yml reads. When YUCHI_PG_HOST names another server, nothing is started
and the role is expected to exist there.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg2
from psycopg2 import sql

CLUSTER = ("15", "main")
ROLE, PASSWORD = "yuchi", "yuchi"


@dataclass(frozen=True)
class PostgresDatabase:
    """Where a test's database is, as the YUCHI_PG_* variables the postgres dbt target reads."""

    host: str
    port: int
    user: str
    password: str
    dbname: str

    def env(self) -> dict[str, str]:
        return {
            "YUCHI_PG_HOST": self.host,
            "YUCHI_PG_PORT": str(self.port),
            "YUCHI_PG_USER": self.user,
            "YUCHI_PG_PASSWORD": self.password,
            "YUCHI_PG_DATABASE": self.dbname,
        }

    def connect(self, dbname: str | None = None) -> psycopg2.extensions.connection:
        return psycopg2.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            dbname=dbname or self.dbname,
            connect_timeout=10,
        )


def _as_postgres(statement: str) -> None:
    """Runs SQL as the cluster's superuser over the local socket (peer authentication)."""
    runner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else ["sudo", "-n", "-u", "postgres"]
    subprocess.run(
        [*runner, "psql", "-v", "ON_ERROR_STOP=1", "-qAtc", statement],
        check=True,
        capture_output=True,
        text=True,
    )


def ensure_local_cluster() -> None:
    """Starts cluster 15/main if it is down and makes the `yuchi` role (password login, may create databases).

    Idempotent, and safe when other sessions do the same at the same moment.
    """
    if shutil.which("pg_ctlcluster") is None:
        raise RuntimeError(
            "PostgreSQL is not installed here (no pg_ctlcluster): install postgresql-15, or point YUCHI_PG_HOST "
            "at a server with a role that may create databases"
        )
    status = subprocess.run(["pg_ctlcluster", *CLUSTER, "status"], capture_output=True, text=True)
    if status.returncode != 0:
        started = subprocess.run(["pg_ctlcluster", *CLUSTER, "start"], capture_output=True, text=True)
        if started.returncode != 0 and "already running" not in started.stderr:
            raise RuntimeError(
                f"pg_ctlcluster {' '.join(CLUSTER)} start failed (run as root?): {started.stderr.strip()}"
            )
    for attempt in range(20):  # the server accepts connections a moment after start returns
        try:
            _as_postgres(
                f"do $$ begin if not exists (select from pg_roles where rolname = '{ROLE}') then "
                f"create role {ROLE} login createdb password '{PASSWORD}'; end if; end $$; "
                # DROP DATABASE ... WITH (FORCE) ends the database's sessions, an autovacuum worker's too,
                # which PostgreSQL 15 allows only to members of pg_signal_backend
                f"grant pg_signal_backend to {ROLE}"
            )
            return
        except subprocess.CalledProcessError as exc:
            if attempt == 19:
                raise RuntimeError(f"could not prepare role {ROLE} in cluster 15/main: {exc.stderr}") from exc
            time.sleep(0.5)


@contextmanager
def fresh_database(prefix: str = "yuchi_test") -> Iterator[PostgresDatabase]:
    """Gives a new, empty database with a unique name; drops it (and its connections) afterwards."""
    host = os.environ.get("YUCHI_PG_HOST", "127.0.0.1")
    if "YUCHI_PG_HOST" not in os.environ:
        ensure_local_cluster()
    server = PostgresDatabase(
        host=host,
        port=int(os.environ.get("YUCHI_PG_PORT", "5432")),
        user=os.environ.get("YUCHI_PG_USER", ROLE),
        password=os.environ.get("YUCHI_PG_PASSWORD", PASSWORD),
        dbname=f"{prefix}_{uuid.uuid4().hex[:12]}",
    )
    admin = server.connect(dbname="postgres")
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute(sql.SQL("create database {}").format(sql.Identifier(server.dbname)))
        yield server
    finally:
        try:
            _drop(admin, server.dbname)
        finally:
            admin.close()


def _drop(admin: psycopg2.extensions.connection, dbname: str) -> None:
    """Drops a test database, ending its sessions. On a server where the role may not end an autovacuum
    worker's session (not a member of pg_signal_backend), waits for the worker to finish."""
    statement = sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(dbname))
    for attempt in range(60):
        try:
            with admin.cursor() as cursor:
                cursor.execute(statement)
            return
        except psycopg2.errors.InsufficientPrivilege:
            if attempt == 59:
                raise
            time.sleep(0.5)
