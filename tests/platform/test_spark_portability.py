"""The dbt project builds on Spark (dbt-spark's session method) and gives the same marts as on DuckDB.

Runs with `make test-spark`, in its own virtualenv (.venv-spark): pyspark must not share a venv with the
Dagster run workers (docs/decisions/2026-11-23-spark-in-its-own-virtualenv.md). Raw tables travel from the
DuckDB reference build as parquet, registered as external Spark tables; the comparison reads the marts' parquet
files from Spark's warehouse folder (<warehouse>/marts.db/<table>/), so no JVM is started to dump them.
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
    """dbt build on a local Spark over the raw rows of the DuckDB reference build; the folder of its marts."""
    workdir = tmp_path_factory.mktemp("spark_build")
    spark_home, raw = workdir / "spark", workdir / "raw_parquet"
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
            (raw / table).mkdir(parents=True)
            warehouse.execute(f"copy raw.\"{table}\" to '{raw / table / table}.parquet' (format parquet)")
    spark_tables(str(spark_home), "raw", str(raw))
    run = dbt(["build"], "spark", workdir, {"YUCHI_SPARK_HOME": str(spark_home)})
    return {"run": run, "marts": spark_home / "warehouse" / "marts.db"}


def test_dbt_build_with_seeds_models_tests_and_unit_tests_passes_on_spark(spark, duckdb_build):
    run = spark["run"]
    assert run.returncode == 0 and not run.failures(), run.failures() or run.output[-6000:]
    for resource_type in ("seed", "model", "test", "unit_test"):
        assert run.count(resource_type) > 0, f"no {resource_type} ran on spark"
    assert run.statuses.keys() == duckdb_build.run.statuses.keys(), "both engines build the same nodes"


def test_marts_on_spark_equal_marts_on_duckdb_for_the_same_raw_rows(spark, duckdb_build):
    built = sorted(path for path in spark["marts"].glob("*") if path.is_dir())  # none when the build failed
    assert {"dim_contacts", "contact_identifiers", "fct_behaviors", "lead_scores"} <= {p.name for p in built}
    with duckdb.connect(str(duckdb_build.warehouse), read_only=True) as warehouse:
        cursor = warehouse.cursor()
        differences = marts_differences(
            cursor, cursor, {p.name: f"read_parquet('{p}/*.parquet')" for p in built}, duckdb_build.started
        )
    assert differences == {}, describe(differences)
