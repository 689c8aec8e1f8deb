"""Predictive lead scoring: retrain on CRM outcomes (champion/challenger), then score every contact."""

from datetime import UTC, datetime

import dagster as dg
import pandas as pd

from ml import registry
from ml.features import feature_frame, labels, training_frame
from ml.retraining import retrain
from ml.scoring import score
from ml.training import NotEnoughData
from orchestration.resources import WAREHOUSE_POOL, WarehouseResource, table_preview

TRAITS = dg.AssetKey(["marts", "contact_traits"])
CONTACTS = dg.AssetKey(["marts", "dim_contacts"])
OUTCOMES = dg.AssetKey(["marts", "fct_crm_outcomes"])
PREDICTED = dg.AssetKey(["marts", "predicted_lead_scores"])

PREDICTED_COLUMNS = ["contact_id", "model_version", "probability", "percentile", "top_factors", "scored_at"]


def _read_features(warehouse: WarehouseResource) -> tuple[pd.DataFrame, pd.DataFrame]:
    with warehouse.connect(read_only=True) as conn:
        traits = conn.execute("select * from marts.contact_traits").df()
        contacts = conn.execute("select * from marts.dim_contacts").df()
        outcomes = conn.execute("select contact_id, has_opportunity from marts.fct_crm_outcomes").df()
    return feature_frame(traits, contacts), labels(outcomes)


@dg.asset(
    key=["ml", "lead_propensity_model"],
    deps=[TRAITS, CONTACTS, OUTCOMES],
    group_name="ml",
    kinds={"scikitlearn"},
    pool=WAREHOUSE_POOL,
    owners=["team:data-science"],
)
def lead_propensity_model(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """Retrains the lead-propensity model on CRM outcomes and promotes it only if it beats the champion.

    Sales trust a score that is checked: every version is kept in the registry with its holdout metrics,
    and a model with too little data behind it is refused, not shipped.
    """
    features, outcome_labels = _read_features(warehouse)
    frame = training_frame(features, outcome_labels)
    try:
        report = retrain(frame, warehouse.paths().models)
    except NotEnoughData as exc:
        context.log.warning(str(exc))
        return dg.MaterializeResult(metadata={"status": "refused", "reason": str(exc)})
    meta = report.metadata
    context.log.info(f"model {meta['version']} ({meta['algorithm']}) promoted={report.promoted}")
    return dg.MaterializeResult(
        metadata={
            "status": "promoted" if report.promoted else "kept champion",
            "version": meta["version"],
            "algorithm": meta["algorithm"],
            **{f"holdout_{k}": float(v) for k, v in meta["metrics"].items()},
            "baseline_roc_auc": float(report.baseline_metrics["roc_auc"]),
            "champion_roc_auc_same_holdout": report.champion_metrics["roc_auc"]
            if report.champion_metrics
            else None,
            "n_train": meta["n_train"],
            "n_holdout": meta["n_holdout"],
            "data_hash": meta["data_hash"],
        }
    )


@dg.asset(
    key=PREDICTED,
    deps=[lead_propensity_model, TRAITS, CONTACTS],
    group_name="ml",
    kinds={"duckdb"},
    pool=WAREHOUSE_POOL,
    owners=["team:data-science"],
)
def predicted_lead_scores(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """Scores every contact with the champion model: probability, percentile and the top three reasons in words."""
    features, _ = _read_features(warehouse)
    try:
        pipeline, feature_set, meta = registry.load_champion(warehouse.paths().models)
        scored = score(pipeline, feature_set, features) if not features.empty else pd.DataFrame()
        version = meta["version"]
    except FileNotFoundError as exc:
        context.log.warning(f"{exc}; predicted_lead_scores is left empty")
        scored, version = pd.DataFrame(), None
    if scored.empty:
        scored = pd.DataFrame(columns=["contact_id", "probability", "percentile", "top_factors"])
    scored["model_version"] = version
    scored["scored_at"] = datetime.now(UTC).replace(tzinfo=None)
    scored = scored[PREDICTED_COLUMNS].astype({"probability": float, "percentile": float})
    with warehouse.connect() as conn:
        conn.execute("create schema if not exists marts")
        conn.register("_scored", scored)
        conn.execute(
            "create or replace table marts.predicted_lead_scores as select cast(contact_id as varchar) contact_id, "
            "cast(model_version as varchar) model_version, probability, percentile, "
            "cast(top_factors as varchar) top_factors, cast(scored_at as timestamp) scored_at from _scored"
        )
        conn.unregister("_scored")
        preview = table_preview(conn, "select * from marts.predicted_lead_scores order by probability desc")
    return dg.MaterializeResult(
        metadata={"dagster/row_count": len(scored), "model_version": version, "top_scored": preview}
    )
