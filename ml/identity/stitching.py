"""Connected components of the identity graph, fast: the DuckDB path of int_identity_components.

The graph is bipartite: records on one side, identifiers on the other, an edge when a record carries an
identifier. Every identifier gets the smallest identifier key of its component, exactly as the portable SQL
(min-label propagation) gives it, so either path yields the same contacts. In dbt, DuckDB numbers the keys and
calls component_labels through the SQL function of ml/identity/duckdb_plugin.py.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components


def _encoded(values: pa.ChunkedArray | pa.Array) -> pa.DictionaryArray:
    # one chunk first: encoding chunk by chunk and unifying the dictionaries after is far slower
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    return pc.dictionary_encode(values)


def _codes(values: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, pa.Array]:
    """Gives each value's position in the sorted distinct values (byte order, as SQL's binary collation
    sorts), and those values."""
    encoded = _encoded(values)
    dictionary = encoded.dictionary
    indices = encoded.indices.to_numpy(zero_copy_only=False)
    order = pc.sort_indices(dictionary).to_numpy()
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order), dtype=np.int64)
    return rank[indices], dictionary.take(pa.array(order))


def component_labels(
    record_codes: np.ndarray, identifier_codes: np.ndarray, n_identifiers: int
) -> np.ndarray:
    """Gives, per identifier code, the smallest identifier code of its component (codes are 0..n-1)."""
    if n_identifiers == 0:
        return np.empty(0, dtype=np.int64)
    n_records = int(record_codes.max()) + 1 if len(record_codes) else 0
    nodes = n_identifiers + n_records
    graph = coo_matrix(
        (np.ones(len(record_codes), dtype=np.int8), (identifier_codes, record_codes + n_identifiers)),
        shape=(nodes, nodes),
    )
    _, labels = connected_components(graph, directed=False)
    identifier_labels = labels[:n_identifiers]
    # identifier codes are already in key order: the first code seen per label is the smallest
    first_code = np.full(labels.max() + 1, -1, dtype=np.int64)
    codes = np.arange(n_identifiers, dtype=np.int64)
    seen_first = np.unique(identifier_labels, return_index=True)
    first_code[seen_first[0]] = codes[seen_first[1]]
    return first_code[identifier_labels]


def identity_components(edges: pa.Table) -> pa.Table:
    """Gives (identifier_key, component_key) for every identifier of `edges` (columns record_id,
    identifier_key): the component key is the smallest identifier key connected to it through records."""
    if edges.num_rows == 0:
        return pa.table(
            {"identifier_key": pa.array([], pa.string()), "component_key": pa.array([], pa.string())}
        )
    identifier_codes, identifiers = _codes(edges.column("identifier_key"))
    record_codes = _encoded(edges.column("record_id")).indices.to_numpy(zero_copy_only=False)
    labels = component_labels(record_codes, identifier_codes, len(identifiers))
    return pa.table({"identifier_key": identifiers, "component_key": identifiers.take(pa.array(labels))})
