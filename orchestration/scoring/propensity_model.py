"""The lead-propensity model as an asset: retrained on CRM outcomes, promoted only when it beats the champion."""

import base64

import dagster as dg
import pandas as pd

from ml import registry
from ml.plots import report_png
from ml.retraining import RetrainConfig, RetrainReport, retrain
from ml.training import NotEnoughData
from orchestration.resources import WAREHOUSE_POOL, WarehouseResource

MODEL = dg.AssetKey(["ml", "lead_propensity_model"])
INPUTS = [
    dg.AssetKey(["marts", "fct_behaviors"]),
    dg.AssetKey(["marts", "lead_fit_observations"]),
    dg.AssetKey(["marts", "fct_crm_outcomes"]),
    dg.AssetKey(["marts", "dim_contacts"]),
]
METRICS = ("roc_auc", "pr_auc", "lift_top_decile", "brier", "ece", "adaptive_ece", "positive_rate")


class PropensityTraining(dg.Config):
    """How the model is trained: the label is an opportunity within horizon_days of a snapshot."""

    horizon_days: int = 30
    train_snapshots: int = 3
    step_days: int = 14


def _metrics_table(report: RetrainReport) -> str:
    meta = report.metadata
    columns = {
        f"candidate ({meta['algorithm']})": meta["metrics"],
        "baseline (logistic)": report.baseline.metrics,
    }
    if report.champion_metrics:
        columns[f"champion {report.champion_version}"] = report.champion_metrics
    frame = pd.DataFrame({name: {m: values[m] for m in METRICS} for name, values in columns.items()})
    return frame.round(4).to_markdown()


def _influence_table(meta: dict, models_dir, top: int = 12) -> str:
    explainer = registry.load(models_dir, meta["version"]).explainer
    spread = {name: max(effects) - min(effects) for name, effects in explainer.effects.items() if effects}
    ranked = sorted(spread.items(), key=lambda item: -item[1])[:top]
    return (
        pd.DataFrame(ranked, columns=["feature", "probability range (partial dependence)"])
        .round(4)
        .to_markdown(index=False)
    )


def report_metadata(report: RetrainReport, models_dir) -> dict:
    """Gives the asset's metadata: metrics, the decision and the ROC / lift / calibration plots."""
    meta = report.metadata
    png = report_png(meta["curves"], f"lead propensity {meta['version']} on the holdout")
    png_path = registry.root(models_dir) / meta["version"] / "report.png"
    png_path.write_bytes(png)
    markdown = (
        f"### Holdout {meta['training_window']['holdout_cutoff']} + {meta['training_window']['horizon_days']} days\n\n"
        f"![ROC, lift and calibration](data:image/png;base64,{base64.b64encode(png).decode()})\n\n"
        f"{_metrics_table(report)}\n\n#### What moves the probability most\n\n{_influence_table(meta, models_dir)}\n"
    )
    return {
        "status": "promoted" if report.promoted else "kept champion",
        "version": meta["version"],
        "algorithm": meta["algorithm"],
        **{f"holdout_{m}": dg.MetadataValue.float(float(meta["metrics"][m])) for m in METRICS},
        "baseline_roc_auc": dg.MetadataValue.float(float(report.baseline.metrics["roc_auc"])),
        "champion_roc_auc_same_holdout": (
            dg.MetadataValue.float(float(report.champion_metrics["roc_auc"]))
            if report.champion_metrics
            else None
        ),
        "n_train": meta["n_train"],
        "n_train_positives": meta["n_train_positives"],
        "n_holdout": meta["n_holdout"],
        "n_holdout_positives": meta["n_holdout_positives"],
        "n_features": len(meta["features"]["numeric"]) + len(meta["features"]["categorical"]),
        "training_window": dg.MetadataValue.json(meta["training_window"]),
        "data_hash": meta["data_hash"],
        "report": dg.MetadataValue.md(markdown),
        "report_png": dg.MetadataValue.path(str(png_path)),
    }


@dg.asset(
    key=MODEL,
    deps=INPUTS,
    group_name="ml",
    kinds={"scikitlearn"},
    pool=WAREHOUSE_POOL,  # reads the DuckDB file, which a writing run in another process would lock
    owners=["team:data-science"],
    automation_condition=dg.AutomationCondition.on_cron("0 3 * * 1"),
)
def lead_propensity_model(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, config: PropensityTraining
) -> dg.MaterializeResult:
    """Retrains the lead-propensity model on CRM outcomes (out-of-time holdout) and promotes it only if it
    beats the champion on that holdout.

    Sales trust a score that is checked: every version stays in the registry with its metrics, a model with
    too little data behind it is refused, not shipped, and the report card is on this page.
    """
    models_dir = warehouse.paths().models
    settings = RetrainConfig(config.horizon_days, config.train_snapshots, config.step_days)
    try:
        with warehouse.connect(read_only=True) as conn:
            report = retrain(conn, models_dir, settings)
    except NotEnoughData as exc:
        context.log.warning(str(exc))
        return dg.MaterializeResult(metadata={"status": "refused", "reason": str(exc)})
    meta = report.metadata
    context.log.info(
        f"model {meta['version']} ({meta['algorithm']}, holdout ROC-AUC {meta['metrics']['roc_auc']:.4f}) "
        f"promoted={report.promoted}"
    )
    return dg.MaterializeResult(metadata=report_metadata(report, models_dir))
