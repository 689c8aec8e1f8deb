"""Benchmark: stitching N identifier edges (default 5M): our paths, the scipy floor and peers, on the same edges.

Measures, on the same synthetic edges (bench/identity/synthetic_graph.py), in seconds:
  scipy_cc_seconds          scipy's connected_components alone, on edges already coded as integers
  scipy_table_seconds       scipy from table to table: read the edges from DuckDB, code the strings, solve,
                            write the labels (bench/floors.py, as `make bench` measures it)
  fast_function_seconds     ml.identity.stitching.identity_components on the string edges, in memory
  fast_model_seconds        the dbt model int_identity_components on DuckDB (the DAG's path; dbt's execution time)
  portable_model_seconds    the same model with var identity_fast_path: false (portable SQL)
  networkx_seconds          networkx.connected_components, table to table (bench/floors.py); capped by
                            --networkx-max-edges, then measured on the first edges only and said so
  splink_seconds            Splink's cluster_pairwise_predictions_at_threshold on the same edges as pairs,
                            table to table (bench/floors.py)
checks that every path finds the same number of components and that the portable model gives the fast model's
rows, and prints the ratios (ours / scipy, ours / Splink, ours / networkx) with the load average around the run.

    python -m bench.identity.stitching --edges 5000000 [--skip-portable] [--skip-peers]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from bench import floors
from bench.identity.pipeline import report, run_dbt, timed
from bench.identity.synthetic_graph import identity_edges
from bench.registry import BenchContext
from ml.identity import stitching


def scipy_floor(edges: pa.Table) -> float:
    """Seconds scipy's connected_components takes on the bipartite graph, given integer codes."""
    identifiers = pc.dictionary_encode(edges.column("identifier_key").combine_chunks()).indices.to_numpy()
    records = pc.dictionary_encode(edges.column("record_id").combine_chunks()).indices.to_numpy()
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
            select record_id, 'bench' as source, timestamp '2026-11-01' as occurred_at,
                   split_part(identifier_key, ':', 1) as id_type, split_part(identifier_key, ':', 2) as id_value,
                   identifier_key
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


def peer_figures(home: Path, edges: int, networkx_max_edges: int) -> dict:
    """Runs the peers of bench/floors.py (scipy, networkx, Splink; each from table to table) on home's edges."""
    figures: dict = {}
    context = BenchContext(home=home, scratch=home / "scratch", scale="stitching", people=0)
    for name, peer in (
        ("scipy_table", floors.scipy_components),
        ("networkx", floors.networkx_components),
        ("splink", floors.splink_clustering),
    ):
        if name == "networkx" and edges > networkx_max_edges:
            figures["networkx_seconds"] = None
            figures["networkx_note"] = f"not run: {edges} edges > --networkx-max-edges {networkx_max_edges}"
            continue
        seconds, output = timed(peer, context)
        figures[f"{name}_seconds"] = round(seconds, 2)
        # peers label record nodes too; every record joins an identifier's component, so the counts agree
        figures[f"{name}_components"] = output.metrics["components"]
    return figures


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edges", type=int, default=5_000_000)
    parser.add_argument("--skip-portable", action="store_true", help="skip the portable SQL model (slow)")
    parser.add_argument("--skip-peers", action="store_true", help="skip networkx and Splink")
    parser.add_argument(
        "--networkx-max-edges", type=int, default=10_000_000, help="skip networkx above this many edges"
    )
    args = parser.parse_args(argv)

    figures: dict = {"load_average_before": [round(x, 2) for x in os.getloadavg()], "cpus": os.cpu_count()}
    edges = identity_edges(args.edges)
    figures["edges"] = edges.num_rows
    figures["scipy_cc_seconds"] = round(scipy_floor(edges), 2)
    seconds, components = timed(stitching.identity_components, edges)
    figures["fast_function_seconds"] = round(seconds, 2)
    figures["identifiers"] = components.num_rows
    figures["components"] = pc.count_distinct(components.column("component_key")).as_py()
    del components

    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        warehouse = home / "warehouse.duckdb"
        write_warehouse(warehouse, edges)
        del edges
        figures["fast_model_seconds"] = round(run_dbt(home, "int_identity_components"), 2)
        with duckdb.connect(str(warehouse)) as conn:
            conn.execute(
                "create table main.fast_components as select * from intermediate.int_identity_components"
            )
            figures["fast_model_components"] = conn.execute(
                "select count(distinct component_key) from main.fast_components"
            ).fetchone()[0]
        if not args.skip_peers:
            figures |= peer_figures(home, figures["edges"], args.networkx_max_edges)
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
    figures["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    figures |= ratios(figures)
    return report("stitching", figures)


def ratios(figures: dict) -> dict:
    """Gives our seconds over the floor's and the peers' (only for the figures that were measured)."""
    ours = {"fast_model": figures["fast_model_seconds"], "fast_function": figures["fast_function_seconds"]}
    theirs = {
        "scipy": figures["scipy_cc_seconds"],
        "scipy_table": figures.get("scipy_table_seconds"),
        "networkx": figures.get("networkx_seconds"),
        "splink": figures.get("splink_seconds"),
    }
    return {
        f"{mine}_over_{peer}": round(seconds / other, 2)
        for mine, seconds in ours.items()
        for peer, other in theirs.items()
        if other
    }


if __name__ == "__main__":
    main()
