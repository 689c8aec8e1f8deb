"""Scores contacts with the champion model and says, in a salesperson's words, what drives each score."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ml.features import FeatureSet

PHRASES = {
    "n_demo_requests": "requested a demo {v:.0f} time(s)",
    "n_form_submits": "submitted {v:.0f} form(s)",
    "n_whitepaper_downloads": "downloaded {v:.0f} whitepaper(s)",
    "n_webinar_registrations": "registered for {v:.0f} webinar(s)",
    "n_webinars_attended": "attended {v:.0f} webinar(s)",
    "webinar_minutes": "watched webinars for {v:.0f} minutes",
    "n_wechat_events": "engaged {v:.0f} time(s) on WeChat",
    "channels_touched": "active on {v:.0f} channels",
    "days_since_last_touch": "last active {v:.0f} day(s) ago",
    "active_days_span": "engaged over {v:.0f} days",
    "n_events": "{v:.0f} interactions in total",
    "industry": "works in {v}",
    "company_size": "company of {v} employees",
    "title_seniority": "seniority: {v}",
    "city": "based in {v}",
}


def _baseline(frame: pd.DataFrame, features: FeatureSet) -> dict:
    values = {c: float(frame[c].median()) for c in features.numeric}
    values |= {c: "unknown" for c in features.categorical}
    return values


def score(pipeline, features: FeatureSet, frame: pd.DataFrame, top_n: int = 3) -> pd.DataFrame:
    """Gives contact_id, probability, percentile and top_factors (the features that raise the score most).

    A factor's weight is how much the probability drops when that one feature is set to a typical value, so it
    reads as "this is why this lead scores high" and needs nothing but the model itself.
    """
    X = frame[features.columns]
    probability = pipeline.predict_proba(X)[:, 1]
    baseline = _baseline(frame, features)
    effects = np.zeros((len(frame), len(features.columns)))
    for j, column in enumerate(features.columns):
        altered = X.copy()
        altered[column] = baseline[column]
        effects[:, j] = probability - pipeline.predict_proba(altered)[:, 1]
    order = np.argsort(-effects, axis=1)[:, :top_n]
    factors = []
    for i in range(len(frame)):
        words = [
            PHRASES.get(features.columns[j], features.columns[j] + ": {v}").format(v=X.iat[i, j])
            for j in order[i]
            if effects[i, j] > 0.005
        ]
        factors.append("; ".join(words))
    result = pd.DataFrame({"contact_id": frame["contact_id"].to_numpy(), "probability": probability.round(6)})
    result["percentile"] = (result["probability"].rank(pct=True, method="max") * 100).round(1)
    result["top_factors"] = factors
    return result
