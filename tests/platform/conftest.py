"""Fixtures of the platform tests: a small generated installation with its raw tables loaded into DuckDB."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from connectors.demo.generator import DemoConfig, generate


def ingest_into_duckdb(home: Path) -> dg.ExecuteInProcessResult:
    """Runs the ingest asset group of the real definitions against `home` (landing -> raw.* in DuckDB)."""
    from orchestration.definitions import defs

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("YUCHI_HOME", str(home))
        patch.delenv("YUCHI_WAREHOUSE", raising=False)
        return dg.materialize(
            list(defs.assets or []),
            selection=dg.AssetSelection.groups("ingest"),
            resources=defs.resources,
            instance=dg.DagsterInstance.ephemeral(),
        )


@pytest.fixture(scope="session")
def ingested_home(tmp_path_factory) -> Path:
    """A YUCHI_HOME with a small seeded funnel (junk and broken rows included) ingested into raw.*."""
    home = tmp_path_factory.mktemp("platform") / "yuchi"
    generate(DemoConfig(people=300, seed=23), home)
    result = ingest_into_duckdb(home)
    assert result.success
    return home
