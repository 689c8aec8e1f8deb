"""Predicted lead scores: every contact's probability of an opportunity soon, and why, from the champion."""

from datetime import UTC, datetime, timedelta

import dagster as dg
import pandas as pd

from ml import registry
from ml.feature_state import current_snapshot
from ml.scoring import score
from ml.snapshots import data_end, refused_contacts
from orchestration.resources import WAREHOUSE_POOL, WarehouseResource, table_preview
from orchestration.scoring.propensity_model import INPUTS, MODEL

PREDICTED = dg.AssetKey(["marts", "predicted_lead_scores"])
COLUMNS = [
    "contact_id",
    "score_status",
    "model_version",
    "probability",
    "percentile",
    "top_factors",
    "scored_as_of",
    "scored_at",
]
TABLE_DDL = """
create or replace table marts.predicted_lead_scores as
select
    cast(contact_id as varchar) as contact_id,
    cast(score_status as varchar) as score_status,
    cast(model_version as varchar) as model_version,
    cast(probability as double) as probability,
    cast(percentile as double) as percentile,
    cast(top_factors as varchar) as top_factors,
    cast(scored_as_of as timestamp) as scored_as_of,
    cast(scored_at as timestamp) as scored_at
from _scored
"""


def with_statuses(
    contacts: pd.Series, scored: pd.DataFrame, refused: set[str], version: str | None
) -> pd.DataFrame:
    """Gives one row per contact: the scored ones with their score, the others with why they have none."""
    out = pd.DataFrame({"contact_id": contacts.astype(str)}).merge(scored, on="contact_id", how="left")
    out["score_status"] = "scored"
    out.loc[out["probability"].isna(), "score_status"] = "already_opportunity" if version else "no_model"
    out.loc[out["contact_id"].isin(refused), "score_status"] = "refused_automated_decisions"
    out["model_version"] = version
    out.loc[out["score_status"] != "scored", "model_version"] = None
    return out


@dg.asset(
    key=PREDICTED,
    # int_lead_fit_current: the fit attributes as they stand, read instead of ranking every observation
    deps=[MODEL, *INPUTS, dg.AssetKey(["intermediate", "int_lead_fit_current"])],
    group_name="ml",
    kinds={"duckdb"},
    pool=WAREHOUSE_POOL,
    owners=["team:data-science"],
    automation_condition=dg.AutomationCondition.eager(),
)
def predicted_lead_scores(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """Scores every contact with the champion model: probability of an opportunity within the model's horizon,
    percentile and the top three reasons in words.

    The behaviour features are carried on from the previous run (ml.feature_state): only the contacts whose
    events changed, or crossed a window's edge, are aggregated again.

    One row per contact; contacts who refused automated decisions (PIPL art. 24) get no score, nor do
    contacts already in an opportunity (sales own them). score_status says which.
    """
    try:
        bundle = registry.load_champion(warehouse.paths().models)
    except FileNotFoundError as exc:
        context.log.warning(f"{exc}; no contact is scored")
        bundle = None
    with warehouse.connect() as conn:
        contacts = conn.execute("select contact_id from marts.dim_contacts order by contact_id").df()[
            "contact_id"
        ]
        refused = refused_contacts(conn)
        as_of = data_end(conn) + timedelta(microseconds=1)
        frame, features = current_snapshot(conn, as_of, bundle.features) if bundle else (pd.DataFrame(), None)
    if features:
        context.log.info(
            f"behaviour features as of {as_of}: "
            + (f"computed for every contact ({features.rebuilt})" if features.rebuilt else "carried on")
            + f"; {features.recomputed} computed, {features.kept} kept ({features.windows_moved} with their"
            f" windows moved), {features.dropped} dropped"
        )
    scored = (
        score(bundle, frame)
        if bundle
        else pd.DataFrame(columns=["contact_id", "probability", "percentile", "top_factors"])
    )
    result = with_statuses(contacts, scored, refused, bundle.version if bundle else None)
    result["scored_as_of"] = as_of
    result["scored_at"] = datetime.now(UTC).replace(tzinfo=None)
    with warehouse.connect() as conn:
        conn.execute("create schema if not exists marts")
        conn.register("_scored", result[COLUMNS])
        conn.execute(TABLE_DDL)
        conn.unregister("_scored")
        preview = table_preview(
            conn,
            "select contact_id, probability, percentile, top_factors from marts.predicted_lead_scores "
            "where score_status = 'scored' order by probability desc",
        )
    statuses = result["score_status"].value_counts().to_dict()
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": len(result),
            "model_version": bundle.version if bundle else None,
            "scored": int(statuses.get("scored", 0)),
            "not_scored": dg.MetadataValue.json({k: int(v) for k, v in statuses.items() if k != "scored"}),
            "expected_opportunities": dg.MetadataValue.float(float(result["probability"].fillna(0).sum())),
            "scored_as_of": as_of.isoformat(),
            "features_computed": features.recomputed if features else 0,
            "features_kept": features.kept if features else 0,
            "features_rebuilt": features.rebuilt if features else None,
            "top_scored": preview,
        }
    )
