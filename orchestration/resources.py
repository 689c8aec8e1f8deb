"""Resources shared by every asset: where the installation lives and how to open its warehouse."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
import duckdb

from connectors.settings import YuchiPaths, resolve_paths

WAREHOUSE_POOL = "duckdb_warehouse"
"""DuckDB allows one writing process: every asset that writes the warehouse runs in this pool (limit 1)."""


class WarehouseResource(dg.ConfigurableResource):
    """The embedded DuckDB warehouse and landing folder; paths resolve from YUCHI_HOME/YUCHI_WAREHOUSE at run time."""

    home: str | None = None

    def paths(self) -> YuchiPaths:
        return resolve_paths(self.home)

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        path = self.paths().warehouse
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = duckdb.connect(str(path), read_only=read_only)
        try:
            yield conn
        finally:
            conn.close()


def table_preview(conn: duckdb.DuckDBPyConnection, sql: str, limit: int = 10) -> dg.MetadataValue:
    """Gives the first rows of a query as Markdown for the asset's page in the Dagster UI."""
    frame = conn.execute(f"select * from ({sql}) limit {int(limit)}").df()
    return dg.MetadataValue.md(frame.to_markdown(index=False) if not frame.empty else "_no rows_")
