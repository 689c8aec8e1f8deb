"""The pipeline's own stages: each materializes a selection of the real Dagster definitions (no second
implementation), in flow order. dbt stages run `dbt build` on their models, data tests included, as in production.
"""

from __future__ import annotations

from typing import Any

import dagster as dg

from bench.registry import BenchContext, StageOutput, stage

DBT_DURATION = "Execution Duration"


def materialize(selection: dg.AssetSelection) -> dg.ExecuteInProcessResult:
    """Materializes `selection` of orchestration.definitions in this process; fails loudly on a failed step."""
    from orchestration.definitions import defs

    result = dg.materialize(
        [*defs.assets, *defs.asset_checks],
        selection=selection,
        resources=defs.resources,
        instance=dg.DagsterInstance.ephemeral(),
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


def _assets(predicate) -> dg.AssetSelection:
    from orchestration.definitions import defs

    return dg.AssetSelection.assets(*[s.key for s in defs.resolve_all_asset_specs() if predicate(s)])


def _run(predicate, with_checks: bool = True) -> StageOutput:
    selection = _assets(predicate)
    return summarize(materialize(selection if with_checks else selection.without_checks()))


@stage("ingest", order=10)
def ingest(ctx: BenchContext) -> StageOutput:
    """Landing files -> raw.* and quarantine.* (every channel's loader)."""
    return _run(lambda s: s.key.path[0] == "raw", with_checks=False)


@stage("raw_checks", order=15)
def raw_checks(ctx: BenchContext) -> StageOutput:
    """Blocking checks on raw.* (Great Expectations suites, row accounting)."""
    from orchestration.definitions import defs

    raw_keys = [s.key for s in defs.resolve_all_asset_specs() if s.key.path[0] == "raw"]
    output = summarize(materialize(dg.AssetSelection.checks_for_assets(*raw_keys)))
    output.rows = None
    return output


@stage("dbt_staging", order=20)
def dbt_staging(ctx: BenchContext) -> StageOutput:
    """dbt staging models (rename, cast, deduplicate) with their tests, and the seeds they read (the rest of the
    ingest group)."""
    return _run(lambda s: s.group_name == "ingest" and s.key.path[0] != "raw")


@stage("identity", order=30, compare_to=("scipy_components", "networkx_components", "splink_clustering"))
def identity(ctx: BenchContext) -> StageOutput:
    """Identity stitching: edges, connected components, record resolution, contacts and identifiers."""
    return _run(lambda s: s.group_name == "identity")


@stage("profiles", order=40)
def profiles(ctx: BenchContext) -> StageOutput:
    """Marts: behaviour facts, traits, CRM outcomes (the profiles group)."""
    return _run(lambda s: s.group_name == "profiles")


@stage("scores", order=50)
def scores(ctx: BenchContext) -> StageOutput:
    """Rule-based lead scores (fit and engagement points, MQL flag)."""
    return _run(lambda s: s.group_name == "scoring")


@stage("training", order=55, in_target=False, modes=("full",))
def training(ctx: BenchContext) -> StageOutput:
    """Retrains the propensity model (excluded from the full-refresh target; weekly in production)."""
    return _run(lambda s: s.key == dg.AssetKey(["ml", "lead_propensity_model"]))


@stage("predicted_scores", order=60)
def predicted_scores(ctx: BenchContext) -> StageOutput:
    """Scores every contact with the champion model (scoring only)."""
    return _run(lambda s: s.group_name == "ml" and s.key != dg.AssetKey(["ml", "lead_propensity_model"]))


@stage("segment_diffs", order=70)
def segment_diffs(ctx: BenchContext) -> StageOutput:
    """Segment memberships and what changed since the last run (the activation group's segment assets)."""
    is_segment = lambda s: s.group_name == "activation" and any("segment" in p for p in s.key.path)  # noqa: E731
    from orchestration.definitions import defs

    if not any(is_segment(s) for s in defs.resolve_all_asset_specs()):
        return StageOutput(skipped="no segment assets in the activation group yet")
    return _run(is_segment)
