"""Activation: segments and tags from the dbt manifest, reverse-ETL syncs to destinations, deletion requests."""

import dagster as dg

from orchestration.activation.destinations import default_destinations
from orchestration.activation.memberships import build_memberships_asset
from orchestration.activation.privacy import build_erasure_asset, erased_stay_erased_checks
from orchestration.activation.segments import SegmentSpec, segment_specs
from orchestration.activation.syncs import build_sync_assets
from orchestration.transform.project import dbt_project, project_manifest


def build_activation_defs(specs: list[SegmentSpec], destinations: dict | None = None) -> dg.Definitions:
    """Gives the activation assets, checks and destination resources for the given segments."""
    destinations = destinations if destinations is not None else default_destinations()
    unknown = sorted({d.to for s in specs for d in s.destinations} - set(destinations))
    if unknown:
        where = {d.to: s.path for s in specs for d in s.destinations}
        detail = "; ".join(f"{name} (in {where[name]})" for name in unknown)
        raise ValueError(
            f"segments sync to destinations nobody configured: {detail}. "
            f"Configured: {', '.join(sorted(destinations))} (orchestration/activation/destinations.py)"
        )
    assets: list = [build_memberships_asset(specs), build_erasure_asset(specs)]
    checks: list = list(erased_stay_erased_checks)
    for segment in specs:
        for spec in segment.destinations:
            plan_asset, anomaly_check, sync_asset = build_sync_assets(segment, spec)
            assets += [plan_asset, sync_asset]
            checks.append(anomaly_check)
    return dg.Definitions(assets=assets, asset_checks=checks, resources=dict(destinations))


def _project_parts() -> tuple[list, list, dict]:
    """Gives the assets, checks and destination resources for the segments of the project's dbt manifest."""
    specs = segment_specs(project_manifest()) if dbt_project.manifest_path.exists() else []
    defs = build_activation_defs(specs)
    return list(defs.assets or []), list(defs.asset_checks or []), dict(defs.resources or {})


activation_assets, activation_checks, activation_resources = _project_parts()
