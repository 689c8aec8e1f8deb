"""dbt models as Dagster assets: staging, identity, profiles and scoring; dbt tests appear as asset checks."""

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from orchestration.flow import FLOW_GROUPS
from orchestration.resources import WAREHOUSE_POOL, WarehouseResource
from orchestration.transform.project import dbt_project, project_manifest

GROUP_BY_MODEL_PREFIX = (  # first match wins; mirrors the flow in DESIGN.md
    ("stg_", "ingest"),
    ("int_contact_consent", "identity"),
    ("int_identity", "identity"),
    ("int_records", "identity"),
    ("int_contact_attributes", "identity"),
    ("int_lead_", "scoring"),
    ("contact_identifiers", "identity"),
    ("dim_contacts", "identity"),
    ("contact_merges", "identity"),
    ("fct_", "profiles"),
    ("contact_traits", "profiles"),
    ("lead_", "scoring"),
    ("scoring_", "scoring"),
    ("segment", "activation"),
    ("tag_", "activation"),
)
"""Groups of dbt models by name. Seeds are not listed: a seed joins the earliest group that reads it."""


def group_for(name: str) -> str:
    """Gives the asset group of a dbt model from its name: the layer of the flow it belongs to."""
    for prefix, group in GROUP_BY_MODEL_PREFIX:
        if name.startswith(prefix):
            return group
    return "profiles"


def seed_groups(manifest: Mapping[str, Any]) -> dict[str, str]:
    """Gives each seed the earliest flow group among the models that read it, so that materializing one group
    alone finds its seeds built (a seed nothing reads yet goes to profiles)."""
    nodes = manifest["nodes"]
    groups = {}
    for unique_id, node in nodes.items():
        if node["resource_type"] != "seed":
            continue
        readers = [
            group_for(nodes[child]["name"])
            for child in manifest["child_map"].get(unique_id, [])
            if child in nodes and nodes[child]["resource_type"] == "model"
        ]
        groups[node["name"]] = min(readers, key=FLOW_GROUPS.index, default="profiles")
    return groups


class YuchiDbtTranslator(DagsterDbtTranslator):
    """Keys dbt nodes by schema and name (marts/dim_contacts), groups them by flow layer, tags them as dbt."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey([dbt_resource_props["source_name"], dbt_resource_props["name"]])
        return dg.AssetKey([dbt_resource_props["config"].get("schema") or "main", dbt_resource_props["name"]])

    def __init__(self, manifest: Mapping[str, Any], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.seed_groups = seed_groups(manifest)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return self.seed_groups[dbt_resource_props["name"]]
        return group_for(dbt_resource_props["name"])

    def get_owners(self, dbt_resource_props: Mapping[str, Any]) -> list[str]:
        return ["team:analytics-engineering"]


manifest = project_manifest()
translator = YuchiDbtTranslator(manifest, settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


class DbtBuildConfig(dg.Config):
    """Run configuration of the dbt step (Launchpad: `ops: {yuchi_dbt_models: {config: {full_refresh: true}}}`)."""

    full_refresh: bool = False
    """Rebuild incremental models (staging) from all of raw: after a change to their SQL, or to repair them."""
    unit_tests: bool = False
    """Run the project's dbt unit tests too. They check the models' SQL on fixed inputs, not the data, so a
    production run leaves them out as dbt advises (7 s of every SF10 daily run); CI and `dbt build` run them."""


@dbt_assets(
    manifest=manifest,
    project=dbt_project,
    dagster_dbt_translator=translator,
    pool=WAREHOUSE_POOL,
)
def yuchi_dbt_models(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    warehouse: WarehouseResource,
    config: DbtBuildConfig,
):
    """Builds the selected dbt models, seeds and tests (`dbt build`), streaming results as they finish.

    Cautious indirect selection: when only some models are selected (one group, one asset), a test runs only
    if every model it reads was selected too, so a singular test never reads a table this run did not build.
    No `fetch_row_counts()`: it keeps a read-write DuckDB connection open in the run's process, and the next
    step's read-only connection to the same file then fails ("different configuration").
    Staging models are incremental: a daily run stages only the newly loaded rows unless `full_refresh` is set.
    Unit tests run only with `unit_tests` set (DbtBuildConfig).
    dbt opens the warehouse in its own process and does not retry a locked file, so the step holds the
    warehouse gate while dbt runs: a sensor then skips its read instead of failing dbt.
    """
    with warehouse.gate():
        yield from dbt.cli(build_args(config), context=context).stream()


def build_args(config: DbtBuildConfig) -> list[str]:
    """Gives the `dbt build` arguments of a run (Dagster adds the selection)."""
    return [
        "build",
        "--indirect-selection",
        "cautious",
        *(["--full-refresh"] if config.full_refresh else []),
        *([] if config.unit_tests else ["--exclude-resource-type", "unit_test"]),
    ]
