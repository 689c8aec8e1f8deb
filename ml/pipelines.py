"""The two candidate models as scikit-learn pipelines: calibrated gradient boosting and a logistic baseline."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

from ml.features import FeatureSet


def category_codes(values: pd.Series, categories: list) -> np.ndarray:
    """Gives each value's position in `categories` (-1: not among them, or missing). Hashes the column once
    and looks up only its distinct values: comparing a million strings against the list would hash each of
    them again per lookup structure."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    positions = pd.Index(categories, dtype=object).get_indexer(np.asarray(uniques, dtype=object))
    return np.where(codes >= 0, np.append(positions, -1)[codes], -1)


class FeatureMatrix(TransformerMixin, BaseEstimator):
    """Feature frame -> float matrix for the booster: categories as codes ordered by their (smoothed) training
    conversion rate, so one numeric split separates likely from unlikely values; numbers as they are.

    Cheaper than a native categorical encoding at prediction time (docs/decisions/2026-11-23-propensity-model.md):
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
        # column-major: filled column by column, and the trees predict faster from it (contiguous per feature)
        out = np.empty((len(X), len(self.categorical) + len(self.numeric)), dtype=np.float64, order="F")
        for i, column in enumerate(self.categorical):
            codes = category_codes(X[column], self.categories_[column]).astype(np.float64)
            codes[codes < 0] = np.nan  # a value never seen in training: treated as missing
            out[:, i] = codes
        for i, column in enumerate(self.numeric, start=len(self.categorical)):
            out[:, i] = X[column].to_numpy(dtype=np.float64, na_value=np.nan)
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


@dataclass(frozen=True)
class NegativeSample:
    """The rows a model is fitted on: every positive and a random share of the negatives, each kept negative
    weighted by how many it stands for, so the weighted rows keep the data's conversion rate
    (docs/decisions/2026-11-23-propensity-training-on-sampled-negatives.md)."""

    rows: np.ndarray
    weights: np.ndarray | None  # None: every row, unweighted
    negative_weight: float

    def describe(self) -> dict[str, float | int]:
        return {"fit_rows": len(self.rows), "negative_weight": round(self.negative_weight, 4)}


def sample_negatives(y: np.ndarray, negatives_per_positive: float | None, seed: int = 0) -> NegativeSample:
    """Gives the rows of y to fit on: all positives and at most negatives_per_positive negatives for each
    (all of them when there are fewer, or when negatives_per_positive is None), in their original order."""
    y = np.asarray(y)
    positives, negatives = np.flatnonzero(y == 1), np.flatnonzero(y != 1)
    keep = len(negatives)
    if negatives_per_positive is not None:
        keep = min(keep, max(1, int(round(negatives_per_positive * len(positives)))))
    if keep == len(negatives):
        return NegativeSample(np.arange(len(y)), None, 1.0)
    kept = np.random.default_rng(seed).choice(negatives, size=keep, replace=False)
    rows = np.sort(np.concatenate([positives, kept]))
    weight = len(negatives) / keep
    return NegativeSample(rows, np.where(y[rows] == 1, 1.0, weight), weight)


def fit_gradient_boosting(
    X: pd.DataFrame,
    y: np.ndarray,
    features: FeatureSet,
    seed: int = 0,
    calibration_share: float = 0.2,
    negatives_per_positive: float | None = None,
) -> tuple[Pipeline, NegativeSample]:
    """Fits the booster on most training rows (all their positives, negatives sampled and weighted up to
    negatives_per_positive) and a sigmoid (Platt) calibration of its probabilities on the rest, rows the
    booster never saw, none left out and none weighted: a predicted 8% means about 8 in 100 such contacts
    convert. Gives the pipeline and the booster's sample. One booster: calibrating cross-validated copies
    would fit four and score three."""
    pipeline = gradient_boosting(features, seed)
    encode, booster = pipeline.named_steps["encode"], pipeline.named_steps["model"]
    # column-major: drawing the rows below from it costs less than making a row-major copy first
    encoded = encode.fit_transform(X, y)
    fit_rows, calibration_rows = train_test_split(
        np.arange(len(y)), test_size=calibration_share, stratify=y, random_state=seed
    )
    sample = sample_negatives(y[fit_rows], negatives_per_positive, seed)
    fit_rows = fit_rows[sample.rows]
    booster.fit(encoded[fit_rows], y[fit_rows], sample_weight=sample.weights)
    calibrated = CalibratedClassifierCV(FrozenEstimator(booster), method="sigmoid")
    calibrated.fit(encoded[calibration_rows], y[calibration_rows])
    return Pipeline([("encode", encode), ("model", calibrated)]), sample


def fit_logistic_baseline(
    X: pd.DataFrame,
    y: np.ndarray,
    features: FeatureSet,
    seed: int = 0,
    negatives_per_positive: float | None = None,
) -> tuple[Pipeline, NegativeSample]:
    """Fits the baseline on all positives and sampled, weighted negatives; gives the pipeline and the sample."""
    sample = sample_negatives(y, negatives_per_positive, seed)
    pipeline = logistic_baseline(features)
    pipeline.fit(X.iloc[sample.rows], y[sample.rows], model__sample_weight=sample.weights)
    return pipeline, sample


class GapImputer(TransformerMixin, BaseEstimator):
    """Fills gaps with the column's training median and appends a was-missing indicator for every column that
    had gaps in training: SimpleImputer(strategy="median", add_indicator=True) without its masked-array
    median, which took 11.8 s of a 56 s training on 50,000 people (docs/decisions/2026-11-23-propensity-model.md)."""

    def fit(self, X, y=None):
        X = np.asarray(X, dtype=np.float64)
        with warnings.catch_warnings():  # a column with no value at all: filled with 0
            warnings.simplefilter("ignore", RuntimeWarning)
            self.medians_ = np.nan_to_num(np.nanmedian(X, axis=0), nan=0.0)
        self.gaps_ = np.flatnonzero(np.isnan(X).any(axis=0))
        return self

    def transform(self, X) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64)
        missing = np.isnan(X)
        return np.hstack([np.where(missing, self.medians_, X), missing[:, self.gaps_].astype(np.float64)])


def logistic_baseline(features: FeatureSet) -> Pipeline:
    """Gives the baseline: logistic regression on log-scaled counts, imputed gaps and one-hot categories
    (categories coded first: one-hot encoding strings checks every value in Python)."""
    numbers = make_pipeline(
        GapImputer(),
        FunctionTransformer(signed_log1p),
        StandardScaler(),
    )
    categories = make_pipeline(
        FeatureMatrix(features.categorical, ()),
        OneHotEncoder(handle_unknown="ignore", min_frequency=20),
    )
    encode = ColumnTransformer(
        [
            ("categories", categories, list(features.categorical)),
            ("numbers", numbers, list(features.numeric)),
        ]
    )
    return Pipeline([("encode", encode), ("model", LogisticRegression(max_iter=2000, C=0.3))])


def signed_log1p(X):
    """log(1 + |x|) with the sign kept: counts and day spans are heavy-tailed; a linear model wants them tamed.
    Only the non-zero values are transformed: most counts are 0, and the logarithm is the costly part."""
    X = np.asarray(X, dtype=float)
    out = np.zeros_like(X)
    nonzero = X != 0
    values = X[nonzero]
    out[nonzero] = np.copysign(np.log1p(np.abs(values)), values)
    return out
