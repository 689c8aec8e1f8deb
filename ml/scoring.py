"""Scores contacts with a registered model: probability, percentile and the top three reasons in words."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from ml.explanations import attributions
from ml.reasons import top_reasons
from ml.registry import ModelBundle

CHUNK = 250_000  # bounds memory: the attribution matrix of a chunk is CHUNK x features doubles


def score(bundle: ModelBundle, frame: pd.DataFrame, top_n: int = 3) -> pd.DataFrame:
    """Gives contact_id, probability, percentile (0-100: share of scored contacts at or below) and
    top_factors for every row of a feature frame (ml.snapshots.snapshot without a label)."""
    if frame.empty:
        return pd.DataFrame({"contact_id": [], "probability": [], "percentile": [], "top_factors": []})
    parts = []
    for start in range(0, len(frame), CHUNK):
        chunk = frame.iloc[start : start + CHUNK]
        X = chunk  # every step picks its columns by name: no copy of the chunk
        probability = bundle.pipeline.predict_proba(X)[:, 1]
        reasons = top_reasons(X, attributions(bundle.explainer, X, bundle.features), bundle.features, top_n)
        parts.append(
            pd.DataFrame(
                {
                    "contact_id": chunk["contact_id"].to_numpy(),
                    "probability": probability.round(6),
                    "top_factors": reasons.to_numpy(),
                }
            )
        )
    scored = pd.concat(parts, ignore_index=True)
    scored["percentile"] = (rankdata(scored["probability"], method="max") / len(scored) * 100).round(2)
    return scored[["contact_id", "probability", "percentile", "top_factors"]]


def probabilities(bundle: ModelBundle, frame: pd.DataFrame) -> np.ndarray:
    """Gives the model's probabilities for a feature frame (no reasons): for evaluating a champion."""
    return bundle.pipeline.predict_proba(frame[bundle.features.columns])[:, 1]
