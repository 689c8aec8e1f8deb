"""Trains the lead-propensity model on an out-of-time split: a calibrated gradient-boosting model against a
logistic-regression baseline, both judged on the same later holdout."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.frozen import FrozenEstimator
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler
from threadpoolctl import threadpool_limits

from ml.evaluation import curves, evaluate
from ml.features import DEFAULT_FEATURES, FeatureSet
from ml.snapshots import LABEL


@dataclass(frozen=True)
class DataRequirements:
    """The least data a model may be trained on; below it training is refused, not attempted."""

    min_rows: int = 500
    min_train_positives: int = 50
    min_holdout_positives: int = 20


class NotEnoughData(ValueError):
    """Raised when the labels cannot support a model; the message says what is missing and how much."""


@dataclass(frozen=True)
class TimeSplit:
    """Out-of-time split: train on snapshots at train_cutoffs, judge on the snapshot at holdout_cutoff.

    Every training label window ends by the holdout cutoff, so nothing the model learned from happened
    after the holdout's features were taken.
    """

    train_cutoffs: tuple[datetime, ...]
    holdout_cutoff: datetime
    horizon_days: int

    @property
    def holdout_label_end(self) -> datetime:
        return self.holdout_cutoff + timedelta(days=self.horizon_days)

    def describe(self) -> dict[str, str | int | list[str]]:
        return {
            "train_cutoffs": [c.isoformat() for c in self.train_cutoffs],
            "train_labels_until": (max(self.train_cutoffs) + timedelta(days=self.horizon_days)).isoformat(),
            "holdout_cutoff": self.holdout_cutoff.isoformat(),
            "holdout_labels_until": self.holdout_label_end.isoformat(),
            "horizon_days": self.horizon_days,
        }


def plan_split(
    end: datetime, horizon_days: int = 30, train_snapshots: int = 3, step_days: int = 14
) -> TimeSplit:
    """Gives the split for data ending at `end`: the holdout cutoff one horizon before the (day-rounded) end,
    training cutoffs one horizon before that and then every `step_days` further back."""
    end_day = datetime(end.year, end.month, end.day)
    holdout = end_day - timedelta(days=horizon_days)
    latest_train = holdout - timedelta(days=horizon_days)
    cutoffs = tuple(latest_train - timedelta(days=step_days * k) for k in reversed(range(train_snapshots)))
    return TimeSplit(cutoffs, holdout, horizon_days)


@dataclass
class TrainedModel:
    """A fitted pipeline with its holdout metrics and what it was trained on."""

    name: str
    pipeline: Pipeline
    metrics: dict[str, float]
    curves: dict[str, list]
    features: FeatureSet
    data_hash: str
    n_train: int
    n_train_positives: int
    n_holdout: int
    n_holdout_positives: int
    split: dict = field(default_factory=dict)


class FeatureMatrix(TransformerMixin, BaseEstimator):
    """Feature frame -> float matrix for the booster: categories as codes ordered by their (smoothed) training
    conversion rate, so one numeric split separates likely from unlikely values; numbers as they are.

    Cheaper than a native categorical encoding at prediction time (docs/decisions/2026-11-23-fast-scoring.md):
    a million contacts are mapped with one hash lookup per category column.
    """

    def __init__(
        self, categorical: tuple[str, ...] = (), numeric: tuple[str, ...] = (), smoothing: float = 20.0
    ):
        self.categorical = categorical
        self.numeric = numeric
        self.smoothing = smoothing

    def fit(self, X: pd.DataFrame, y=None):
        target = pd.Series(np.zeros(len(X)) if y is None else np.asarray(y, dtype=float), index=X.index)
        prior = float(target.mean())
        self.categories_ = {}
        for column in self.categorical:
            stats = target.groupby(X[column].astype(str)).agg(["sum", "count"])
            rate = (stats["sum"] + prior * self.smoothing) / (stats["count"] + self.smoothing)
            self.categories_[column] = rate.sort_values(kind="stable").index.tolist()
        return self

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        out = np.empty((len(X), len(self.categorical) + len(self.numeric)), dtype=np.float64)
        for i, column in enumerate(self.categorical):
            codes = pd.Categorical(X[column], categories=self.categories_[column]).codes.astype(np.float64)
            codes[codes < 0] = np.nan  # a value never seen in training: treated as missing
            out[:, i] = codes
        out[:, len(self.categorical) :] = X[list(self.numeric)].to_numpy(dtype=np.float64, na_value=np.nan)
        return out

    def get_feature_names_out(self, input_features=None):
        return np.array([*self.categorical, *self.numeric], dtype=object)


def gradient_boosting(features: FeatureSet, seed: int = 0) -> Pipeline:
    """Gives the challenger, unfitted: histogram gradient boosting (gaps handled natively) on the feature
    matrix. fit_gradient_boosting fits and calibrates it."""
    booster = HistGradientBoostingClassifier(
        learning_rate=0.15,
        max_iter=300,
        max_leaf_nodes=15,
        max_depth=6,
        min_samples_leaf=80,
        l2_regularization=1.0,
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change=15,
        random_state=seed,
    )
    return Pipeline([("encode", FeatureMatrix(features.categorical, features.numeric)), ("model", booster)])


def fit_gradient_boosting(
    X: pd.DataFrame, y: np.ndarray, features: FeatureSet, seed: int = 0, calibration_share: float = 0.2
) -> Pipeline:
    """Fits the booster on most training rows and a sigmoid (Platt) calibration of its probabilities on the rest
    (rows the booster never saw), so a predicted 8% means about 8 in 100 such contacts convert. One booster:
    calibrating cross-validated copies would fit four and score three."""
    pipeline = gradient_boosting(features, seed)
    encode, booster = pipeline.named_steps["encode"], pipeline.named_steps["model"]
    encoded = encode.fit_transform(X, y)
    fit_rows, calibration_rows = train_test_split(
        np.arange(len(y)), test_size=calibration_share, stratify=y, random_state=seed
    )
    booster.fit(encoded[fit_rows], y[fit_rows])
    calibrated = CalibratedClassifierCV(FrozenEstimator(booster), method="sigmoid")
    calibrated.fit(encoded[calibration_rows], y[calibration_rows])
    return Pipeline([("encode", encode), ("model", calibrated)])


def logistic_baseline(features: FeatureSet) -> Pipeline:
    """Gives the baseline: logistic regression on log-scaled counts, imputed gaps and one-hot categories."""
    numbers = make_pipeline(
        SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True),
        FunctionTransformer(signed_log1p),
        StandardScaler(),
    )
    encode = ColumnTransformer(
        [
            (
                "categories",
                OneHotEncoder(handle_unknown="ignore", min_frequency=20),
                list(features.categorical),
            ),
            ("numbers", numbers, list(features.numeric)),
        ]
    )
    return Pipeline([("encode", encode), ("model", LogisticRegression(max_iter=2000, C=0.3))])


def signed_log1p(X):
    """log(1 + |x|) with the sign kept: counts and day spans are heavy-tailed; a linear model wants them tamed."""
    X = np.asarray(X, dtype=float)
    return np.sign(X) * np.log1p(np.abs(X))


def data_hash(frame: pd.DataFrame) -> str:
    """Gives a short hash of the training data, recorded with the model to tell what it learned from."""
    ordered = frame.sort_values(["cutoff", "contact_id"]).reset_index(drop=True)
    hashed = pd.util.hash_pandas_object(ordered, index=False).to_numpy()
    return hashlib.sha256(hashed.tobytes()).hexdigest()[:16]


def check_data(train: pd.DataFrame, holdout: pd.DataFrame, requirements: DataRequirements) -> None:
    """Raises NotEnoughData, saying what is short, when the split cannot support a trustworthy model."""
    problems = []
    train_pos, holdout_pos = int(train[LABEL].sum()), int(holdout[LABEL].sum())
    if len(train) < requirements.min_rows:
        problems.append(f"{len(train)} training rows (need {requirements.min_rows})")
    if train_pos < requirements.min_train_positives:
        problems.append(
            f"{train_pos} opportunities in the training window (need {requirements.min_train_positives})"
        )
    if holdout_pos < requirements.min_holdout_positives:
        problems.append(
            f"{holdout_pos} opportunities in the holdout window (need {requirements.min_holdout_positives})"
        )
    if train_pos == len(train):
        problems.append("every training contact converted: no negatives to learn from")
    if problems:
        raise NotEnoughData(
            "refusing to train: " + "; ".join(problems) + ". Load more CRM outcomes (marts.fct_crm_outcomes) "
            "or lower the horizon."
        )


def train(
    train_frame: pd.DataFrame,
    holdout_frame: pd.DataFrame,
    features: FeatureSet = DEFAULT_FEATURES,
    requirements: DataRequirements = DataRequirements(),
    split: dict | None = None,
    seed: int = 0,
) -> list[TrainedModel]:
    """Trains the challenger and the baseline on train_frame and evaluates both on holdout_frame; gives both,
    the better holdout ROC-AUC first. Raises NotEnoughData before fitting anything when data is short."""
    check_data(train_frame, holdout_frame, requirements)
    digest = data_hash(train_frame[["contact_id", "cutoff", *features.columns, LABEL]])
    X, y = train_frame[features.columns], train_frame[LABEL].astype(int).to_numpy()
    X_holdout, y_holdout = holdout_frame[features.columns], holdout_frame[LABEL].astype(int).to_numpy()
    models = []
    for name, fit in (
        ("hist_gradient_boosting", lambda: fit_gradient_boosting(X, y, features, seed)),
        ("logistic_regression", lambda: logistic_baseline(features).fit(X, y)),
    ):
        with threadpool_limits(
            limits=1, user_api="blas"
        ):  # BLAS threads only spin on a linear model this size
            pipeline = fit()
        probability = pipeline.predict_proba(X_holdout)[:, 1]
        models.append(
            TrainedModel(
                name=name,
                pipeline=pipeline,
                metrics=evaluate(y_holdout, probability),
                curves=curves(y_holdout, probability),
                features=features,
                data_hash=digest,
                n_train=len(train_frame),
                n_train_positives=int(y.sum()),
                n_holdout=len(holdout_frame),
                n_holdout_positives=int(y_holdout.sum()),
                split=split or {},
            )
        )
    return sorted(models, key=lambda m: -m.metrics["roc_auc"])
