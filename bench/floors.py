"""Floors (the least work any pipeline must do on this data) and peers (other tools doing identity stitching on
the same edges), measured in the same session as the pipeline so ratios compare like with like.

- scan_floor_landing: DuckDB reads every landed file once as text lines and hash-aggregates them (distinct
  lines): touching every input byte and grouping it is the least an ingest-to-marts pipeline must do.
- scan_floor_marts: one DuckDB scan and group-by over all behaviour events in marts.fct_behaviors.
- scipy_components / networkx_components / splink_clustering: connected components of the identity graph,
  from the same edges the pipeline stitched (intermediate.int_identity_edges: record -> identifier), read from
  the warehouse and labels written back, so each does the pipeline's job from table to table.
"""

from __future__ import annotations

import time

import duckdb
import numpy as np

from bench.registry import BenchContext, StageOutput, stage

TEXT_EXTENSIONS = {".csv", ".jsonl", ".json", ".xml", ".txt", ".tsv"}
EDGES = "select record_id, identifier_key from intermediate.int_identity_edges"


@stage("scan_floor_landing", order=5, kind="floor", modes=("full",))
def scan_floor_landing(ctx: BenchContext) -> StageOutput:
    """DuckDB scan and hash-aggregate of every landed file's lines, the faster of two reads: the first may
    read from disk, the second from the page cache, as the pipeline's ingest does when the landing is fresh."""
    files = sorted(
        str(p) for p in (ctx.home / "landing").rglob("*") if p.is_file() and p.suffix in TEXT_EXTENSIONS
    )
    reads = []
    with duckdb.connect() as conn:
        for _ in range(2):
            started = time.perf_counter()
            lines, distinct = conn.execute(
                "select count(*), count(distinct line) from read_csv(?, columns = {'line': 'VARCHAR'}, "
                "header = false, delim = chr(31), quote = '', escape = '', auto_detect = false)",
                [files],
            ).fetchone()
            reads.append(time.perf_counter() - started)
    return StageOutput(
        rows=int(lines),
        metrics={
            "files": len(files),
            "distinct_lines": int(distinct),
            "reads_seconds": [round(r, 2) for r in reads],
        },
        seconds=min(reads),
    )


@stage("scan_floor_marts", order=41, kind="floor", modes=("full",))
def scan_floor_marts(ctx: BenchContext) -> StageOutput:
    """One DuckDB scan and group-by over every behaviour event (marts.fct_behaviors)."""
    with duckdb.connect(str(ctx.warehouse), read_only=True) as conn:
        rows, groups = conn.execute(
            "select sum(n), count(*) from (select contact_id, event_type, count(*) n, max(occurred_at) last_at "
            "from marts.fct_behaviors group by all)"
        ).fetchone()
    return StageOutput(rows=int(rows or 0), metrics={"groups": int(groups)})


def _read_edges(ctx: BenchContext):
    with duckdb.connect(str(ctx.warehouse), read_only=True) as conn:
        return conn.sql(EDGES).to_arrow_table()


def _factorize(edges) -> tuple[np.ndarray, np.ndarray, int]:
    """Gives integer node ids for the bipartite graph: records first, then identifiers."""
    import pyarrow.compute as pc

    records = pc.dictionary_encode(edges["record_id"]).combine_chunks()
    identifiers = pc.dictionary_encode(edges["identifier_key"]).combine_chunks()
    left = records.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    right = identifiers.indices.to_numpy(zero_copy_only=False).astype(np.int64) + len(records.dictionary)
    return left, right, len(records.dictionary) + len(identifiers.dictionary)


def _write_labels(ctx: BenchContext, name: str, nodes, labels) -> None:
    """Writes (node, component) back to a scratch DuckDB, as the pipeline writes its components table."""
    import pyarrow as pa

    ctx.scratch.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(ctx.scratch / "peers.duckdb")) as conn:
        conn.register("labels", pa.table({"node": nodes, "component": labels}))
        conn.execute(f"create or replace table {name} as select * from labels")


@stage("scipy_components", order=31, kind="floor", modes=("full",))
def scipy_components(ctx: BenchContext) -> StageOutput:
    """scipy.sparse.csgraph.connected_components on the identity edges (read, factorize, solve, write)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    edges = _read_edges(ctx)
    started = time.perf_counter()
    left, right, n = _factorize(edges)
    graph = coo_matrix((np.ones(len(left), dtype=np.int8), (left, right)), shape=(n, n)).tocsr()
    count, labels = connected_components(graph, directed=False)
    compute = time.perf_counter() - started
    _write_labels(ctx, "scipy_components", np.arange(n), labels)
    return StageOutput(
        rows=len(edges), metrics={"components": int(count), "nodes": n, "compute_seconds": round(compute, 3)}
    )


@stage("networkx_components", order=32, kind="peer", modes=("full",))
def networkx_components(ctx: BenchContext) -> StageOutput:
    """networkx.connected_components on the same edges (read, build the graph, solve, write)."""
    import networkx as nx

    edges = _read_edges(ctx)
    started = time.perf_counter()
    left, right, n = _factorize(edges)
    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    graph.add_edges_from(zip(left.tolist(), right.tolist(), strict=True))
    labels = np.empty(n, dtype=np.int64)
    count = 0
    for count, members in enumerate(nx.connected_components(graph), start=1):
        labels[list(members)] = count
    compute = time.perf_counter() - started
    _write_labels(ctx, "networkx_components", np.arange(n), labels)
    return StageOutput(
        rows=len(edges), metrics={"components": count, "nodes": n, "compute_seconds": round(compute, 3)}
    )


@stage("splink_clustering", order=33, kind="peer", modes=("full",))
def splink_clustering(ctx: BenchContext) -> StageOutput:
    """Splink's cluster_pairwise_predictions_at_threshold (DuckDB backend) on the same edges."""
    import pyarrow as pa
    from splink import DuckDBAPI
    from splink.clustering import cluster_pairwise_predictions_at_threshold

    edges = _read_edges(ctx)
    started = time.perf_counter()
    left, right, n = _factorize(edges)
    nodes = pa.table({"unique_id": np.arange(n)})
    pairs = pa.table({"unique_id_l": left, "unique_id_r": right})
    clusters = cluster_pairwise_predictions_at_threshold(
        nodes, pairs, DuckDBAPI(), node_id_column_name="unique_id"
    ).as_pandas_dataframe()
    compute = time.perf_counter() - started
    _write_labels(
        ctx, "splink_clustering", clusters["unique_id"].to_numpy(), clusters["cluster_id"].to_numpy()
    )
    return StageOutput(
        rows=len(edges),
        metrics={
            "components": int(clusters["cluster_id"].nunique()),
            "nodes": n,
            "compute_seconds": round(compute, 3),
        },
    )
