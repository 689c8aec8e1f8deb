"""The fast path of int_identity_components on DuckDB: connected components with scipy (ml.identity.stitching).

Gives exactly what the portable SQL gives on the same edges (tests/integration/test_identity_paths.py builds
both and compares them): every linking identifier with the smallest identifier key of its component.
"""

from ml.identity.stitching import duckdb_components


def model(dbt, session):
    dbt.config(materialized="table")
    edges = dbt.ref("int_identity_edges")
    linking = (
        dbt.ref("int_identity_identifiers_screened")
        .filter("screen_status = 'linking'")
        .select("identifier_key")
    )
    return duckdb_components(
        session, edges.join(linking, "identifier_key").select("record_id, identifier_key")
    )
