"""Yuchi's Dagster definitions: every domain's assets and checks, with the global settings applied once."""

from datetime import timedelta

import dagster as dg

from orchestration.activation import activation_assets, activation_checks, activation_resources
from orchestration.identity.assets import identity_assets, identity_checks
from orchestration.ingest.assets import ingest_assets
from orchestration.ingest.checks import raw_checks
from orchestration.ingest.sensors import landing_files_sensor
from orchestration.resources import WarehouseResource
from orchestration.schedules import daily_refresh, daily_refresh_schedule
from orchestration.scoring import scoring_assets, scoring_sensors
from orchestration.transform.assets import yuchi_dbt_models
from orchestration.transform.cli import YuchiDbtCliResource
from orchestration.transform.project import dbt_executable, dbt_project

DAILY_BY_MORNING = dg.FreshnessPolicy.cron(
    deadline_cron="0 7 * * *", lower_bound_delta=timedelta(hours=24), timezone="Asia/Shanghai"
)
FRESHNESS_BY_GROUP = {
    # channel data lands all day: a day without a load means a broken connector, six hours is worth a look
    "ingest": dg.FreshnessPolicy.time_window(fail_window=timedelta(hours=26), warn_window=timedelta(hours=6)),
}
FRESHNESS_BY_ASSET = {
    # the propensity model retrains weekly on CRM outcomes (scores from it are daily, like the other marts)
    dg.AssetKey(["ml", "lead_propensity_model"]): dg.FreshnessPolicy.time_window(
        fail_window=timedelta(days=8), warn_window=timedelta(days=7)
    ),
}
"""What fresh means; everything else must be rebuilt each day before sales start work (07:00 China time)."""


def with_freshness_policy(spec: dg.AssetSpec) -> dg.AssetSpec:
    """Gives the spec with its freshness policy (by asset, else by group), unless its author set one."""
    policy = FRESHNESS_BY_ASSET.get(spec.key) or FRESHNESS_BY_GROUP.get(
        spec.group_name or "", DAILY_BY_MORNING
    )
    return dg.apply_freshness_policy(spec, policy, overwrite_existing=False)


defs = dg.Definitions(
    assets=[*ingest_assets, yuchi_dbt_models, *identity_assets, *scoring_assets, *activation_assets],
    asset_checks=[*raw_checks, *identity_checks, *activation_checks],
    sensors=[landing_files_sensor, *scoring_sensors],
    jobs=[daily_refresh],
    schedules=[daily_refresh_schedule],
    resources={
        "warehouse": WarehouseResource(),
        "dbt": YuchiDbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable()),
        **activation_resources,
    },
    # The embedded warehouse is a single DuckDB file: run steps one at a time in one process.
    executor=dg.in_process_executor,
).map_asset_specs(func=with_freshness_policy)
