"""The pipeline's own stages: each materializes a selection of the real Dagster definitions (no second
implementation), in flow order. dbt stages run `dbt build` on their models, data tests included, as in production.

A full refresh runs them one by one (seconds and peak memory per stage). The incremental run is `daily_run`: the
same selections in one Dagster run, as the daily_refresh job runs them in production (one dbt build for every
model, one run start); its report breaks the run down by step and dbt models by group. `--incremental-by-stage`
runs the stages one by one instead.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from functools import reduce
from typing import Any

import dagster as dg

from bench.registry import STAGES, BenchContext, StageOutput, stage

DBT_DURATION = "Execution Duration"


def materialize(
    selection: dg.AssetSelection, instance: dg.DagsterInstance | None = None
) -> dg.ExecuteInProcessResult:
    """Materializes `selection` of orchestration.definitions in this process; fails loudly on a failed step."""
    from orchestration.definitions import defs

    result = dg.materialize(
        [*defs.assets, *defs.asset_checks],
        selection=selection,
        resources=defs.resources,
        instance=instance or dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    failed = [e.step_key for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    if failed or not result.success:
        messages = [e.message for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
        raise RuntimeError(f"steps failed: {failed}: {messages}")
    return result


def summarize(result: dg.ExecuteInProcessResult) -> StageOutput:
    """Gives rows written (rows loaded for ingest, row counts for models) and per-asset figures of a run."""
    rows, per_asset, durations = 0, {}, {}
    for event in result.get_asset_materialization_events():
        metadata = event.materialization.metadata
        key = event.asset_key.to_user_string()
        count = _value(metadata.get("rows_loaded", metadata.get("dagster/row_count")))
        if count is not None:
            rows += int(count)
            per_asset[key] = int(count)
        if DBT_DURATION in metadata:
            durations[key] = round(float(_value(metadata[DBT_DURATION])), 3)
    checks = result.get_asset_check_evaluations()
    metrics: dict[str, Any] = {"rows_by_asset": per_asset, "checks": len(checks)}
    if durations:
        metrics["dbt_seconds_by_model"] = durations
    failed_checks = [f"{c.asset_key.to_user_string()}:{c.check_name}" for c in checks if not c.passed]
    if failed_checks:
        metrics["failed_checks"] = failed_checks
    return StageOutput(rows=rows, metrics=metrics)


def _value(entry: Any) -> Any:
    return getattr(entry, "value", entry)


def _specs(predicate) -> list[dg.AssetKey]:
    from orchestration.definitions import defs

    return [s.key for s in defs.resolve_all_asset_specs() if predicate(s)]


def _assets(predicate) -> dg.AssetSelection:
    return dg.AssetSelection.assets(*_specs(predicate))


PROPENSITY_MODEL = dg.AssetKey(["ml", "lead_propensity_model"])


def _is_segment(spec) -> bool:
    return spec.group_name == "activation" and any("segment" in p for p in spec.key.path)


# what each pipeline stage materializes, in flow order (the daily run takes the union of the selected ones)
SELECTIONS: dict[str, Callable[[], dg.AssetSelection]] = {
    "ingest": lambda: _assets(lambda s: s.key.path[0] == "raw").without_checks(),
    "raw_checks": lambda: dg.AssetSelection.checks_for_assets(*_specs(lambda s: s.key.path[0] == "raw")),
    "dbt_staging": lambda: _assets(lambda s: s.group_name == "ingest" and s.key.path[0] != "raw"),
    "identity": lambda: _assets(lambda s: s.group_name == "identity"),
    "profiles": lambda: _assets(lambda s: s.group_name == "profiles"),
    "scores": lambda: _assets(lambda s: s.group_name == "scoring"),
    "training": lambda: dg.AssetSelection.assets(PROPENSITY_MODEL),
    "predicted_scores": lambda: _assets(lambda s: s.group_name == "ml" and s.key != PROPENSITY_MODEL),
    "segment_diffs": lambda: _assets(_is_segment),
}


def _run(name: str) -> StageOutput:
    return summarize(materialize(SELECTIONS[name]()))


@stage("ingest", order=10)
def ingest(ctx: BenchContext) -> StageOutput:
    """Landing files -> raw.* and quarantine.* (every channel's loader)."""
    return _run("ingest")


@stage("raw_checks", order=15)
def raw_checks(ctx: BenchContext) -> StageOutput:
    """Blocking checks on raw.* (Great Expectations suites, row accounting)."""
    output = _run("raw_checks")
    output.rows = None
    return output


@stage("dbt_staging", order=20)
def dbt_staging(ctx: BenchContext) -> StageOutput:
    """dbt staging models (rename, cast, deduplicate) with their tests, and the seeds they read (the rest of the
    ingest group)."""
    return _run("dbt_staging")


@stage("identity", order=30, compare_to=("scipy_components", "networkx_components", "splink_clustering"))
def identity(ctx: BenchContext) -> StageOutput:
    """Identity stitching: edges, connected components, record resolution, contacts and identifiers."""
    return _run("identity")


@stage("profiles", order=40)
def profiles(ctx: BenchContext) -> StageOutput:
    """Marts: behaviour facts, traits, CRM outcomes (the profiles group)."""
    return _run("profiles")


@stage("scores", order=50)
def scores(ctx: BenchContext) -> StageOutput:
    """Rule-based lead scores (fit and engagement points, MQL flag)."""
    return _run("scores")


@stage("training", order=55, in_target=False, modes=("full",))
def training(ctx: BenchContext) -> StageOutput:
    """Retrains the propensity model (excluded from the full-refresh target; weekly in production)."""
    return _run("training")


@stage("predicted_scores", order=60)
def predicted_scores(ctx: BenchContext) -> StageOutput:
    """Scores every contact with the champion model (scoring only)."""
    return _run("predicted_scores")


@stage("segment_diffs", order=70)
def segment_diffs(ctx: BenchContext) -> StageOutput:
    """Segment memberships and what changed since the last run (the activation group's segment assets)."""
    if not _specs(_is_segment):
        return StageOutput(skipped="no segment assets in the activation group yet")
    return _run("segment_diffs")


@stage("daily_run", order=90, modes=("incremental",))
def daily_run(ctx: BenchContext) -> StageOutput:
    """The selected pipeline stages of an incremental run in one Dagster run, as the daily_refresh job runs them."""
    names = [name for name in SELECTIONS if name in ctx.stages and "incremental" in STAGES[name].modes]
    if not names:
        return StageOutput(skipped="no pipeline stage selected")
    selections = {name: SELECTIONS[name]() for name in names}
    combined = reduce(operator.or_, selections.values())
    instance = dg.DagsterInstance.ephemeral()
    result = materialize(combined, instance)
    output = summarize(result)
    from orchestration.definitions import defs

    steps = step_seconds(instance.all_logs(result.run_id), selections, defs.resolve_asset_graph())
    output.metrics["stages"] = names
    output.metrics["seconds_by_step"] = {key: seconds for key, (_, seconds) in steps.items()}
    output.metrics["seconds_by_stage"] = seconds_by_stage(steps)
    output.metrics["dbt_seconds_by_group"] = dbt_seconds_by_group(
        output.metrics.get("dbt_seconds_by_model", {})
    )
    return output


def step_seconds(
    records: list[dg.EventLogEntry], selections: dict[str, dg.AssetSelection], graph: Any
) -> dict[str, tuple[str, float]]:
    """Each step's stage and seconds (start to success or failure). A step's stage is the stage whose selection
    (resolved in the asset graph `graph`) holds what it materialized or checked; a step serving several (the one
    dbt build) gets them joined by '+'."""
    owners: dict[Any, str] = {}
    for name, selection in selections.items():
        for key in [*selection.resolve(graph), *selection.resolve_checks(graph)]:
            owners.setdefault(key, name)
    started: dict[str, float] = {}
    served: dict[str, list[str]] = {}
    seconds: dict[str, tuple[str, float]] = {}
    for record in records:
        event = record.dagster_event
        if event is None or event.step_key is None:
            continue
        step = event.step_key
        if event.event_type_value == "STEP_START":
            started[step] = record.timestamp
        elif event.event_type_value == "ASSET_MATERIALIZATION":
            _serve(served.setdefault(step, []), owners.get(event.asset_key))
        elif event.event_type_value == "ASSET_CHECK_EVALUATION":
            check = event.event_specific_data.asset_check_key
            _serve(served.setdefault(step, []), owners.get(check, owners.get(check.asset_key)))
        elif event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE") and step in started:
            stage = "+".join(sorted(served.get(step, ["?"]), key=list(selections).index))
            seconds[step] = (stage, round(record.timestamp - started[step], 3))
    return seconds


def _serve(stages: list[str], stage: str | None) -> None:
    if stage is not None and stage not in stages:
        stages.append(stage)


def seconds_by_stage(steps: dict[str, tuple[str, float]]) -> dict[str, float]:
    """The steps' seconds summed per stage (or joined stages), in the order the steps ran."""
    totals: dict[str, float] = {}
    for owner, seconds in steps.values():
        totals[owner] = round(totals.get(owner, 0.0) + seconds, 3)
    return totals


def dbt_seconds_by_group(by_model: dict[str, float]) -> dict[str, float]:
    """dbt's own seconds per asset group (staging, identity, profiles, scoring), summed over its models."""
    from orchestration.definitions import defs

    groups = {s.key.to_user_string(): s.group_name for s in defs.resolve_all_asset_specs()}
    totals: dict[str, float] = {}
    for key, seconds in by_model.items():
        group = groups.get(key, "?")
        totals[group] = round(totals.get(group, 0.0) + seconds, 3)
    return totals
