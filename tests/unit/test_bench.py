"""The benchmark harness: scale factors, chunked landing-file names, the ratios it reports, the landing floor
and the stage timing the worker records."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from bench.data import (
    CHUNK_PEOPLE,
    SCALES,
    batch_first_chunk,
    batch_window,
    chunk_file_name,
    ensure_batch,
    parse_scale,
)
from bench.floors import scan_floor_landing
from bench.measure import Measurement
from bench.pipeline import seconds_by_stage, step_seconds
from bench.registry import BenchContext, Stage, StageOutput
from bench.report import STITCHING_MODEL, render_markdown, summarize
from bench.worker import stage_result


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SF1", ("SF1", 100_000)),
        ("sf10", ("SF10", 1_000_000)),
        ("SF0.5", ("SF0.5", 50_000)),
        ("2500", ("2500p", 2500)),
    ],
)
def test_scale_factors_give_people_as_the_issue_defines_them(text, expected):
    assert parse_scale(text) == expected


@pytest.mark.parametrize("text", ["", "SF", "0", "-5", "big"])
def test_unknown_scale_is_refused_with_the_accepted_forms(text):
    with pytest.raises(ValueError, match="expected SF1, SF10"):
        parse_scale(text)


def test_chunk_tag_keeps_the_file_name_prefix_and_extension_loader_globs_match():
    assert chunk_file_name("submissions-2026W27.jsonl", 3) == "submissions-2026W27-c003.jsonl"
    assert chunk_file_name("outcomes.csv", 12) == "outcomes-c012.csv"


def _stage(name: str, kind: str = "pipeline", in_target: bool = True) -> Stage:
    return Stage(name, lambda ctx: None, 0, kind, in_target and kind == "pipeline", (), ("full",), "")


def test_batches_number_their_chunks_apart_so_landing_file_names_never_collide():
    full_chunks = SCALES["SF10"] // CHUNK_PEOPLE
    firsts = {
        tag: batch_first_chunk(tag) for tag in ["incremental-0.01", "incremental-0.02", "incremental-0.05"]
    }
    assert batch_first_chunk("full") == 0
    assert len(set(firsts.values())) == len(firsts)
    assert all(first >= full_chunks for first in firsts.values())
    assert all(first % 1000 == 0 for first in firsts.values())  # a block of 1,000 chunks each


def test_an_incremental_batch_is_the_day_after_the_full_one_and_a_stale_cache_is_generated_again(tmp_path):
    full_days, full_end = batch_window("full")
    days, end = batch_window("incremental-0.01")
    assert (full_days, days, end - full_end) == (120, 1, timedelta(days=1))
    folder = tmp_path / "bench_data" / "incremental-0.01"
    folder.mkdir(parents=True)
    # a batch cached before batches recorded their window: the generator's 120 days, not the next day
    (folder / "summary.json").write_text(json.dumps({"people": 40, "total_records": 1}))

    summary = ensure_batch(tmp_path, 40, tag="incremental-0.01", workers=1)

    assert (summary["days"], summary["end"]) == (1, end.isoformat())
    times = [
        datetime.fromisoformat(json.loads(line)["occurred_at"])
        for path in (folder / "landing" / "sms").glob("*.jsonl")
        for line in path.read_text().splitlines()
    ]
    assert len(times) > 10 and all(full_end <= t < end for t in times)
    assert ensure_batch(tmp_path, 40, tag="incremental-0.01", workers=1) == summary  # cached now


def test_report_sums_target_stages_and_divides_by_floors_and_peers_measured_in_the_same_run():
    stages = {
        s.name: s
        for s in [
            _stage("ingest"),
            _stage("identity"),
            _stage("training", in_target=False),
            _stage("scan_floor_landing", "floor"),
            _stage("scipy_components", "floor"),
            _stage("splink_clustering", "peer"),
        ]
    }
    full = [
        Measurement("ingest", seconds=30.0, peak_rss_bytes=2 * 1024**3),
        Measurement(
            "identity",
            seconds=20.0,
            peak_rss_bytes=3 * 1024**3,
            metrics={"dbt_seconds_by_model": {STITCHING_MODEL: 6.0}},
        ),
        Measurement("training", seconds=500.0, peak_rss_bytes=9 * 1024**3),
        Measurement("scan_floor_landing", seconds=10.0),
        Measurement("scipy_components", seconds=2.0),
        Measurement("splink_clustering", seconds=12.0),
    ]
    incremental = [Measurement("ingest", seconds=3.0), Measurement("identity", seconds=2.5)]

    summary = summarize(stages, full, incremental)

    assert summary["full_refresh"]["stages"] == ["ingest", "identity"]  # training is not in the target
    assert summary["full_refresh"]["seconds"] == 50.0
    assert summary["full_refresh"]["peak_rss_bytes"] == 3 * 1024**3
    assert summary["full_refresh_vs_scan_floor"] == 5.0
    assert summary["stitching_vs_scipy_components"] == 3.0
    assert summary["stitching_vs_splink_clustering"] == 0.5
    assert summary["stitching_vs_networkx_components"] is None  # not measured, not invented
    assert summary["incremental_vs_full"] == 0.11
    session = {
        "scale": "SF1",
        "people": 100_000,
        "records": 800_000,
        "command": "python -m bench --scale SF1",
        "finished_at": "2026-11-23T12:00:00+00:00",
        "machine": {"cpus": 2, "memory_gib": 24, "load_before": "1.0", "load_after": "1.0"},
    }
    markdown = render_markdown(session, stages, full, incremental, summary)
    assert "5.00 (meets target 8.00)" in markdown and "0.11 (meets target 0.15)" in markdown


def test_landing_floor_reports_the_faster_of_two_reads_and_counts_every_line(tmp_path):
    landing = tmp_path / "landing" / "email"
    landing.mkdir(parents=True)
    (landing / "a.jsonl").write_text('{"x": 1}\n{"x": 2}\n{"x": 1}\n')
    (landing / "b.csv").write_text("h\n1\n")
    (landing / "skip.xlsx").write_bytes(b"not text")
    ctx = BenchContext(home=tmp_path, scratch=tmp_path / "scratch", scale="t", people=1)

    output = scan_floor_landing(ctx)

    assert output.rows == 5
    assert output.metrics["distinct_lines"] == 4
    assert output.metrics["files"] == 2
    assert len(output.metrics["reads_seconds"]) == 2
    assert abs(output.seconds - min(output.metrics["reads_seconds"])) <= 0.005  # the reads are rounded


def test_worker_keeps_the_stage_own_timing_when_it_took_one():
    assert stage_result(StageOutput(rows=3), 12.5)["seconds"] == 12.5
    timed = stage_result(StageOutput(rows=3, seconds=4.0, metrics={"reads_seconds": [9.0, 4.0]}), 12.5)
    assert timed["seconds"] == 4.0
    assert timed["rows"] == 3 and timed["metrics"] == {"reads_seconds": [9.0, 4.0]}


def test_a_daily_run_is_broken_down_by_the_stages_its_steps_served():
    import dagster as dg

    @dg.asset
    def landed():
        return 1

    @dg.asset_check(asset=landed)
    def landed_is_whole():
        return dg.AssetCheckResult(passed=True)

    @dg.multi_asset(specs=[dg.AssetSpec("staged", deps=[landed]), dg.AssetSpec("resolved", deps=["staged"])])
    def models():
        yield dg.MaterializeResult(asset_key="staged")
        yield dg.MaterializeResult(asset_key="resolved")

    defs = dg.Definitions(assets=[landed, models], asset_checks=[landed_is_whole])
    selections = {
        "ingest": dg.AssetSelection.assets(landed).without_checks(),
        "raw_checks": dg.AssetSelection.checks_for_assets(landed),
        "staging": dg.AssetSelection.assets("staged"),
        "identity": dg.AssetSelection.assets("resolved"),
    }
    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize([landed, models, landed_is_whole], instance=instance)

    steps = step_seconds(instance.all_logs(result.run_id), selections, defs.resolve_asset_graph())

    assert {key: owner for key, (owner, _) in steps.items()} == {
        "landed": "ingest",
        "landed_landed_is_whole": "raw_checks",
        "models": "staging+identity",
    }
    assert all(seconds >= 0 for _, seconds in steps.values())
    totals = seconds_by_stage({"a": ("ingest", 1.25), "b": ("ingest", 0.5), "c": ("staging+identity", 2.0)})
    assert totals == {"ingest": 1.75, "staging+identity": 2.0}
