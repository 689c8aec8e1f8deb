"""Retraining with champion/challenger: build the out-of-time split from the warehouse, train, judge the
candidate and the current champion on the same holdout, register the candidate and promote it only if it wins."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from ml import registry
from ml.evaluation import evaluate
from ml.explanations import fit_explainer
from ml.features import DEFAULT_FEATURES, FeatureSet
from ml.scoring import probabilities
from ml.snapshots import LABEL, data_end, snapshot
from ml.training import (
    NEGATIVES_PER_POSITIVE,
    DataRequirements,
    TimeSplit,
    TrainedModel,
    plan_split,
    train,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetrainConfig:
    """How to retrain: the label horizon and how many training snapshots, how far apart."""

    horizon_days: int = 30
    train_snapshots: int = 3
    step_days: int = 14
    requirements: DataRequirements = field(default_factory=DataRequirements)
    features: FeatureSet = DEFAULT_FEATURES
    negatives_per_positive: float | None = NEGATIVES_PER_POSITIVE  # None: fit on every row


@dataclass
class RetrainReport:
    """What a retraining did: the candidate's registered metadata, the baseline's and the champion's metrics
    on the same holdout, and whether the candidate was promoted."""

    metadata: dict
    promoted: bool
    baseline: TrainedModel
    champion_version: str | None
    champion_metrics: dict | None
    holdout: pd.DataFrame


def labelled_outcomes(conn: duckdb.DuckDBPyConnection) -> int:
    """Gives how many CRM leads have an outcome (anything but open): what retraining learns from."""
    return int(
        conn.execute("select count(*) from marts.fct_crm_outcomes where status <> 'open'").fetchone()[0]
    )


def build_frames(
    conn: duckdb.DuckDBPyConnection, split: TimeSplit, features: FeatureSet
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Gives the stacked training snapshots and the holdout snapshot of a split."""
    train_frame = pd.concat(
        [snapshot(conn, cutoff, features, split.horizon_days) for cutoff in split.train_cutoffs],
        ignore_index=True,
    )
    return train_frame, snapshot(conn, split.holdout_cutoff, features, split.horizon_days)


def _champion_on(models_dir: Path, holdout: pd.DataFrame) -> tuple[str | None, dict | None]:
    version = registry.champion_version(models_dir)
    if version is None:
        return None, None
    try:
        bundle = registry.load(models_dir, version)
        return version, evaluate(holdout[LABEL].to_numpy(), probabilities(bundle, holdout))
    except (KeyError, ValueError, FileNotFoundError):
        return (
            version,
            None,
        )  # trained on features this data no longer has, or its file is damaged: it cannot compete


def retrain(
    conn: duckdb.DuckDBPyConnection, models_dir: Path, config: RetrainConfig = RetrainConfig()
) -> RetrainReport:
    """Trains on the warehouse's CRM outcomes and registers the better of challenger and baseline; promotes it
    only if it beats the champion's ROC-AUC on the same holdout. Raises NotEnoughData when data is short."""
    split = plan_split(data_end(conn), config.horizon_days, config.train_snapshots, config.step_days)
    train_frame, holdout = build_frames(conn, split, config.features)
    models = train(
        train_frame,
        holdout,
        config.features,
        config.requirements,
        split.describe(),
        negatives_per_positive=config.negatives_per_positive,
    )
    best = models[0]
    baseline = next(m for m in models if m.name == "logistic_regression")
    champion_version, champion_metrics = _champion_on(models_dir, holdout)
    promoted = champion_metrics is None or best.metrics["roc_auc"] > champion_metrics["roc_auc"]
    meta = registry.save(
        models_dir,
        best.pipeline,
        best.features,
        fit_explainer(best.pipeline, train_frame, best.features),
        {
            "algorithm": best.name,
            "training_window": split.describe(),
            "data_end": data_end(conn).isoformat(),
            "data_hash": best.data_hash,
            "metrics": best.metrics,
            "curves": best.curves,
            "baseline": {"algorithm": baseline.name, "metrics": baseline.metrics},
            "other_candidates": {m.name: m.metrics for m in models if m is not best},
            "champion_on_same_holdout": {"version": champion_version, "metrics": champion_metrics},
            "promoted": promoted,
            "n_train": best.n_train,
            "n_train_contacts": int(train_frame["contact_id"].nunique()),
            "n_train_positives": best.n_train_positives,
            "fit_sample": best.sampling,
            "n_holdout": best.n_holdout,
            "n_holdout_positives": best.n_holdout_positives,
            "constant_features_left_out": best.constant_features,
            "labelled_outcomes": labelled_outcomes(conn),
        },
    )
    if promoted:
        registry.promote(models_dir, meta)
    return RetrainReport(meta, promoted, baseline, champion_version, champion_metrics, holdout)
