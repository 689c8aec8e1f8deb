"""dbt-duckdb plugin: registers the SQL function the DuckDB fast path of int_identity_components calls.

dbt_project/profiles.yml loads it for the duckdb target (plugins: module ml.identity.duckdb_plugin), so every
connection dbt opens has

    yuchi_component_labels(edge_codes BIGINT[], n_identifiers BIGINT) -> BIGINT[]

Each edge code packs an (identifier, record) pair as identifier_code * 2^32 + record_code, identifiers numbered
0..n-1 in key order; the result gives, per identifier code, the smallest code of its component
(ml.identity.stitching.component_labels, scipy's connected components). DuckDB does the numbering and joins;
only integer lists cross into Python.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from dbt.adapters.duckdb.plugins import BasePlugin
from duckdb import DuckDBPyConnection
from duckdb.sqltypes import BIGINT

from ml.identity.stitching import component_labels

FUNCTION = "yuchi_component_labels"


RECORD_BITS = 32


def component_labels_arrow(edge_codes: pa.Array, n_identifiers: pa.Array) -> pa.Array:
    """The vectorised body of yuchi_component_labels: one list of labels per input row."""
    results = []
    for row in range(len(n_identifiers)):
        packed = np.asarray(edge_codes[row].values, dtype=np.int64)
        identifiers, records = np.divmod(packed, np.int64(1) << RECORD_BITS)
        results.append(component_labels(records, identifiers, int(n_identifiers[row].as_py())))
    return pa.array(results, type=pa.list_(pa.int64()))


def register(conn: DuckDBPyConnection) -> None:
    """Registers yuchi_component_labels on a DuckDB connection (for dbt, and for scripts and tests)."""
    codes = conn.list_type(BIGINT)
    conn.create_function(FUNCTION, component_labels_arrow, [codes, BIGINT], codes, type="arrow")


class Plugin(BasePlugin):
    """Registers Yuchi's identity functions on every connection dbt-duckdb opens."""

    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        register(conn)
