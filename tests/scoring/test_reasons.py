"""Reasons in a salesperson's words, from the champion's partial-dependence tables."""

from __future__ import annotations

import re

import duckdb
import numpy as np

from ml import registry
from ml.explanations import attributions
from ml.features import BY_NAME
from ml.scoring import score
from ml.snapshots import data_end, snapshot


def _scored(warehouse, models_dir):
    bundle = registry.load_champion(models_dir)
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        frame = snapshot(conn, data_end(conn), bundle.features)
    return bundle, frame, score(bundle, frame)


def test_every_scored_contact_gets_a_probability_percentile_and_reasons_in_words(warehouse, trained):
    _, frame, scored = _scored(warehouse, trained[0])
    assert len(scored) == len(frame) and scored["probability"].between(0, 1).all()
    assert scored["percentile"].between(0, 100).all() and scored["percentile"].max() == 100
    top = scored.nlargest(50, "probability")
    assert (top["top_factors"] != "").all()
    reasons = [r for text in top["top_factors"] for r in text.split("; ")]
    assert all(len(text.split("; ")) <= 3 for text in scored["top_factors"])
    assert any(r.startswith("requested a demo") or r.startswith("viewed pricing") for r in reasons), reasons[
        :10
    ]


def test_no_reason_ever_reports_zero_of_something(warehouse, trained):
    _, _, scored = _scored(warehouse, trained[0])
    zero = re.compile(r"(^|[^0-9.])0 (times|interactions|webinars?|forms?|minutes|days? ago|web pages?)")
    said = [r for text in scored["top_factors"] for r in text.split("; ") if r]
    assert said and not [r for r in said if zero.search(r)]
    assert "unknown" not in " ".join(said)


def test_attributions_rise_with_the_behaviour_that_drives_conversions(warehouse, trained):
    bundle, frame, _ = _scored(warehouse, trained[0])
    # a demo request shows in several features (the count, 30-day hand raises, days since the last): the
    # model may lean on any of them, so the concept's attribution is their sum
    demo = [j for j, c in enumerate(bundle.features.columns) if BY_NAME[c].concept == "demo"]
    contributions = attributions(bundle.explainer, frame, bundle.features)[:, demo].sum(axis=1)
    by_count = frame.assign(effect=contributions).groupby("n_demo_requests")["effect"].mean()
    assert by_count.index.min() == 0 and by_count.iloc[-1] > by_count.iloc[0]
    assert np.isfinite(contributions).all()
