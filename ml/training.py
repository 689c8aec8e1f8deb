"""Trains the lead-propensity model on an out-of-time split: a calibrated gradient-boosting model against a
logistic-regression baseline, both judged on the same later holdout."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pandas as pd
from sklearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits

from ml.evaluation import curves, evaluate
from ml.features import DEFAULT_FEATURES, FeatureSet
from ml.pipelines import fit_gradient_boosting, fit_logistic_baseline
from ml.snapshots import LABEL


@dataclass(frozen=True)
class DataRequirements:
    """The least data a model may be trained on; below it training is refused, not attempted."""

    min_rows: int = 500
    min_train_positives: int = 50
    min_holdout_positives: int = 20


# Negatives kept per positive when fitting: the rest add time, not ranking
# (docs/decisions/2026-11-23-propensity-training-on-sampled-negatives.md).
NEGATIVES_PER_POSITIVE = 10.0


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
    constant_features: list[str] = field(default_factory=list)  # one value in training: left out of the model
    sampling: dict = field(default_factory=dict)  # the rows it was fitted on: NegativeSample.describe()


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
    negatives_per_positive: float | None = NEGATIVES_PER_POSITIVE,
) -> list[TrainedModel]:
    """Trains the challenger and the baseline on train_frame and evaluates both on holdout_frame; gives both,
    the better holdout ROC-AUC first, each with the features it uses (those of `features` that vary in the
    training rows). Both fit on every positive and at most negatives_per_positive weighted negatives for
    each (None: every row); the holdout is never sampled. Raises NotEnoughData before fitting anything when
    data is short."""
    check_data(train_frame, holdout_frame, requirements)
    features, constant = features.informative(train_frame)
    digest = data_hash(train_frame[["contact_id", "cutoff", *features.columns, LABEL]])
    X, y = train_frame[features.columns], train_frame[LABEL].astype(int).to_numpy()
    X_holdout, y_holdout = holdout_frame[features.columns], holdout_frame[LABEL].astype(int).to_numpy()
    models = []
    for name, fit in (
        ("hist_gradient_boosting", fit_gradient_boosting),
        ("logistic_regression", fit_logistic_baseline),
    ):
        with threadpool_limits(
            limits=1, user_api="blas"
        ):  # BLAS threads only spin on a linear model this size
            pipeline, sample = fit(X, y, features, seed, negatives_per_positive=negatives_per_positive)
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
                constant_features=constant,
                sampling={"negatives_per_positive": negatives_per_positive, **sample.describe()},
            )
        )
    return sorted(models, key=lambda m: -m.metrics["roc_auc"])
