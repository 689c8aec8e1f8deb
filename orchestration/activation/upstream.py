"""Whether the data behind a segment last passed its checks, so nothing leaves the warehouse on bad data.

Within one run, blocking checks already stop downstream steps. A run that selects only a sync asset would
skip them, so syncs also read the latest evaluation of every check on the segment model and everything
upstream of it (dbt tests, Great Expectations suites, row accounting) from the Dagster instance.
"""

from __future__ import annotations

import dagster as dg
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus


def failed_upstream_checks(context: dg.AssetExecutionContext, asset_key: dg.AssetKey) -> list[str]:
    """Gives the checks on `asset_key` and its ancestors whose latest evaluation failed with severity ERROR."""
    graph = context.job_def.asset_layer.asset_graph
    keys = graph.get_ancestor_asset_keys(asset_key, include_self=True)
    check_keys = sorted(graph.get_check_keys_for_assets(keys), key=lambda k: k.to_user_string())
    if not check_keys:
        return []
    latest = context.instance.event_log_storage.get_latest_asset_check_execution_by_key(check_keys)
    failing = []
    for check_key, record in latest.items():
        if record.status != AssetCheckExecutionRecordStatus.FAILED:
            continue
        evaluation = (
            record.event.dagster_event.event_specific_data
            if record.event and record.event.dagster_event
            else None
        )
        severity = getattr(evaluation, "severity", dg.AssetCheckSeverity.ERROR)
        if severity == dg.AssetCheckSeverity.ERROR:
            failing.append(check_key.to_user_string())
    return sorted(failing)
