"""Reverse-ETL assets, built from segment meta: for each (segment, destination) a plan and a sync.

- `activation/plan_<segment>_to_<destination>` is the dry-run: planned creates, updates and removals, with a
  preview, and a blocking check that stops an anomalous plan (too many members leaving at once) before the
  sync runs;
- `activation/sync_<segment>_to_<destination>` sends the changes. Before anything leaves the warehouse it
  checks again that the segment's upstream checks (dbt tests, Great Expectations suites) last passed and that
  the plan is not anomalous unless a person confirmed it.
"""

import re

import dagster as dg

from connectors.destinations.sync.engine import SyncAborted
from connectors.destinations.sync.runner import (
    AnomalousChange,
    SyncReport,
    SyncRequest,
    pending_confirmation,
    plan,
)
from connectors.destinations.sync.runner import run_sync as run_sync_now
from orchestration.activation.destinations import DestinationResource
from orchestration.activation.segments import DestinationSpec, SegmentSpec
from orchestration.activation.upstream import failed_upstream_checks
from orchestration.resources import WAREHOUSE_POOL, WarehouseResource

MEMBERSHIPS = dg.AssetKey(["marts", "segment_memberships"])
PROFILE_SOURCES = (
    dg.AssetKey(["marts", "dim_contacts"]),
    dg.AssetKey(["marts", "lead_scores"]),
    dg.AssetKey(["marts", "predicted_lead_scores"]),
)


class SyncConfig(dg.Config):
    """Run options of a sync."""

    dry_run: bool = False
    confirm_anomalous_change: bool = False  # a person checked the plan: let an anomalous change through once


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9_]+", "_", text.lower()).strip("_")


def asset_names(segment: SegmentSpec, spec: DestinationSpec) -> tuple[str, str]:
    """Gives the (plan, sync) asset names of one segment's destination."""
    suffix = f"{segment.name}_to_{spec.to}"
    if spec.campaign:
        suffix += f"_{_slug(spec.campaign)}"
    return f"plan_{suffix}", f"sync_{suffix}"


def _request(context, segment: SegmentSpec, spec: DestinationSpec, destination, dry_run=False, confirm=False):
    return SyncRequest(
        sync_key=segment.sync_key(spec),
        segment=segment.name,
        segment_table=segment.table,
        mode=spec.mode,
        destination=destination,
        run_id=context.run_id,
        score_driven=segment.score_driven,
        anomaly=segment.anomaly,
        dry_run=dry_run,
        confirm_anomaly=confirm,
    )


def _metadata(report: SyncReport, destination) -> dict:
    metadata = {f"{k}": dg.MetadataValue.int(int(v)) for k, v in report.figures().items()}
    metadata["members"] = dg.MetadataValue.int(report.plan.members)
    metadata["leaving"] = dg.MetadataValue.int(report.plan.leaving)
    metadata["removal_fraction"] = dg.MetadataValue.float(round(report.plan.removal_fraction, 4))
    metadata["reconciled_after_crash"] = dg.MetadataValue.json(report.reconciled)
    metadata["consent_sources"] = dg.MetadataValue.json(report.consent_sources)
    metadata["guarantee"] = dg.MetadataValue.text(destination.guarantee)
    metadata["status"] = dg.MetadataValue.text(report.status)
    if report.anomaly:
        metadata["anomaly"] = dg.MetadataValue.text(report.anomaly)
    if report.plan.invalid:
        metadata["refused_before_sending"] = dg.MetadataValue.md(
            "| contact | reason |\n|---|---|\n"
            + "\n".join(f"| {k} | {r} |" for k, r in report.plan.invalid[:20])
        )
    if report.export is not None:
        metadata["path"] = dg.MetadataValue.path(str(report.export.path))
        metadata["sha256"] = dg.MetadataValue.text(report.export.sha256)
        metadata["dagster/row_count"] = dg.MetadataValue.int(report.export.rows)
    return metadata


def _preview(report: SyncReport, limit: int = 20) -> dg.MetadataValue:
    if not report.plan.changes:
        return dg.MetadataValue.md("_no changes planned_")
    lines = ["| record | action | payload |", "|---|---|---|"]
    for change in report.plan.changes[:limit]:
        payload = ", ".join(f"{k}={v}" for k, v in list(change.payload.items())[:5])
        lines.append(f"| {change.record_key} | {change.action} | {payload[:120]} |")
    return dg.MetadataValue.md("\n".join(lines))


