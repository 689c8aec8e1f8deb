"""The registry: champion/challenger on the same holdout, versions kept, files checked before loading."""

from __future__ import annotations

import json
import shutil

import duckdb
import pytest

from ml import registry
from ml.retraining import retrain
from tests.scoring.synthetic_warehouse import Synthetic, build


def test_challenger_is_promoted_only_when_it_beats_the_champion_on_the_same_holdout(tmp_path, trained):
    models_dir, first = trained
    models = tmp_path / "models"
    shutil.copytree(models_dir, models)
    noise = build(tmp_path / "noise" / "warehouse.duckdb", Synthetic(contacts=3000, seed=0, signal=False))
    with duckdb.connect(str(noise), read_only=True) as conn:
        second = retrain(conn, models)
    # same contacts and behaviour, random outcomes: the champion is judged on the challenger's holdout
    assert second.champion_version == first.metadata["version"]
    assert second.champion_metrics is not None
    assert second.promoted == (second.metadata["metrics"]["roc_auc"] > second.champion_metrics["roc_auc"])
    assert registry.champion_version(models) == (
        second.metadata["version"] if second.promoted else first.metadata["version"]
    )
    recorded = registry.metadata(models, second.metadata["version"])
    assert recorded["champion_on_same_holdout"]["version"] == first.metadata["version"]
    assert [v["version"] for v in registry.versions(models)] == [
        first.metadata["version"],
        second.metadata["version"],
    ]


def test_a_version_records_its_window_data_hash_metrics_and_features(trained):
    models_dir, report = trained
    meta = registry.metadata(models_dir, report.metadata["version"])
    assert {"train_cutoffs", "holdout_cutoff", "horizon_days"} <= meta["training_window"].keys()
    assert len(meta["data_hash"]) == 16 and len(meta["model_sha256"]) == 64
    assert {"roc_auc", "pr_auc", "brier", "ece", "lift_top_decile"} <= meta["metrics"].keys()
    assert len(meta["features"]["numeric"]) + len(meta["features"]["categorical"]) >= 40
    assert meta["n_train_positives"] >= 50 and meta["labelled_outcomes"] > 0
    sample = meta["fit_sample"]  # the synthetic data has > 10 negatives per positive: they were sampled
    assert sample["negatives_per_positive"] == 10 and sample["negative_weight"] > 1
    assert sample["fit_rows"] < meta["n_train"]


def test_registry_refuses_a_model_file_that_is_not_the_registered_one(tmp_path, trained):
    models_dir, report = trained
    models = tmp_path / "models"
    shutil.copytree(models_dir, models)
    model_file = registry.root(models) / report.metadata["version"] / "model.joblib"
    model_file.write_bytes(model_file.read_bytes() + b"tampered")
    with pytest.raises(ValueError, match="does not match metadata.json"):
        registry.load_champion(models)


def test_no_champion_before_the_first_training_says_so(tmp_path):
    with pytest.raises(FileNotFoundError, match="train one first"):
        registry.load_champion(tmp_path)
    assert json.dumps(registry.versions(tmp_path)) == "[]"
