"""Reverse ETL: marketing-qualified leads into the built-in light CRM, where sales work them."""

from datetime import UTC, datetime

import dagster as dg

from connectors.destinations import light_crm
from orchestration.resources import WAREHOUSE_POOL, WarehouseResource

MQL_QUERY = """
select s.contact_id, c.full_name, c.email, c.phone, c.company, c.title, c.city, s.lifecycle_stage,
       cast(s.total_score as double) total_score, cast(s.fit_points as double) fit_points,
       cast(s.engagement_points as double) engagement_points, p.probability predicted_probability,
       s.score_explanation, p.top_factors
from marts.lead_scores s
join marts.dim_contacts c using (contact_id)
left join marts.predicted_lead_scores p using (contact_id)
where s.is_mql
order by s.contact_id
"""

SYNC_RUNS_DDL = """
create table if not exists activation.sync_runs (
    run_id varchar, destination varchar, started_at timestamp, finished_at timestamp,
    planned bigint, created bigint, updated bigint, unchanged bigint, failed bigint
)
"""


@dg.asset(
    key=["activation", "light_crm_leads"],
    deps=[
        dg.AssetKey(["marts", "lead_scores"]),
        dg.AssetKey(["marts", "dim_contacts"]),
        dg.AssetKey(["marts", "predicted_lead_scores"]),
    ],
    group_name="activation",
    kinds={"sqlalchemy", "sqlite"},
    pool=WAREHOUSE_POOL,
    owners=["team:marketing-ops"],
)
def light_crm_leads(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Upserts every MQL into the light CRM's leads table by contact_id, writing only leads that changed.

    Sales work leads in the CRM, not in the warehouse; this is how a mature lead reaches them, once.
    """
    started = datetime.now(UTC).replace(tzinfo=None)
    with warehouse.connect(read_only=True) as conn:
        records = conn.execute(MQL_QUERY).df().to_dict("records")
    engine = light_crm.connect(warehouse.paths().crm_url)
    try:
        result = light_crm.upsert_leads(engine, records)
    finally:
        engine.dispose()
    with warehouse.connect() as conn:
        conn.execute("create schema if not exists activation")
        conn.execute(SYNC_RUNS_DDL)
        conn.execute(
            "insert into activation.sync_runs values (?, 'light_crm', ?, ?, ?, ?, ?, ?, 0)",
            [
                context.run_id,
                started,
                datetime.now(UTC).replace(tzinfo=None),
                result.planned,
                len(result.created),
                len(result.updated),
                result.unchanged,
            ],
        )
    return dg.MaterializeResult(
        metadata={
            "mqls_planned": result.planned,
            "created": len(result.created),
            "updated": len(result.updated),
            "unchanged": result.unchanged,
            "destination": warehouse.paths().crm_url.split("://")[0],
        }
    )
