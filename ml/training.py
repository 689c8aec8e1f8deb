"""Trains the lead-propensity model: a calibrated gradient-boosting challenger against a logistic baseline."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

from ml.features import DEFAULT_FEATURES, LABEL, FeatureSet

MIN_POSITIVES = 20
MIN_ROWS = 200


class NotEnoughData(ValueError):
    """Raised when the labels cannot support a model; the message says what is missing."""


@dataclass
class TrainedModel:
    """A fitted pipeline with its holdout metrics and what it was trained on."""

    name: str
    pipeline: Pipeline
    metrics: dict[str, float]
    features: FeatureSet
    data_hash: str
    n_train: int
    n_holdout: int


def _gradient_boosting(features: FeatureSet) -> Pipeline:
    encode = ColumnTransformer(
        [
            (
                "categories",
                OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1),
                list(features.categorical),
            )
        ],
        remainder="passthrough",
    )
    n_cat = len(features.categorical)
    booster = HistGradientBoostingClassifier(
        max_iter=200,
        learning_rate=0.06,
        max_leaf_nodes=15,
        l2_regularization=1.0,
        categorical_features=list(range(n_cat)),
        random_state=0,
    )
    return Pipeline([("encode", encode), ("model", CalibratedClassifierCV(booster, method="isotonic", cv=3))])


def _logistic(features: FeatureSet) -> Pipeline:
    encode = ColumnTransformer(
        [
            ("categories", OneHotEncoder(handle_unknown="ignore"), list(features.categorical)),
            ("numbers", StandardScaler(), list(features.numeric)),
        ],
    )
    return Pipeline([("encode", encode), ("model", LogisticRegression(max_iter=1000, C=0.5))])


def evaluate(y_true: np.ndarray, probability: np.ndarray) -> dict[str, float]:
    """Gives ROC-AUC, PR-AUC, Brier score, expected calibration error and lift in the top decile."""
    order = np.argsort(-probability)
    top = order[: max(1, len(order) // 10)]
    base_rate = float(np.mean(y_true)) or 1e-9
    bins = np.minimum((probability * 10).astype(int), 9)
    ece = sum(
        abs(probability[bins == b].mean() - y_true[bins == b].mean()) * np.mean(bins == b)
        for b in range(10)
        if np.any(bins == b)
    )
    return {
        "roc_auc": float(roc_auc_score(y_true, probability)),
        "pr_auc": float(average_precision_score(y_true, probability)),
        "brier": float(brier_score_loss(y_true, probability)),
        "ece": float(ece),
        "lift_top_decile": float(np.mean(y_true[top]) / base_rate),
        "positive_rate": base_rate,
    }


def data_hash(frame: pd.DataFrame) -> str:
    """Gives a short hash of the training data, recorded with the model to tell what it learned from."""
    hashed = pd.util.hash_pandas_object(frame.sort_values("contact_id"), index=False).values
    return hashlib.sha256(hashed.tobytes()).hexdigest()[:16]


def train(
    frame: pd.DataFrame, features: FeatureSet = DEFAULT_FEATURES, seed: int = 0
) -> tuple[list[TrainedModel], pd.DataFrame]:
    """Trains the challenger and the baseline on a stratified split; gives both (best first) and the holdout."""
    positives = int(frame[LABEL].sum())
    if len(frame) < MIN_ROWS or positives < MIN_POSITIVES:
        raise NotEnoughData(
            f"refusing to train: {len(frame)} contacts with {positives} opportunities; need at least "
            f"{MIN_ROWS} contacts and {MIN_POSITIVES} opportunities in the CRM outcomes"
        )
    train_rows, holdout = train_test_split(frame, test_size=0.25, stratify=frame[LABEL], random_state=seed)
    digest = data_hash(frame)
    models = []
    for name, build in (("hist_gradient_boosting", _gradient_boosting), ("logistic_regression", _logistic)):
        pipeline = build(features).fit(train_rows[features.columns], train_rows[LABEL])
        probability = pipeline.predict_proba(holdout[features.columns])[:, 1]
        metrics = evaluate(holdout[LABEL].to_numpy(), probability)
        models.append(TrainedModel(name, pipeline, metrics, features, digest, len(train_rows), len(holdout)))
    return sorted(models, key=lambda m: -m.metrics["roc_auc"]), holdout
