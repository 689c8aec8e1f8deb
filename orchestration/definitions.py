"""Yuchi's Dagster definitions: every domain's assets and checks, with the global settings applied once."""

import dagster as dg
from dagster_dbt import DbtCliResource

from orchestration.activation import activation_assets, activation_checks, activation_resources
from orchestration.identity.assets import identity_assets, identity_checks
from orchestration.ingest.assets import ingest_assets
from orchestration.ingest.checks import raw_checks
from orchestration.ingest.sensors import landing_files_sensor
from orchestration.resources import WarehouseResource
from orchestration.scoring import scoring_assets, scoring_sensors
from orchestration.transform.assets import yuchi_dbt_models
from orchestration.transform.project import dbt_executable, dbt_project

defs = dg.Definitions(
    assets=[*ingest_assets, yuchi_dbt_models, *identity_assets, *scoring_assets, *activation_assets],
    asset_checks=[*raw_checks, *identity_checks, *activation_checks],
    sensors=[landing_files_sensor, *scoring_sensors],
    resources={
        "warehouse": WarehouseResource(),
        "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable()),
        **activation_resources,
    },
    # The embedded warehouse is a single DuckDB file: run steps one at a time in one process.
    executor=dg.in_process_executor,
)
