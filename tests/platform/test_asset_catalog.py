"""What an operator sees on every asset in the Dagster UI, and the warehouse pool every step must join."""

from __future__ import annotations

import dagster as dg

from orchestration.definitions import defs
from orchestration.flow import FLOW_GROUPS
from orchestration.resources import WAREHOUSE_POOL
from orchestration.transform.assets import seed_groups

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


def test_a_group_materialized_alone_never_needs_an_asset_of_a_later_group():
    """Materializing one group (say ingest) builds what it reads: no asset reads one from later in the flow."""
    specs = {s.key: s for s in defs.resolve_all_asset_specs()}
    order = {group: i for i, group in enumerate(FLOW_GROUPS)}
    backwards = [
        f"{key.to_user_string()} ({spec.group_name}) reads {dep.asset_key.to_user_string()} "
        f"({specs[dep.asset_key].group_name})"
        for key, spec in specs.items()
        for dep in spec.deps
        if dep.asset_key in specs and order[specs[dep.asset_key].group_name] > order[spec.group_name]
    ]
    assert backwards == []


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


def test_a_seed_joins_the_earliest_group_that_reads_it():
    def node(kind: str, name: str) -> dict:
        return {"resource_type": kind, "name": name}

    manifest = {
        "nodes": {
            "seed.y.points": node("seed", "points"),
            "seed.y.unread": node("seed", "unread"),
            "model.y.lead_scores": node("model", "lead_scores"),
            "model.y.dim_contacts": node("model", "dim_contacts"),
            "test.y.not_null_points": node("test", "not_null_points"),
        },
        "child_map": {
            "seed.y.points": ["model.y.lead_scores", "model.y.dim_contacts", "test.y.not_null_points"],
            "seed.y.unread": [],
        },
    }
    assert seed_groups(manifest) == {"points": "identity", "unread": "profiles"}
