"""dbt models as Dagster assets: staging, identity, profiles and scoring; dbt tests appear as asset checks."""

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from orchestration.resources import WAREHOUSE_POOL
from orchestration.transform.project import dbt_project

GROUP_BY_MODEL_PREFIX = (  # first match wins; mirrors the flow in DESIGN.md
    ("stg_", "ingest"),
    ("int_identity", "identity"),
    ("int_records", "identity"),
    ("contact_identifiers", "identity"),
    ("dim_contacts", "identity"),
    ("contact_merges", "identity"),
    ("fct_", "profiles"),
    ("contact_traits", "profiles"),
    ("lead_score", "scoring"),
    ("lead_", "scoring"),
    ("scoring_", "scoring"),
    ("segment", "activation"),
    ("event_types", "profiles"),
    ("title_seniority", "identity"),
    ("int_contact_attributes", "identity"),
    ("tag_", "activation"),
)


def group_for(name: str, resource_type: str) -> str:
    """Gives the asset group of a dbt node from its name: the layer of the flow it belongs to."""
    for prefix, group in GROUP_BY_MODEL_PREFIX:
        if name.startswith(prefix):
            return group
    return "identity" if resource_type == "seed" and "identifier" in name else "profiles"


class YuchiDbtTranslator(DagsterDbtTranslator):
    """Keys dbt nodes by schema and name (marts/dim_contacts), groups them by flow layer, tags them as dbt."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey([dbt_resource_props["source_name"], dbt_resource_props["name"]])
        return dg.AssetKey([dbt_resource_props["config"].get("schema") or "main", dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return group_for(dbt_resource_props["name"], dbt_resource_props["resource_type"])

    def get_owners(self, dbt_resource_props: Mapping[str, Any]) -> list[str]:
        return ["team:analytics-engineering"]


translator = YuchiDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=translator,
    pool=WAREHOUSE_POOL,
)
def yuchi_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    """Builds the selected dbt models, seeds and tests (`dbt build`), streaming results as they finish.

    Cautious indirect selection: when only some models are selected (one group, one asset), a test runs only
    if every model it reads was selected too, so a singular test never reads a table this run did not build.
    No `fetch_row_counts()`: it keeps a read-write DuckDB connection open in the run's process, and the next
    step's read-only connection to the same file then fails ("different configuration").
    """
    yield from dbt.cli(["build", "--indirect-selection", "cautious"], context=context).stream()
