"""Benchmark: stitching N identifier edges (default 5M), fast path vs portable SQL vs scipy alone.

Measures, on the same synthetic edges (bench/identity/synthetic_graph.py):
  scipy_cc_seconds          scipy.sparse.csgraph.connected_components on integer-coded edges (the floor)
  fast_function_seconds     ml.identity.stitching.identity_components on the string edges, in memory
  fast_model_seconds        the dbt model int_identity_components on DuckDB (numbering in DuckDB, scipy)
  portable_model_seconds    the dbt model int_identity_components with var identity_fast_path: false
and checks that the fast and portable models give the same components.

    python -m bench.identity.stitching --edges 5000000 [--skip-portable]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from bench.identity.pipeline import report, run_dbt, timed
from bench.identity.synthetic_graph import identity_edges
from ml.identity import stitching


def scipy_floor(edges: pa.Table) -> float:
    """Seconds scipy's connected_components takes on the bipartite graph, given integer codes."""
    identifiers = stitching._encoded(edges.column("identifier_key")).indices.to_numpy(zero_copy_only=False)
    records = stitching._encoded(edges.column("record_id")).indices.to_numpy(zero_copy_only=False)
    n_ids = int(identifiers.max()) + 1
    nodes = n_ids + int(records.max()) + 1
    started = time.perf_counter()
    graph = coo_matrix(
        (np.ones(len(records), dtype=np.int8), (identifiers, records + n_ids)), shape=(nodes, nodes)
    )
    connected_components(graph, directed=False)
    return time.perf_counter() - started


def write_warehouse(path: Path, edges: pa.Table) -> None:
    """Writes the two tables int_identity_components reads, as int_identity_edges and the screening give them."""
    with duckdb.connect(str(path)) as conn:
        conn.execute("create schema if not exists intermediate")
        conn.register("bench_edges", edges)
        conn.execute(
            """
            create or replace table intermediate.int_identity_edges as
            select record_id || '|' || identifier_key as edge_key, record_id, 'bench' as source,
                   timestamp '2026-11-01' as occurred_at, split_part(identifier_key, ':', 1) as id_type,
                   split_part(identifier_key, ':', 2) as id_value, identifier_key
            from bench_edges
            """
        )
        conn.execute(
            """
            create or replace table intermediate.int_identity_identifiers_screened as
            select identifier_key, min(id_type) as id_type, min(id_value) as id_value, 'linking' as screen_status
            from intermediate.int_identity_edges group by identifier_key
            """
        )


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edges", type=int, default=5_000_000)
    parser.add_argument("--skip-portable", action="store_true", help="skip the portable SQL model (slow)")
    args = parser.parse_args(argv)

    edges = identity_edges(args.edges)
    figures: dict = {"edges": edges.num_rows}
    figures["scipy_cc_seconds"] = round(scipy_floor(edges), 2)
    seconds, components = timed(stitching.identity_components, edges)
    figures["fast_function_seconds"] = round(seconds, 2)
    figures["identifiers"] = components.num_rows
    figures["components"] = len(set(components.column("component_key").to_pylist()))

    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        warehouse = home / "warehouse.duckdb"
        write_warehouse(warehouse, edges)
        figures["fast_model_seconds"] = round(run_dbt(home, "int_identity_components"), 2)
        with duckdb.connect(str(warehouse)) as conn:
            conn.execute(
                "create table main.fast_components as select * from intermediate.int_identity_components"
            )
        if not args.skip_portable:
            figures["portable_model_seconds"] = round(
                run_dbt(home, "int_identity_components", {"identity_fast_path": False}), 2
            )
            with duckdb.connect(str(warehouse)) as conn:
                differing = conn.execute(
                    """
                    select count(*) from main.fast_components f
                    full join intermediate.int_identity_components p using (identifier_key)
                    where f.component_key is distinct from p.component_key
                    """
                ).fetchone()[0]
            figures["portable_differs_from_fast"] = int(differing)
    figures["fast_function_over_scipy"] = round(
        figures["fast_function_seconds"] / figures["scipy_cc_seconds"], 1
    )
    figures["fast_model_over_scipy"] = round(figures["fast_model_seconds"] / figures["scipy_cc_seconds"], 1)
    return report("stitching", figures)


if __name__ == "__main__":
    main()
