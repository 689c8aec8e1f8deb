"""Fixtures of the platform tests: a small generated installation with its raw tables loaded into DuckDB."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import dagster as dg
import pytest

from connectors.demo.generator import DemoConfig, generate
from tests.platform.dbt_runs import DbtRun, dbt


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


@dataclass(frozen=True)
class DuckdbBuild:
    """The reference build the other engines are compared with: `dbt build` on DuckDB over ingested raw.*."""

    home: Path
    run: DbtRun
    started: datetime

    @property
    def warehouse(self) -> Path:
        return self.home / "warehouse.duckdb"


@pytest.fixture(scope="session")
def duckdb_build(ingested_home, tmp_path_factory) -> DuckdbBuild:
    workdir = tmp_path_factory.mktemp("duckdb_build")
    home = workdir / "yuchi"
    home.mkdir()
    shutil.copy(ingested_home / "warehouse.duckdb", home / "warehouse.duckdb")
    started = datetime.now()
    run = dbt(["build"], "duckdb", workdir, {"YUCHI_HOME": str(home), "YUCHI_WAREHOUSE": None})
    assert run.returncode == 0 and not run.failures(), run.failures() or run.output[-4000:]
    return DuckdbBuild(home, run, started)
