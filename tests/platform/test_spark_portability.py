"""The dbt project builds on Spark (dbt-spark's session method) and gives the same marts as on DuckDB.

Runs with `make test-spark`, in its own virtualenv (.venv-spark): pyspark must not share a venv with the
Dagster run workers (docs/decisions/2026-11-23-spark-in-its-own-virtualenv.md). Raw tables travel from the
DuckDB reference build as parquet and are saved as Spark tables; marts come back as parquet for the comparison.
"""

from __future__ import annotations

import subprocess
import sys

import duckdb
import pytest

from connectors.settings import REPO_ROOT
from tests.platform.dbt_runs import dbt
from tests.platform.marts_comparison import describe, marts_differences

pytestmark = pytest.mark.spark


def spark_tables(*args: str) -> None:
    process = subprocess.run(
        [sys.executable, "-m", "tests.platform.spark_tables", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    )
    assert process.returncode == 0, process.stderr[-4000:]


@pytest.fixture(scope="module")
def spark(duckdb_build, tmp_path_factory):
    """dbt build on a local Spark over the raw rows of the DuckDB reference build; its marts as parquet."""
    workdir = tmp_path_factory.mktemp("spark_build")
    spark_home, raw, marts = workdir / "spark", workdir / "raw_parquet", workdir / "marts_parquet"
    raw.mkdir()
    with duckdb.connect(str(duckdb_build.warehouse), read_only=True) as warehouse:
        tables = [
            t
            for (t,) in warehouse.execute(
                "select table_name from information_schema.tables where table_schema = 'raw'"
            ).fetchall()
        ]
        for table in tables:
            if table.startswith("_"):  # the loader's own bookkeeping (raw._file_loads), not a dbt source
                continue
            warehouse.execute(f"copy raw.\"{table}\" to '{raw / table}.parquet' (format parquet)")
    spark_tables("load", str(spark_home), "raw", str(raw))
    run = dbt(["build"], "spark", workdir, {"YUCHI_SPARK_HOME": str(spark_home)})
    if run.returncode == 0:
        spark_tables("dump", str(spark_home), "marts", str(marts))
    return {"run": run, "marts": marts}


def test_dbt_build_with_seeds_models_tests_and_unit_tests_passes_on_spark(spark, duckdb_build):
    run = spark["run"]
    assert run.returncode == 0 and not run.failures(), run.failures() or run.output[-6000:]
    for resource_type in ("seed", "model", "test", "unit_test"):
        assert run.count(resource_type) > 0, f"no {resource_type} ran on spark"
    assert run.statuses.keys() == duckdb_build.run.statuses.keys(), "both engines build the same nodes"


def test_marts_on_spark_equal_marts_on_duckdb_for_the_same_raw_rows(spark, duckdb_build):
    dumped = sorted(spark["marts"].glob("*.parquet"))
    assert {"dim_contacts", "contact_identifiers", "fct_behaviors", "lead_scores"} <= {p.stem for p in dumped}
    with duckdb.connect(str(duckdb_build.warehouse), read_only=True) as warehouse:
        cursor = warehouse.cursor()
        differences = marts_differences(
            cursor, cursor, {p.stem: f"read_parquet('{p}')" for p in dumped}, duckdb_build.started
        )
    assert differences == {}, describe(differences)
