"""Retrain when enough new CRM outcomes arrived since the champion learned (besides the weekly cron)."""

import os

import dagster as dg
import duckdb

from connectors.warehouse_gate import WarehouseBusyError
from ml import registry
from ml.retraining import labelled_outcomes
from orchestration.resources import WarehouseResource
from orchestration.scoring.predicted_scores import PREDICTED
from orchestration.scoring.propensity_model import MODEL

DEFAULT_MIN_NEW_OUTCOMES = 200


def new_outcomes_needed() -> int:
    """Gives YUCHI_RETRAIN_MIN_NEW_OUTCOMES (default 200): new CRM outcomes that warrant retraining."""
    return int(os.environ.get("YUCHI_RETRAIN_MIN_NEW_OUTCOMES", DEFAULT_MIN_NEW_OUTCOMES))


def retrain_decision(current: int, learned_from: int, last_requested: int, needed: int) -> bool:
    """Gives whether to retrain: `needed` outcomes more than both what the champion learned from and what the
    last request saw (so one burst of outcomes asks once, not on every tick while the run is going)."""
    return current - max(learned_from, last_requested) >= needed


@dg.sensor(
    target=[MODEL, PREDICTED],
    minimum_interval_seconds=3600,
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def retrain_on_new_crm_outcomes(context: dg.SensorEvaluationContext, warehouse: WarehouseResource):
    """Requests a retraining (and rescoring) once YUCHI_RETRAIN_MIN_NEW_OUTCOMES CRM leads got an outcome
    since the champion was trained; the cursor holds the outcome count of the last request."""
    paths = warehouse.paths()
    try:
        # wait=False: while a run's step holds the warehouse, skip and read at the next evaluation
        with warehouse.connect(read_only=True, wait=False) as conn:
            current = labelled_outcomes(conn)
    except WarehouseBusyError:
        return dg.SkipReason("a run is using the warehouse: checking CRM outcomes at the next evaluation")
    except (duckdb.Error, OSError) as exc:  # a process outside Yuchi holds it, or nothing is built yet
        return dg.SkipReason(f"warehouse not readable now: {exc}")
    version = registry.champion_version(paths.models)
    learned_from = registry.metadata(paths.models, version).get("labelled_outcomes", 0) if version else 0
    last_requested = int(context.cursor or 0)
    needed = new_outcomes_needed()
    if not retrain_decision(current, learned_from, last_requested, needed):
        return dg.SkipReason(
            f"{current} CRM outcomes, the champion learned from {learned_from}: waiting for {needed} new ones"
        )
    context.update_cursor(str(current))
    return dg.RunRequest(run_key=f"crm-outcomes-{current}", tags={"yuchi/trigger": "new_crm_outcomes"})
