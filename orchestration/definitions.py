"""Yuchi's Dagster definitions: every domain's assets and checks, with the global settings applied once."""

import dagster as dg
from dagster_dbt import DbtCliResource

from orchestration.activation.assets import light_crm_leads
from orchestration.identity.assets import identity_assets, identity_checks
from orchestration.ingest.assets import ingest_assets
from orchestration.ingest.checks import raw_checks
from orchestration.ingest.sensors import landing_files_sensor
from orchestration.resources import WarehouseResource
from orchestration.scoring.assets import lead_propensity_model, predicted_lead_scores
from orchestration.transform.assets import yuchi_dbt_models
from orchestration.transform.project import dbt_executable, dbt_project

defs = dg.Definitions(
    assets=[
        *ingest_assets,
        yuchi_dbt_models,
        lead_propensity_model,
        predicted_lead_scores,
        light_crm_leads,
        *identity_assets,
    ],
    asset_checks=[*raw_checks, *identity_checks],
    sensors=[landing_files_sensor],
    resources={
        "warehouse": WarehouseResource(),
        "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable()),
    },
    # The embedded warehouse is a single DuckDB file: run steps one at a time in one process.
    executor=dg.in_process_executor,
)
