"""How good a propensity model is on a holdout: ranking, calibration and what sales get from the top decile."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score, roc_curve

CALIBRATION_BINS = 10


def expected_calibration_error(
    y_true: np.ndarray, probability: np.ndarray, bins: int = CALIBRATION_BINS
) -> float:
    """Gives the expected calibration error over equal-width probability bins: the mean gap between predicted
    and observed rates, weighted by how many contacts fall in each bin."""
    index = np.minimum((probability * bins).astype(int), bins - 1)
    total = 0.0
    for b in np.unique(index):
        members = index == b
        total += abs(probability[members].mean() - y_true[members].mean()) * members.mean()
    return float(total)


def adaptive_calibration_error(
    y_true: np.ndarray, probability: np.ndarray, bins: int = CALIBRATION_BINS
) -> float:
    """Gives the calibration error over equal-count bins: with rare positives most contacts sit in the lowest
    equal-width bin, so this version looks at the scores sales actually see."""
    order = np.argsort(probability, kind="stable")
    total = 0.0
    for members in np.array_split(order, bins):
        if len(members):
            total += abs(probability[members].mean() - y_true[members].mean()) * len(members) / len(order)
    return float(total)


def lift_at(y_true: np.ndarray, probability: np.ndarray, share: float) -> float:
    """Gives the positive rate among the top `share` of contacts by probability over the overall rate."""
    base = float(np.mean(y_true))
    if base == 0:
        return float("nan")
    top = np.argsort(-probability, kind="stable")[: max(1, int(round(len(probability) * share)))]
    return float(np.mean(y_true[top]) / base)


def evaluate(y_true: np.ndarray, probability: np.ndarray) -> dict[str, float]:
    """Gives ROC-AUC, PR-AUC, Brier score, ECE (equal-width and equal-count bins), lift in the top decile and
    the positive rate of a labelled holdout."""
    y_true = np.asarray(y_true, dtype=float)
    probability = np.asarray(probability, dtype=float)
    return {
        "roc_auc": float(roc_auc_score(y_true, probability)),
        "pr_auc": float(average_precision_score(y_true, probability)),
        "brier": float(brier_score_loss(y_true, probability)),
        "ece": expected_calibration_error(y_true, probability),
        "adaptive_ece": adaptive_calibration_error(y_true, probability),
        "lift_top_decile": lift_at(y_true, probability, 0.1),
        "positive_rate": float(np.mean(y_true)),
        "mean_probability": float(np.mean(probability)),
    }


def curves(y_true: np.ndarray, probability: np.ndarray, points: int = 101) -> dict[str, list]:
    """Gives the plot data: the ROC curve (at most `points` points), cumulative lift and gains by decile,
    and the calibration curve (equal-count bins: mean predicted vs observed rate)."""
    y_true = np.asarray(y_true, dtype=float)
    probability = np.asarray(probability, dtype=float)
    fpr, tpr, _ = roc_curve(y_true, probability)
    keep = np.unique(np.linspace(0, len(fpr) - 1, min(points, len(fpr))).astype(int))
    order = np.argsort(-probability, kind="stable")
    deciles = np.array_split(order, 10)
    base = max(float(np.mean(y_true)), 1e-12)
    positives = max(float(np.sum(y_true)), 1e-12)
    cumulative = np.cumsum([y_true[d].sum() for d in deciles])
    counts = np.cumsum([len(d) for d in deciles])
    bins = np.array_split(np.argsort(probability, kind="stable"), CALIBRATION_BINS)
    return {
        "roc_fpr": fpr[keep].round(5).tolist(),
        "roc_tpr": tpr[keep].round(5).tolist(),
        "decile_rate": [float(y_true[d].mean()) if len(d) else 0.0 for d in deciles],
        "cumulative_lift": (cumulative / counts / base).round(4).tolist(),
        "cumulative_gain": (cumulative / positives).round(4).tolist(),
        "calibration_predicted": [float(probability[b].mean()) if len(b) else 0.0 for b in bins],
        "calibration_observed": [float(y_true[b].mean()) if len(b) else 0.0 for b in bins],
        "calibration_count": [len(b) for b in bins],
    }
