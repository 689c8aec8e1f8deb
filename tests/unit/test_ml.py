import numpy as np
import pandas as pd
import pytest

from ml import registry
from ml.features import CATEGORICAL, LABEL, NUMERIC, feature_frame, labels, training_frame
from ml.retraining import retrain
from ml.scoring import score
from ml.training import NotEnoughData, train


def _synthetic(n=1500, seed=0):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"contact_id": [f"c{i}" for i in range(n)]})
    for column in NUMERIC:
        frame[column] = rng.poisson(1.0, n).astype(float)
    frame["n_demo_requests"] = rng.poisson(0.3, n).astype(float)
    frame["industry"] = rng.choice(["software", "retail"], n)
    for column in CATEGORICAL[1:]:
        frame[column] = "unknown"
    logit = -3 + 2.0 * frame["n_demo_requests"] + 1.5 * (frame["industry"] == "software")
    frame[LABEL] = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return frame


def test_refuses_to_train_with_too_few_positives_and_says_so():
    frame = _synthetic()
    frame[LABEL] = 0
    frame.loc[:4, LABEL] = 1
    with pytest.raises(NotEnoughData, match="5 opportunities; need at least 20"):
        train(frame)


def test_model_learns_the_signal_and_beats_chance():
    models, holdout = train(_synthetic())
    assert {m.name for m in models} == {"hist_gradient_boosting", "logistic_regression"}
    assert models[0].metrics["roc_auc"] >= models[1].metrics["roc_auc"]
    assert models[0].metrics["roc_auc"] > 0.75
    assert models[0].metrics["lift_top_decile"] > 2
    assert len(holdout) == 375


def test_challenger_is_promoted_only_when_it_beats_the_champion_on_the_same_holdout(tmp_path):
    first = retrain(_synthetic(seed=1), tmp_path)
    assert first.promoted and first.champion_metrics is None
    noise = _synthetic(seed=2)
    noise[LABEL] = np.random.default_rng(5).permutation(noise[LABEL].to_numpy())
    second = retrain(noise, tmp_path)
    assert second.champion_metrics is not None
    assert second.promoted == (second.metadata["metrics"]["roc_auc"] >= second.champion_metrics["roc_auc"])
    assert registry.champion(tmp_path)["version"] == (
        second.metadata["version"] if second.promoted else first.metadata["version"]
    )
    assert (tmp_path / "lead_propensity" / second.metadata["version"] / "metadata.json").exists()


def test_scores_come_with_percentiles_and_reasons_in_words(tmp_path):
    frame = _synthetic()
    retrain(frame, tmp_path)
    pipeline, features, _ = registry.load_champion(tmp_path)
    scored = score(pipeline, features, frame)
    assert len(scored) == len(frame) and scored["probability"].between(0, 1).all()
    assert scored["percentile"].between(0, 100).all()
    top = scored.sort_values("probability").iloc[-1]
    assert "requested a demo" in top["top_factors"] or "works in software" in top["top_factors"]


def test_contacts_missing_from_the_crm_are_negatives_and_gaps_are_filled():
    contacts = pd.DataFrame({"contact_id": ["a", "b"], "industry": ["pharma", None]})
    traits = pd.DataFrame({"contact_id": ["a"], "n_events": [3]})
    outcomes = pd.DataFrame({"contact_id": ["a", "a"], "has_opportunity": [False, True]})
    frame = training_frame(feature_frame(traits, contacts), labels(outcomes))
    assert frame.set_index("contact_id")[LABEL].to_dict() == {"a": 1, "b": 0}
    assert frame.set_index("contact_id").loc["b", "industry"] == "unknown"
    assert frame.set_index("contact_id").loc["b", "n_events"] == 0.0
