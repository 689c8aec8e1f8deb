"""The model's report card as pictures: ROC curve, cumulative lift and calibration, from a version's curves."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # no display: figures are rendered to PNG bytes

import matplotlib.pyplot as plt  # noqa: E402


def report_png(curves: dict, title: str) -> bytes:
    """Gives one PNG with three panels: ROC (with the diagonal), cumulative lift by decile, and calibration
    (mean predicted vs observed rate per equal-count bin, with the perfect-calibration line)."""
    figure, (roc, lift, calibration) = plt.subplots(1, 3, figsize=(13, 4), dpi=90)
    roc.plot(curves["roc_fpr"], curves["roc_tpr"], color="#1f77b4")
    roc.plot([0, 1], [0, 1], linestyle="--", color="grey", linewidth=0.8)
    roc.set(title="ROC", xlabel="false positive rate", ylabel="true positive rate", xlim=(0, 1), ylim=(0, 1))
    deciles = list(range(1, len(curves["cumulative_lift"]) + 1))
    lift.bar(deciles, curves["cumulative_lift"], color="#2ca02c")
    lift.axhline(1.0, linestyle="--", color="grey", linewidth=0.8)
    lift.set(
        title="Cumulative lift",
        xlabel="top deciles by probability",
        ylabel="lift over base rate",
        xticks=deciles,
    )
    top = max(max(curves["calibration_predicted"]), max(curves["calibration_observed"]), 1e-3) * 1.05
    calibration.plot([0, top], [0, top], linestyle="--", color="grey", linewidth=0.8)
    calibration.plot(
        curves["calibration_predicted"], curves["calibration_observed"], marker="o", color="#d62728"
    )
    calibration.set(
        title="Calibration",
        xlabel="mean predicted probability",
        ylabel="observed rate",
        xlim=(0, top),
        ylim=(0, top),
    )
    figure.suptitle(title)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    return buffer.getvalue()
