"""Resources shared by every asset: where the installation lives and how to open its warehouse."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb

from connectors.settings import YuchiPaths, duckdb_memory_limit, duckdb_temp_directory, resolve_paths
from connectors.warehouse_gate import warehouse_gate

WAREHOUSE_POOL = "duckdb_warehouse"
"""The Dagster concurrency pool of every step that opens the embedded warehouse (the instance limits it to 1).

DuckDB locks its file per process: one process may write, or several may read, never both. So a reader in one
run and a writer in another collide just like two writers do, and readers join the pool too; they still open the
file read-only, so a bug cannot write where it should only read.

The pool schedules; it does not guarantee exclusion. Dagster claims a slot with a SELECT ... FOR UPDATE and
an UPDATE, and SQLite (the default instance storage) ignores FOR UPDATE, so two runs claiming at the same
instant can both get the one slot (CI saw two steps of different runs start 3 ms apart). The warehouse gate
below is what keeps two processes off the file; the pool keeps queued steps from each holding a process
while they wait.
"""

LOCK_WAIT_MESSAGE = "warehouse file is locked by another process"
"""Logged (as a warning) whenever a step finds the warehouse locked; tests count it to prove no step met it."""


GATE_TAKEN = "took the warehouse gate"
GATE_RELEASING = "releasing the warehouse gate"
"""Debug lines around every hold of the warehouse gate by a step, with the mode (shared or exclusive)."""


class WarehouseLockedError(RuntimeError):
    """The warehouse file stayed locked by another process for longer than the resource waits."""


def _is_lock_conflict(error: duckdb.Error) -> bool:
    return bool(re.search(r"could not set lock|conflicting lock", str(error), re.IGNORECASE))


class WarehouseResource(dg.ConfigurableResource):
    """The embedded DuckDB warehouse and landing folder; paths resolve from YUCHI_HOME/YUCHI_WAREHOUSE at run time.

    Steps of Dagster runs are scheduled one at a time by WAREHOUSE_POOL; sensors and the command line are
    outside the pool. Every opening first takes the warehouse gate (connectors/warehouse_gate.py), so two
    steps the pool let through together, or a sensor's read and a step's write, wait for each other instead
    of meeting DuckDB's lock. A process outside Yuchi (a notebook, a BI tool, the DuckDB CLI) can still hold the
    file, so opening waits up to lock_wait_seconds for it and then fails naming the file and the holder.
    """

    home: str | None = None
    lock_wait_seconds: float = 120.0

    def paths(self) -> YuchiPaths:
        return resolve_paths(self.home)

    @contextmanager
    def gate(self, read_only: bool = False, wait: bool = True) -> Iterator[None]:
        """Holds the warehouse gate without opening the file: around dbt, which opens it in its own process.

        wait=False (sensors) raises WarehouseBusyError at once when a step holds the gate.
        """
        path = self.paths().warehouse
        path.parent.mkdir(parents=True, exist_ok=True)
        log, mode = dg.get_dagster_logger(), "shared" if read_only else "exclusive"
        with warehouse_gate(
            path, shared=read_only, wait_seconds=self.lock_wait_seconds if wait else 0
        ) as waited:
            if waited >= 1.0:
                log.info(f"waited {waited:.1f}s for the warehouse gate of {path}")
            # logged inside the hold, after taking and before releasing: the run log shows who held the file
            # when, and a hold that follows another is always logged after it (tests check exclusivity on it)
            log.debug(f"{GATE_TAKEN} ({mode})")
            try:
                yield
            finally:
                log.debug(f"{GATE_RELEASING} ({mode})")

    @contextmanager
    def connect(self, read_only: bool = False, wait: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
        with self.gate(read_only, wait):
            conn = self._open(str(self.paths().warehouse), read_only)
            try:
                yield conn
            finally:
                conn.close()

    def _open(self, path: str, read_only: bool) -> duckdb.DuckDBPyConnection:
        deadline = time.monotonic() + self.lock_wait_seconds
        delay, warned = 0.05, False
        while True:
            try:
                conn = duckdb.connect(path, read_only=read_only)
            except duckdb.Error as exc:
                if not _is_lock_conflict(exc):
                    raise
                if time.monotonic() >= deadline:
                    raise WarehouseLockedError(
                        f"{path} stayed locked for {self.lock_wait_seconds:.0f}s by another process; close it "
                        f"(DuckDB CLI, notebook, BI tool) or run the step again. DuckDB said: {exc}"
                    ) from exc
                if not warned:
                    dg.get_dagster_logger().warning(f"{LOCK_WAIT_MESSAGE}; waiting: {exc}")
                    warned = True
                time.sleep(delay)
                delay = min(delay * 2, 2.0)
                continue
            # SET, not connect(config=...): other connections of this process to the same file need no match
            conn.execute(f"set memory_limit = '{duckdb_memory_limit()}'")
            if os.environ.get("YUCHI_DUCKDB_TEMP_DIRECTORY"):  # else DuckDB's own default, the same folder
                self._set_temp_directory(conn, duckdb_temp_directory(Path(path)))
            return conn

    @staticmethod
    def _set_temp_directory(conn: duckdb.DuckDBPyConnection, temp_directory: str) -> None:
        # set only when it differs: DuckDB refuses to set it at all, even to the same folder, once a
        # connection of this process to the file has spilled there; fetchall, as a result left unfinished
        # (fetchone) blocks register() and other work on the connection
        if conn.execute("select current_setting('temp_directory')").fetchall()[0][0] != temp_directory:
            conn.execute("set temp_directory = ?", [temp_directory])


def table_preview(conn: duckdb.DuckDBPyConnection, sql: str, limit: int = 10) -> dg.MetadataValue:
    """Gives the first rows of a query as Markdown for the asset's page in the Dagster UI."""
    frame = conn.execute(f"select * from ({sql}) limit {int(limit)}").df()
    return dg.MetadataValue.md(frame.to_markdown(index=False) if not frame.empty else "_no rows_")
