"""lead_stage_history evaluates the score only where an upper bound allows a stage, in tiers of candidate rank:
it must give exactly what evaluating every candidate time gives (the analysis lead_stage_history_exhaustive),
however the tiers are cut and whatever the scoring time (events after it must not count)."""

from __future__ import annotations

import json
import shutil

import duckdb
import pytest

from tests.platform.dbt_runs import dbt

COLUMNS = "contact_id, stage, stage_order, entered_at, entered_by"


def _rows(conn: duckdb.DuckDBPyConnection, sql: str) -> set[tuple]:
    return set(conn.execute(f"select {COLUMNS} from ({sql}) as history").fetchall())


@pytest.fixture(scope="module")
def stage_history_home(duckdb_build, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("stage_history")
    home = workdir / "yuchi"
    home.mkdir()
    shutil.copy(duckdb_build.warehouse, home / "warehouse.duckdb")
    return workdir, home


def _built_and_exhaustive(workdir, home, variables: dict) -> tuple[set, set]:
    """Runs the model and compiles the exhaustive analysis with the same vars; gives both row sets."""
    env = {"YUCHI_HOME": str(home), "YUCHI_WAREHOUSE": None}
    args = ["--vars", json.dumps(variables)] if variables else []
    run = dbt(["run", "--select", "lead_stage_history", *args], "duckdb", workdir, env)
    assert run.returncode == 0, run.output[-3000:]
    compiled = dbt(["compile", "--select", "lead_stage_history_exhaustive", *args], "duckdb", workdir, env)
    assert compiled.returncode == 0, compiled.output[-3000:]
    exhaustive = next((workdir / "target_duckdb" / "compiled").rglob("lead_stage_history_exhaustive.sql"))
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as conn:
        return _rows(conn, "select * from marts.lead_stage_history"), _rows(conn, exhaustive.read_text())


def test_the_data_gives_the_later_tiers_work(stage_history_home):
    _, home = stage_history_home
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as conn:
        busiest = conn.execute(
            "select max(n) from (select contact_id, count(*) as n from marts.lead_score_events "
            "where points > 0 group by contact_id)"
        ).fetchone()[0]
        stages = {
            row[0] for row in conn.execute("select distinct stage from marts.lead_stage_history").fetchall()
        }
    assert busiest > 16  # beyond the last default tier
    assert {"lead", "mql"} <= stages, stages


@pytest.mark.parametrize(
    "variables",
    [
        {},  # the default tiers [1, 4, 16]
        {"lead_stage_candidate_tiers": []},  # one tier: every time the bound lets through
        {"lead_stage_candidate_tiers": [1, 2, 3]},
    ],
    ids=["default-tiers", "one-tier", "many-tiers"],
)
def test_pruned_stage_history_equals_evaluating_every_candidate_time(stage_history_home, variables):
    built, expected = _built_and_exhaustive(*stage_history_home, variables)
    assert {stage for _, stage, *_ in expected} >= {"lead", "mql"}
    assert built == expected, (sorted(built - expected)[:5], sorted(expected - built)[:5])


def test_pruned_stage_history_equals_exhaustive_at_an_earlier_scoring_time(stage_history_home):
    """Scoring as of the median event: half the events lie after it, and the decayed bound must ignore them."""
    _, home = stage_history_home
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as conn:
        median = conn.execute(
            "select strftime(quantile_disc(occurred_at, 0.5), '%Y-%m-%d %H:%M:%S') from marts.lead_score_events"
        ).fetchone()[0]
    built, expected = _built_and_exhaustive(
        *stage_history_home, {"scoring_as_of": median, "lead_stage_candidate_tiers": [1, 2]}
    )
    assert {stage for _, stage, *_ in expected} >= {"lead"}
    assert built == expected, (sorted(built - expected)[:5], sorted(expected - built)[:5])