def build_sync_assets(segment: SegmentSpec, spec: DestinationSpec) -> list:
    """Gives the plan asset, its blocking anomaly check and the sync asset of one segment's destination."""
    plan_name, sync_name = asset_names(segment, spec)
    plan_key = dg.AssetKey(["activation", plan_name])
    sync_key = segment.sync_key(spec)
    automation = dg.AutomationCondition.on_cron(segment.schedule) if segment.schedule else None
    shared = {
        "group_name": "activation",
        "pool": WAREHOUSE_POOL,
        "required_resource_keys": {"warehouse", spec.to},
        "automation_condition": automation,
        "owners": ["team:marketing-ops"],
        "tags": {"segment": segment.name, "destination": spec.to, "mode": spec.mode.value},
    }

    @dg.asset(
        key=plan_key,
        deps=[segment.asset_key, MEMBERSHIPS, *PROFILE_SOURCES],
        kinds={"duckdb"},
        **shared,
        description=f"Dry-run of {segment.name} -> {spec.to} ({spec.mode}): what the next sync would create, update "
        f"and remove, diffed against the last synced state. Never sends.",
    )
    def _plan(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        warehouse: WarehouseResource = context.resources.warehouse
        resource: DestinationResource = getattr(context.resources, spec.to)
        destination = resource.build(segment, spec)
        try:
            with warehouse.connect() as conn:
                report, *_ = plan(conn, _request(context, segment, spec, destination))
        finally:
            destination.close()
        metadata = _metadata(report, destination) | {"preview": _preview(report)}
        return dg.MaterializeResult(metadata=metadata)

    @dg.asset_check(
        asset=plan_key,
        name="change_is_not_anomalous",
        pool=WAREHOUSE_POOL,
        blocking=True,
        description=f"Blocks the sync when more than {segment.anomaly.max_removal_fraction:.0%} of the synced "
        f"members would leave {segment.name} at {spec.to} at once, until a person confirms.",
    )
    def _anomaly(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        with warehouse.connect() as conn:
            row = conn.execute(
                "select leaving, previously_present, anomaly from activation.sync_plans where sync_key = ? "
                "order by planned_at desc limit 1",
                [sync_key],
            ).fetchone()
            leaving, previous, anomaly = row or (0, 0, None)
            confirmed = bool(anomaly) and pending_confirmation(conn, sync_key, leaving)
        return dg.AssetCheckResult(
            passed=not anomaly or confirmed,
            metadata={
                "leaving": int(leaving or 0),
                "previously_synced": int(previous or 0),
                "anomaly": anomaly or "none",
                "confirmed": confirmed,
                "how_to_confirm": f"yuchi-activation confirm {sync_key} --max-leaving {leaving} --by <you>",
            },
        )

    @dg.asset(
        key=dg.AssetKey(["activation", sync_name]),
        deps=[plan_key],
        kinds={"python"},
        **shared,
        description=f"Syncs {segment.name} to {spec.to} in {spec.mode} mode: only changed records, idempotently, "
        f"with consent checked at send time. {segment.description}".strip(),
    )
    def _sync(context: dg.AssetExecutionContext, config: SyncConfig) -> dg.MaterializeResult:
        warehouse: WarehouseResource = context.resources.warehouse
        failing = failed_upstream_checks(context, segment.asset_key)
        if failing:
            raise dg.Failure(
                description=f"{segment.name} -> {spec.to} not synced: upstream checks failed last: {', '.join(failing)}",
                metadata={"failed_checks": dg.MetadataValue.json(failing)},
            )
        resource: DestinationResource = getattr(context.resources, spec.to)
        destination = resource.build(segment, spec)
        request = _request(
            context, segment, spec, destination, config.dry_run, config.confirm_anomalous_change
        )
        try:
            with warehouse.connect() as conn:
                report = run_sync_now(conn, request, observer=_logger(context))
        except AnomalousChange as exc:
            raise dg.Failure(
                description=f"{exc}. Check the plan, then confirm: `yuchi-activation confirm {sync_key} --max-leaving N "
                f"--by <you>` or run this asset with config confirm_anomalous_change: true."
            ) from None
        except SyncAborted as exc:
            raise dg.Failure(description=f"{segment.name} -> {spec.to} stopped: {exc}") from None
        finally:
            destination.close()
        context.log.info(f"{sync_key}: {report.figures()}")
        return dg.MaterializeResult(metadata=_metadata(report, destination))

    return [_plan, _anomaly, _sync]


def _logger(context: dg.AssetExecutionContext):
    noteworthy = {"rate_limited", "batch_split", "transient_error", "reconciled", "suppressed"}

    def observe(event: str, data) -> None:
        if event in noteworthy:
            context.log.info(f"{event}: {dict(data)}")

    return observe
