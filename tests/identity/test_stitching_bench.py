"""The stitching benchmark's peers run on the benchmark's own warehouse and find our components; its ratios
only divide figures that were measured."""

from __future__ import annotations

import pyarrow.compute as pc

from bench.identity.stitching import peer_figures, ratios, write_warehouse
from bench.identity.synthetic_graph import identity_edges
from ml.identity.stitching import identity_components


def test_scipy_networkx_and_splink_find_the_components_of_the_fast_path_on_the_same_edges(tmp_path):
    edges = identity_edges(3000)
    write_warehouse(tmp_path / "warehouse.duckdb", edges)
    ours = pc.count_distinct(identity_components(edges).column("component_key")).as_py()
    figures = peer_figures(tmp_path, edges.num_rows, networkx_max_edges=10_000)
    assert ours > 100
    assert (
        figures["scipy_table_components"],
        figures["networkx_components"],
        figures["splink_components"],
    ) == (
        ours,
        ours,
        ours,
    )


def test_networkx_above_its_cap_is_reported_as_not_run(tmp_path):
    edges = identity_edges(500)
    write_warehouse(tmp_path / "warehouse.duckdb", edges)
    figures = peer_figures(tmp_path, edges.num_rows, networkx_max_edges=100)
    assert figures["networkx_seconds"] is None and "--networkx-max-edges 100" in figures["networkx_note"]
    measured = {"fast_model_seconds": 6.0, "fast_function_seconds": 3.0, "scipy_cc_seconds": 2.0} | figures
    assert ratios(measured)["fast_model_over_scipy"] == 3.0
    assert "fast_model_over_networkx" not in ratios(measured)  # not measured, not invented
