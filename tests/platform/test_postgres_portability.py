"""The dbt project builds on PostgreSQL 15 and gives the same marts as on DuckDB for the same raw rows.

Raw tables are copied from the DuckDB warehouse after ingest (the loader writes DuckDB; copying keeps the input
identical on both engines, see docs/decisions/2026-11-23-portability-tests-copy-raw-from-duckdb.md).
"""

from __future__ import annotations

import duckdb
import pytest

from tests.platform.dbt_runs import dbt
from tests.platform.marts_comparison import describe, marts_differences
from tests.platform.postgres import fresh_database
from tests.platform.warehouse_copy import copy_schema


@pytest.fixture(scope="module")
def postgres(duckdb_build, tmp_path_factory):
    """dbt build on PostgreSQL over the raw rows of the DuckDB reference build."""
    workdir = tmp_path_factory.mktemp("postgres_build")
    with fresh_database() as database:
        with duckdb.connect(str(duckdb_build.warehouse), read_only=True) as source, database.connect() as pg:
            copied = copy_schema(source, pg, "raw")
        yield {
            "database": database,
            "copied": copied,
            "run": dbt(["build"], "postgres", workdir, database.env()),
            "workdir": workdir,
        }


def test_dbt_build_with_seeds_models_tests_and_unit_tests_passes_on_postgres(postgres, duckdb_build):
    run = postgres["run"]
    assert postgres["copied"]["web_forms_submissions"] > 0
    assert run.returncode == 0 and not run.failures(), run.failures() or run.output[-4000:]
    for resource_type in ("seed", "model", "test", "unit_test"):
        assert run.count(resource_type) > 0, f"no {resource_type} ran on postgres"
    assert run.statuses.keys() == duckdb_build.run.statuses.keys(), "both engines build the same nodes"


def test_marts_on_postgres_equal_marts_on_duckdb_for_the_same_raw_rows(postgres, duckdb_build):
    with postgres["database"].connect() as pg, pg.cursor() as pg_cursor:
        pg_cursor.execute("select table_name from information_schema.tables where table_schema = 'marts'")
        tables = sorted(name for (name,) in pg_cursor.fetchall())
        assert {"dim_contacts", "contact_identifiers", "fct_behaviors", "lead_scores"} <= set(tables)
        with duckdb.connect(str(duckdb_build.warehouse), read_only=True) as warehouse:
            differences = marts_differences(
                warehouse.cursor(), pg_cursor, {t: f"marts.{t}" for t in tables}, duckdb_build.started
            )
    assert differences == {}, describe(differences)


def test_identity_and_scores_are_not_trivially_equal(duckdb_build):
    """Guards the engine comparisons: the data must give many contacts, several merges, and some MQLs."""
    with duckdb.connect(str(duckdb_build.warehouse), read_only=True) as warehouse:
        contacts, merged, mqls = warehouse.execute(
            "select count(*), count(*) filter (where n_identifiers > 2), "
            "(select count(*) from marts.lead_scores where is_mql) from marts.dim_contacts"
        ).fetchone()
    assert contacts >= 200 and merged >= 50 and mqls >= 1, (contacts, merged, mqls)


def test_a_daily_build_on_postgres_takes_the_incremental_paths_and_keeps_the_marts(postgres, duckdb_build):
    """A second `dbt build` on the same PostgreSQL database runs every incremental model's incremental path
    (scoped identity and stage entries: deletes in pre-hooks, the stage entries' restamp) with no new rows;
    it passes its tests and the marts still equal DuckDB's. (Semantics of runs with new rows: DuckDB,
    tests/platform/test_incremental_builds.py.) Runs last: it builds on the module's database."""
    database = postgres["database"]
    run = dbt(["build"], "postgres", postgres["workdir"], database.env())
    assert run.returncode == 0 and not run.failures(), run.failures() or run.output[-4000:]
    with database.connect() as pg, pg.cursor() as pg_cursor:
        pg_cursor.execute("select reason, count(*) from intermediate.int_lead_stage_scope group by 1")
        reasons = dict(pg_cursor.fetchall())
        assert "everything" not in reasons, f"the second build was not incremental: {reasons}"
        pg_cursor.execute("select table_name from information_schema.tables where table_schema = 'marts'")
        tables = sorted(name for (name,) in pg_cursor.fetchall())
        with duckdb.connect(str(duckdb_build.warehouse), read_only=True) as warehouse:
            differences = marts_differences(
                warehouse.cursor(), pg_cursor, {t: f"marts.{t}" for t in tables}, duckdb_build.started
            )
    assert differences == {}, describe(differences)
