"""lead_scores picks up dim_contacts.refused_automated_decisions as soon as the column exists (the identity
models add it): a real dbt run of lead_scores on a warehouse whose upstream tables carry it."""

from __future__ import annotations

import duckdb

from tests.platform.dbt_runs import dbt

UPSTREAM = """
create schema marts;
create schema seeds;
create table marts.dim_contacts as
    select * from (values ('c1', false), ('c2', true), ('c3', null)) as t(contact_id, refused_automated_decisions);
create table marts.lead_score_points as
    select contact_id, score_kind, rule_id, description, cast(points as decimal(12, 2)) as points, false as disqualifies
    from (values
        ('c1', 'fit', 'seniority_vp', 'VP title', 40), ('c1', 'engagement', 'form_demo_request', 'requested a demo', 40),
        ('c2', 'fit', 'seniority_vp', 'VP title', 40), ('c2', 'engagement', 'form_demo_request', 'requested a demo', 40),
        ('c3', 'fit', 'seniority_vp', 'VP title', 40), ('c3', 'engagement', 'form_demo_request', 'requested a demo', 40)
    ) as t(contact_id, score_kind, rule_id, description, points);
create table marts.lead_stage_history as
    select contact_id, stage, timestamp '2026-10-01 00:00:00' as entered_at
    from (values ('c1', 'lead'), ('c1', 'mql'), ('c2', 'lead'), ('c3', 'lead'), ('c3', 'mql')) as t(contact_id, stage);
create table seeds.scoring_lifecycle_stages as
    select 'mql' as stage, 3 as stage_order, 75 as min_total_score, 20 as min_fit_points, 35 as min_engagement_points,
        'qualified' as description;
create table marts.fct_crm_outcomes as
    select 'nobody' as contact_id, 'open' as status, timestamp '2026-10-01 00:00:00' as lead_created_at,
        false as has_opportunity, false as is_won;
create table marts.fct_behaviors as select timestamp '2026-10-01 00:00:00' as occurred_at;
create table marts.lead_fit_observations as select timestamp '2026-10-01 00:00:00' as observed_at;
"""


def test_who_refused_automated_decisions_is_never_an_mql_nor_activation_eligible(tmp_path):
    home = tmp_path / "yuchi"
    home.mkdir()
    warehouse = home / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as conn:
        conn.execute(UPSTREAM)
    run = dbt(
        ["run", "--select", "lead_scores", "--vars", '{"scoring_as_of": "2026-10-31 00:00:00"}'],
        "duckdb",
        tmp_path,
        {"YUCHI_HOME": str(home), "YUCHI_WAREHOUSE": str(warehouse)},
    )
    assert run.returncode == 0, run.output[-3000:]
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        rows = conn.execute(
            "select contact_id, is_mql, refused_automated_decisions, score_activation_allowed, lifecycle_stage "
            "from marts.lead_scores order by contact_id"
        ).fetchall()
    assert rows == [
        ("c1", True, False, True, "mql"),
        ("c2", False, True, False, "lead"),
        ("c3", True, False, True, "mql"),  # no recorded refusal: allowed
    ]
