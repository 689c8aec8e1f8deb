"""lead_stage_history evaluates the score only where an upper bound allows a stage, first at a few candidate times
per contact and then at the rest: it must give exactly what evaluating every candidate time gives (the analysis
lead_stage_history_exhaustive), however few candidates the first tier takes."""

from __future__ import annotations

import shutil

import duckdb

from tests.platform.dbt_runs import dbt

COLUMNS = "contact_id, stage, stage_order, entered_at, entered_by"


def _exhaustive_sql(workdir, env) -> str:
    run = dbt(["compile", "--select", "lead_stage_history_exhaustive"], "duckdb", workdir, env)
    assert run.returncode == 0, run.output[-3000:]
    compiled = next((workdir / "target_duckdb" / "compiled").rglob("lead_stage_history_exhaustive.sql"))
    return compiled.read_text()


def _rows(conn: duckdb.DuckDBPyConnection, sql: str) -> set[tuple]:
    return set(conn.execute(f"select {COLUMNS} from ({sql}) as history").fetchall())


def test_pruned_stage_history_equals_evaluating_every_candidate_time(duckdb_build, tmp_path):
    home = tmp_path / "yuchi"
    home.mkdir()
    warehouse = home / "warehouse.duckdb"
    shutil.copy(duckdb_build.warehouse, warehouse)
    env = {"YUCHI_HOME": str(home), "YUCHI_WAREHOUSE": None}
    exhaustive = _exhaustive_sql(tmp_path, env)

    with duckdb.connect(str(warehouse), read_only=True) as conn:
        expected = _rows(conn, exhaustive)
        built = _rows(conn, "select * from marts.lead_stage_history")
        # candidate times per contact that may reach a stage: the data must give the second tier work
        busiest = conn.execute(
            "select max(n) from (select contact_id, count(*) as n from marts.lead_score_events "
            "where points > 0 group by contact_id)"
        ).fetchone()[0]
    stages = {stage for _, stage, *_ in expected}
    assert {"lead", "mql"} <= stages, stages
    assert busiest > 8
    assert built == expected, (sorted(built - expected)[:5], sorted(expected - built)[:5])

    # one candidate per contact in the first tier: nearly every stage is found by the second
    run = dbt(
        ["run", "--select", "lead_stage_history", "--vars", '{"lead_stage_first_candidates": 1}'],
        "duckdb",
        tmp_path,
        env,
    )
    assert run.returncode == 0, run.output[-3000:]
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        one_first = _rows(conn, "select * from marts.lead_stage_history")
    assert one_first == expected, (sorted(one_first - expected)[:5], sorted(expected - one_first)[:5])
