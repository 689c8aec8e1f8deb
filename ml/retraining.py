"""Retraining with champion/challenger: train, evaluate the current champion on the same holdout, promote or not."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ml import registry
from ml.features import LABEL
from ml.training import evaluate, train


@dataclass
class RetrainReport:
    """What a retraining did: the candidate's metrics, the baseline's, the champion's and the decision."""

    metadata: dict
    promoted: bool
    baseline_metrics: dict
    champion_metrics: dict | None


def retrain(frame: pd.DataFrame, models_dir: Path) -> RetrainReport:
    """Trains on the labelled frame and registers the best model, promoting it only if it beats the champion."""
    models, holdout = train(frame)
    best, baseline = models[0], models[-1]
    champion_metrics = None
    try:
        pipeline, features, _ = registry.load_champion(models_dir)
        probability = pipeline.predict_proba(holdout[features.columns])[:, 1]
        champion_metrics = evaluate(holdout[LABEL].to_numpy(), probability)
    except (FileNotFoundError, KeyError, ValueError):
        champion_metrics = None  # no champion yet, or one trained on other features: it cannot compete
    champion_auc = champion_metrics["roc_auc"] if champion_metrics else None
    metadata, promoted = registry.register(models_dir, best, champion_auc)
    return RetrainReport(metadata, promoted, baseline.metrics, champion_metrics)
