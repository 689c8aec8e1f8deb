"""Whether the data behind a segment last passed its checks, so nothing leaves the warehouse on bad data.

Within one run, blocking checks already stop downstream steps. A run that selects only a sync asset would
skip them, so syncs also read the latest evaluation of every check on the segment model and everything
upstream of it (dbt tests, Great Expectations suites, row accounting) from the Dagster instance.
"""

from collections.abc import Set as AbstractSet

import dagster as dg
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus

RECENT_EVALUATIONS = 20_000


def failed_upstream_checks(context: dg.AssetExecutionContext, asset_key: dg.AssetKey) -> list[str]:
    """Gives the checks on `asset_key` and its ancestors whose latest evaluation failed with severity ERROR."""
    try:
        graph, complete = context.repository_def.asset_graph, True
    except Exception:  # noqa: BLE001 - a job executed in process has no repository; its graph lacks others' checks
        graph, complete = context.job_def.asset_layer.asset_graph, False
    assets = graph.get_ancestor_asset_keys(asset_key, include_self=True)
    check_keys = set(graph.get_check_keys_for_assets(assets))
    if not complete:
        check_keys |= _evaluated_checks(context.instance, assets)
    if not check_keys:
        return []
    ordered = sorted(check_keys, key=lambda k: k.to_user_string())
    latest = context.instance.event_log_storage.get_latest_asset_check_execution_by_key(ordered)
    failing = []
    for check_key, record in latest.items():
        if record.status != AssetCheckExecutionRecordStatus.FAILED:
            continue
        event = record.event.dagster_event if record.event else None
        severity = getattr(
            event.event_specific_data if event else None, "severity", dg.AssetCheckSeverity.ERROR
        )
        if severity == dg.AssetCheckSeverity.ERROR:
            failing.append(check_key.to_user_string())
    return sorted(failing)


def _evaluated_checks(
    instance: dg.DagsterInstance, assets: AbstractSet[dg.AssetKey]
) -> set[dg.AssetCheckKey]:
    """Gives the checks of `assets` the instance has evaluations for (recent ones), when no full graph is known."""
    records = instance.get_event_records(
        dg.EventRecordsFilter(event_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION), limit=RECENT_EVALUATIONS
    )
    found = set()
    for record in records:
        evaluation = record.event_log_entry.dagster_event.event_specific_data
        if evaluation.asset_key in assets:
            found.add(dg.AssetCheckKey(evaluation.asset_key, evaluation.check_name))
    return found
