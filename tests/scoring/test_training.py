"""Training: out-of-time split, the minimum-data refusal, and a model that ranks and is calibrated."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pytest

from ml.evaluation import adaptive_calibration_error, evaluate, expected_calibration_error, lift_at
from ml.pipelines import sample_negatives
from ml.training import DataRequirements, NotEnoughData, plan_split, train


def test_split_trains_only_on_label_windows_that_end_by_the_holdout_cutoff():
    split = plan_split(datetime(2026, 10, 31, 15, 58), horizon_days=30, train_snapshots=3, step_days=14)
    assert split.holdout_cutoff == datetime(2026, 10, 1)
    assert split.holdout_label_end == datetime(2026, 10, 31)
    assert split.train_cutoffs == (datetime(2026, 8, 4), datetime(2026, 8, 18), datetime(2026, 9, 1))
    assert max(split.train_cutoffs) + timedelta(days=30) <= split.holdout_cutoff


def test_refuses_to_train_with_too_few_positives_and_says_how_many(trained):
    _, report = trained
    holdout = report.holdout
    few = holdout.copy()
    few["converted"] = 0.0
    few.loc[few.index[:7], "converted"] = 1.0
    with pytest.raises(NotEnoughData, match=r"7 opportunities in the training window \(need 50\)"):
        train(few, holdout, requirements=DataRequirements())


def test_model_ranks_better_than_the_baseline_and_chance_and_is_calibrated(trained):
    _, report = trained
    metrics = report.metadata["metrics"]
    assert report.metadata["algorithm"] in {"hist_gradient_boosting", "logistic_regression"}
    assert metrics["roc_auc"] >= report.baseline.metrics["roc_auc"]
    assert metrics["roc_auc"] > 0.75 and metrics["lift_top_decile"] > 3
    assert metrics["ece"] < 0.03
    window = report.metadata["training_window"]
    assert window["train_labels_until"] <= window["holdout_cutoff"]


def test_calibration_error_and_lift_measure_what_they_say():
    y = np.array([0, 0, 0, 1] * 250, dtype=float)
    perfect = np.full(1000, 0.25)
    assert expected_calibration_error(y, perfect) == pytest.approx(0.0)
    assert adaptive_calibration_error(y, np.full(1000, 0.35)) == pytest.approx(0.10)
    ranked = np.where(y == 1, 0.9, 0.1)
    assert lift_at(y, ranked, 0.25) == pytest.approx(4.0)
    assert evaluate(y, ranked)["roc_auc"] == pytest.approx(1.0)


def test_negative_sample_keeps_every_positive_and_weights_negatives_back_to_their_count():
    y = np.array([1] * 30 + [0] * 970)
    sample = sample_negatives(y, negatives_per_positive=10, seed=4)
    kept = y[sample.rows]
    assert kept.sum() == 30 and (kept == 0).sum() == 300
    assert np.all(np.diff(sample.rows) > 0)  # original order, no row twice
    assert sample.weights[kept == 1] == pytest.approx(np.ones(30))
    assert sample.weights[kept == 0].sum() == pytest.approx(970)  # the weighted rows keep the 3% rate
    assert sample.describe() == {"fit_rows": 330, "negative_weight": pytest.approx(970 / 300, abs=1e-4)}


def test_negative_sample_keeps_every_row_unweighted_when_negatives_are_few_or_sampling_is_off():
    y = np.array([1] * 30 + [0] * 200)
    for ratio in (10, None):
        sample = sample_negatives(y, negatives_per_positive=ratio)
        assert np.array_equal(sample.rows, np.arange(230)) and sample.weights is None
