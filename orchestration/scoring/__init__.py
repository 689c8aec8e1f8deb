"""Scoring in Dagster: the propensity model, predicted lead scores and what triggers retraining.

Rule-based lead scores are dbt models (dbt_project/models/marts/scoring) and come in with the dbt assets."""

from orchestration.scoring.predicted_scores import predicted_lead_scores
from orchestration.scoring.propensity_model import lead_propensity_model
from orchestration.scoring.retraining_triggers import retrain_on_new_crm_outcomes

scoring_assets = [lead_propensity_model, predicted_lead_scores]
scoring_sensors = [retrain_on_new_crm_outcomes]
