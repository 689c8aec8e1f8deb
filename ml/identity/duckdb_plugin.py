"""dbt-duckdb plugin: registers the SQL function the DuckDB fast path of int_identity_components calls.

dbt_project/profiles.yml loads it for the duckdb target (plugins: module ml.identity.duckdb_plugin), so every
connection dbt opens has

    yuchi_component_labels(records INTEGER[][], n_identifiers BIGINT) -> INTEGER[]

`records` holds one list per record: the codes of the linking identifiers on it, identifiers numbered 0..n-1
in key order. The result gives, per identifier code, the smallest code of its component, or -1 for a code on
no record; NULL arguments give NULL (ml.identity.stitching.smallest_connected_codes, scipy's connected components). DuckDB does the
numbering, grouping and joins; the lists cross into Python as Arrow buffers, without Python objects.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from dbt.adapters.duckdb.plugins import BasePlugin
from duckdb import DuckDBPyConnection
from duckdb.sqltypes import BIGINT, INTEGER

from ml.identity.stitching import smallest_connected_codes

FUNCTION = "yuchi_component_labels"
MAX_IDENTIFIERS = 2**31 - 1  # codes are INTEGER: half the memory of BIGINT lists


def component_labels_arrow(records: pa.Array, n_identifiers: pa.Array) -> pa.Array:
    """The vectorised body of yuchi_component_labels: one list of labels per input row."""
    offsets, labels = [0], []
    for row in range(len(n_identifiers)):
        n = n_identifiers[row].as_py()
        if n > MAX_IDENTIFIERS:
            raise ValueError(
                f"{FUNCTION}: {n} identifiers, more than the {MAX_IDENTIFIERS} INTEGER codes hold"
            )
        row_records = records[row].values  # DuckDB passes no NULL: a NULL argument gives NULL
        row_labels = smallest_connected_codes(
            pc.list_flatten(row_records).to_numpy(zero_copy_only=False),
            pc.list_parent_indices(row_records).to_numpy(zero_copy_only=False),
            n,
        )
        labels.append(row_labels.astype(np.int32))
        offsets.append(offsets[-1] + n)
    values = np.concatenate(labels) if labels else np.empty(0, np.int32)
    return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), pa.array(values, pa.int32()))


def register(conn: DuckDBPyConnection) -> None:
    """Registers yuchi_component_labels on a DuckDB connection (for dbt, and for scripts and tests)."""
    records = conn.list_type(conn.list_type(INTEGER))
    conn.create_function(
        FUNCTION, component_labels_arrow, [records, BIGINT], conn.list_type(INTEGER), type="arrow"
    )


class Plugin(BasePlugin):
    """Registers Yuchi's identity functions on every connection dbt-duckdb opens."""

    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        register(conn)
