"""Why a contact scores high, fast enough for a million contacts: main-effect attributions from partial
dependence, computed once per model.

At training time, for every feature, the model's average probability is measured with that feature set to
each value of a grid (the other features as they are, over a sample of contacts): its partial dependence.
A contact's attribution for a feature is the partial dependence at its value minus the average over
contacts. Scoring then needs one table lookup per feature and contact instead of a model call per feature
(docs/decisions/2026-11-23-reasons-from-partial-dependence.md). Interactions are not attributed; reasons
are for a salesperson, not an audit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ml.features import FeatureSet
from ml.pipelines import category_codes

GRID_POINTS = 16


@dataclass
class Explainer:
    """Per feature: the grid of values and the centred partial dependence at each (plus at a gap)."""

    grids: dict[str, list]
    effects: dict[str, list[float]]
    missing_effects: dict[str, float]

    def to_dict(self) -> dict:
        return {"grids": self.grids, "effects": self.effects, "missing_effects": self.missing_effects}

    @classmethod
    def from_dict(cls, data: dict) -> Explainer:
        return cls(data["grids"], data["effects"], data["missing_effects"])


def _grid(values: pd.Series, categorical: bool) -> list:
    present = values.dropna()
    if categorical:
        return sorted(present.astype(str).unique().tolist())
    ordered = np.sort(present.to_numpy(dtype=float))  # sorted once: the distinct values and the quantiles
    unique = ordered[np.concatenate([[True], ordered[1:] != ordered[:-1]])] if len(ordered) else ordered
    if len(unique) <= GRID_POINTS:
        return unique.tolist()
    return np.unique(np.quantile(ordered, np.linspace(0, 1, GRID_POINTS))).tolist()


def fit_explainer(
    pipeline, frame: pd.DataFrame, features: FeatureSet, sample: int = 400, seed: int = 0
) -> Explainer:
    """Gives the partial dependence tables of a fitted pipeline over a sample of `frame` (its training rows),
    with one predict call for every feature and grid value together. Constant features get no table."""
    base = frame[features.columns].sample(n=min(sample, len(frame)), random_state=seed).reset_index(drop=True)
    rows = np.arange(len(base))
    grids, blocks, keys = {}, [], []
    for column in features.columns:
        categorical = column in features.categorical
        grids[column] = _grid(frame[column], categorical)
        gap = not categorical and bool(frame[column].isna().any())
        if len(grids[column]) + gap < 2:
            continue  # one value everywhere: nothing to attribute
        values = list(grids[column]) + ([None] if gap else [])
        block = base.iloc[np.tile(rows, len(values))].reset_index(drop=True)
        repeated = np.repeat(np.array(values, dtype=object), len(base))
        block[column] = (
            repeated if categorical else pd.to_numeric(pd.Series(repeated), errors="coerce").to_numpy()
        )
        blocks.append(block)
        keys += [(column, v) for v in values]
    effects, missing = {c: [0.0] * len(grids[c]) for c in features.columns}, {}
    if not blocks:
        return Explainer(grids, effects, missing)
    probability = pipeline.predict_proba(pd.concat(blocks, ignore_index=True))[:, 1]
    average = dict(zip(keys, probability.reshape(len(keys), len(base)).mean(axis=1), strict=True))
    for column in {c for c, _ in keys}:
        raw = np.array([average[(column, v)] for v in grids[column]])
        # centre on the contacts' own values, so 0 means "as for a typical contact"
        categorical = column in features.categorical
        at_values = lookup(grids[column], raw, frame[column], categorical, average.get((column, None)))
        centre = float(np.nanmean(at_values))
        effects[column] = (raw - centre).round(6).tolist()
        if (column, None) in average:
            missing[column] = round(float(average[(column, None)] - centre), 6)
    return Explainer(grids, effects, missing)


def lookup(
    grid: list, effects: np.ndarray, values: pd.Series, categorical: bool, missing: float | None
) -> np.ndarray:
    """Gives each value's effect: the effect of the grid point at or below it (categories: equal to it)."""
    if categorical:
        codes = category_codes(values, grid)  # -1: a value without a table entry, no effect
        return np.append(np.asarray(effects, dtype=float), 0.0)[codes]
    numbers = values.to_numpy(dtype=float)
    index = np.clip(
        np.searchsorted(np.asarray(grid, dtype=float), numbers, side="right") - 1, 0, len(grid) - 1
    )
    out = np.asarray(effects, dtype=float)[index]
    out[np.isnan(numbers)] = 0.0 if missing is None else missing
    return out


def attributions(explainer: Explainer, frame: pd.DataFrame, features: FeatureSet) -> np.ndarray:
    """Gives a (contacts x features) matrix: how much each feature's value moves each contact's probability
    away from a typical contact's. Column-major: each feature's column is written and summed contiguously."""
    out = np.zeros((len(frame), len(features.columns)), dtype=float, order="F")
    for j, column in enumerate(features.columns):
        if not any(explainer.effects[column]) and not explainer.missing_effects.get(column):
            continue  # a feature without influence (constant in training): nothing to look up
        out[:, j] = lookup(
            explainer.grids[column],
            np.asarray(explainer.effects[column]),
            frame[column],
            column in features.categorical,
            explainer.missing_effects.get(column),
        )
    return out
