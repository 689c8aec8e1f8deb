"""Connected components of the identity graph, fast: the DuckDB path of int_identity_components.

Records carry identifiers; two identifiers are connected when some record carries both. Every identifier gets
the smallest identifier key of its component, exactly as the portable SQL (min-label propagation) gives it, so
either path yields the same contacts. In dbt, DuckDB numbers the identifiers in key order, groups their codes
by record and hands the integer lists to smallest_connected_codes through the SQL function of
ml/identity/duckdb_plugin.py; only integers cross into Python.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

UNCONNECTED = -1


def smallest_connected_codes(
    identifier_codes: np.ndarray, record_codes: np.ndarray, n_identifiers: int
) -> np.ndarray:
    """Gives, per identifier code 0..n-1, the smallest identifier code of its component, or UNCONNECTED (-1)
    for a code on no record. `identifier_codes[i]` is carried by record `record_codes[i]` (records numbered
    0..m-1)."""
    smallest = np.full(n_identifiers, UNCONNECTED, dtype=np.int64)
    if n_identifiers == 0 or len(identifier_codes) == 0:
        return smallest
    identifier_codes = np.asarray(identifier_codes, dtype=np.int64)
    record_index = np.asarray(record_codes, dtype=np.int64)
    # a star per record: every identifier on it links to the record's smallest one (its hub); the record
    # nodes themselves are not needed, which halves the graph scipy walks
    hubs = np.full(int(record_index.max()) + 1, n_identifiers, dtype=np.int64)
    np.minimum.at(hubs, record_index, identifier_codes)
    hub_of_edge = hubs[record_index]
    spokes = identifier_codes != hub_of_edge
    graph = csr_matrix(
        (np.ones(int(spokes.sum()), dtype=np.int8), (identifier_codes[spokes], hub_of_edge[spokes])),
        shape=(n_identifiers, n_identifiers),
    )
    _, labels = connected_components(graph, directed=False)
    first_code = np.full(int(labels.max()) + 1, n_identifiers, dtype=np.int64)
    np.minimum.at(first_code, labels, np.arange(n_identifiers, dtype=np.int64))
    connected = np.zeros(n_identifiers, dtype=bool)
    connected[identifier_codes] = True
    smallest[connected] = first_code[labels[connected]]
    return smallest


def _key_order_codes(values: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, pa.Array]:
    """Gives each value's position among the sorted distinct values (byte order, as SQL's binary collation
    sorts), and those values."""
    if isinstance(values, pa.ChunkedArray):
        # one chunk first: encoding chunk by chunk and unifying the dictionaries after is far slower
        values = values.combine_chunks()
    encoded = pc.dictionary_encode(values)
    order = pc.sort_indices(encoded.dictionary).to_numpy()
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order), dtype=np.int64)
    return rank[encoded.indices.to_numpy(zero_copy_only=False)], encoded.dictionary.take(pa.array(order))


def identity_components(edges: pa.Table) -> pa.Table:
    """Gives (identifier_key, component_key) for every identifier of `edges` (columns record_id,
    identifier_key): the component key is the smallest identifier key connected to it through records."""
    identifier_codes, identifiers = _key_order_codes(edges.column("identifier_key"))
    record_codes = pc.dictionary_encode(edges.column("record_id").combine_chunks()).indices
    labels = smallest_connected_codes(
        identifier_codes, record_codes.to_numpy(zero_copy_only=False), len(identifiers)
    )
    return pa.table({"identifier_key": identifiers, "component_key": identifiers.take(pa.array(labels))})
