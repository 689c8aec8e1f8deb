"""Model features and labels, built from the marts: contact traits and golden-record attributes in, CRM outcome out."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

NUMERIC = (
    "n_events",
    "n_form_submits",
    "n_demo_requests",
    "n_whitepaper_downloads",
    "n_webinar_registrations",
    "n_webinars_attended",
    "webinar_minutes",
    "n_wechat_events",
    "channels_touched",
    "days_since_last_touch",
    "active_days_span",
)
CATEGORICAL = ("industry", "company_size", "title_seniority", "city")
LABEL = "has_opportunity"


@dataclass(frozen=True)
class FeatureSet:
    """The feature columns a model was trained with; scoring uses exactly these."""

    numeric: tuple[str, ...] = NUMERIC
    categorical: tuple[str, ...] = CATEGORICAL

    @property
    def columns(self) -> list[str]:
        return [*self.numeric, *self.categorical]


DEFAULT_FEATURES = FeatureSet()


def feature_frame(
    traits: pd.DataFrame, contacts: pd.DataFrame, features: FeatureSet = DEFAULT_FEATURES
) -> pd.DataFrame:
    """Gives one row per contact_id with the model's feature columns, numeric gaps as 0 and categories as 'unknown'."""
    frame = contacts[["contact_id", *[c for c in features.categorical if c in contacts]]].merge(
        traits[["contact_id", *[c for c in features.numeric if c in traits]]], on="contact_id", how="left"
    )
    for column in features.numeric:
        values = frame[column] if column in frame else pd.Series(0.0, index=frame.index)
        frame[column] = pd.to_numeric(values, errors="coerce").fillna(0.0).astype(float)
    for column in features.categorical:
        values = frame[column] if column in frame else pd.Series("unknown", index=frame.index)
        frame[column] = values.fillna("unknown").astype(str)
    return frame[["contact_id", *features.columns]]


def labels(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Gives one row per contact_id: 1 if any of its CRM leads reached an opportunity, else 0."""
    if outcomes.empty:
        return pd.DataFrame({"contact_id": [], LABEL: []})
    grouped = outcomes.groupby("contact_id")["has_opportunity"].max().astype(int)
    return grouped.rename(LABEL).reset_index()


def training_frame(features: pd.DataFrame, outcome_labels: pd.DataFrame) -> pd.DataFrame:
    """Gives features with labels; contacts never in the CRM are negatives (they never became an opportunity)."""
    frame = features.merge(outcome_labels, on="contact_id", how="left")
    frame[LABEL] = frame[LABEL].fillna(0).astype(int)
    return frame
