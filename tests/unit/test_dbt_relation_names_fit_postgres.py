"""Every relation name the dbt project makes fits PostgreSQL's 63-character identifier limit.

dbt-postgres refuses a longer name with "Relation name ... is longer than 63 characters". A unit test counts:
its materialization builds `this` from the unit test's name, so a long unit test name passes on DuckDB and
ends in ERROR on PostgreSQL. This check runs on the manifest, so DuckDB-only runs catch it too.
"""

from __future__ import annotations

import json

from orchestration.transform.project import dbt_project

POSTGRES_MAX_IDENTIFIER = 63  # NAMEDATALEN - 1


def test_model_seed_snapshot_and_unit_test_names_fit_postgres_identifiers():
    manifest = json.loads(dbt_project.manifest_path.read_text())
    nodes = {**manifest["nodes"], **manifest.get("unit_tests", {})}
    too_long = {
        unique_id: node.get("alias") or node["name"]
        for unique_id, node in nodes.items()
        if node["resource_type"] in ("model", "seed", "snapshot", "unit_test")
        and len(node.get("alias") or node["name"]) > POSTGRES_MAX_IDENTIFIER
    }
    assert sum(1 for node in nodes.values() if node["resource_type"] == "unit_test") > 0, (
        "manifest has no unit tests"
    )
    assert too_long == {}, (
        f"names longer than {POSTGRES_MAX_IDENTIFIER} characters fail on PostgreSQL: {too_long}"
    )
