"""What an operator sees on every asset in the Dagster UI, and the warehouse pool every step must join."""

from __future__ import annotations

import dagster as dg

from orchestration.definitions import FLOW_GROUPS, defs
from orchestration.resources import WAREHOUSE_POOL

WAREHOUSE_RESOURCES = {"warehouse", "dbt"}


def test_every_asset_is_in_a_group_of_the_flow_with_a_description_owner_and_kind():
    problems = []
    for spec in defs.resolve_all_asset_specs():
        name = spec.key.to_user_string()
        if spec.group_name not in FLOW_GROUPS:
            problems.append(f"{name}: group {spec.group_name!r} is not one of {FLOW_GROUPS}")
        if not (spec.description or "").strip():
            problems.append(f"{name}: no description")
        if not spec.owners:
            problems.append(f"{name}: no owner")
        if not spec.kinds:
            problems.append(f"{name}: no kinds")
    assert problems == []


def test_every_asset_has_a_freshness_policy():
    missing = [s.key.to_user_string() for s in defs.resolve_all_asset_specs() if s.freshness_policy is None]
    assert missing == []


def test_the_propensity_model_may_be_a_week_old_but_scores_and_marts_are_due_every_morning():
    specs = {s.key: s for s in defs.resolve_all_asset_specs()}
    model = specs[dg.AssetKey(["ml", "lead_propensity_model"])].freshness_policy
    scores = specs[dg.AssetKey(["marts", "lead_scores"])].freshness_policy
    assert model.fail_window.to_timedelta().days == 8
    assert scores.deadline_cron == "0 7 * * *" and scores.timezone == "Asia/Shanghai"


def test_every_step_that_opens_the_warehouse_is_in_the_warehouse_pool():
    """DuckDB locks its file per process: a step outside the pool could collide with another run's step."""
    outside = [
        definition.node_def.name
        for definition in [*defs.assets, *defs.asset_checks]
        if isinstance(definition, dg.AssetsDefinition)
        and definition.required_resource_keys & WAREHOUSE_RESOURCES
        and definition.node_def.pool != WAREHOUSE_POOL
    ]
    assert outside == [], f"add pool=WAREHOUSE_POOL to {outside}"
