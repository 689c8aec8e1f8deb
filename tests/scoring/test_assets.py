"""The scoring assets in Dagster: a real materialization against a warehouse, and the retraining sensor."""

from __future__ import annotations

import dagster as dg
import duckdb
import pytest

from orchestration.resources import WarehouseResource
from orchestration.scoring import lead_propensity_model, predicted_lead_scores, retrain_on_new_crm_outcomes
from orchestration.scoring.retraining_triggers import retrain_decision
from tests.scoring.synthetic_warehouse import Synthetic, build


def _materialize(home):
    return dg.materialize(
        [lead_propensity_model, predicted_lead_scores],
        resources={"warehouse": WarehouseResource(home=str(home))},
        instance=dg.DagsterInstance.ephemeral(),
    )


def _scores(home) -> list[tuple]:
    """Every contact's predicted score: status, refusal, probability, model version."""
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as conn:
        return conn.execute(
            "select p.score_status, c.refused_automated_decisions, p.probability, p.model_version "
            "from marts.predicted_lead_scores p join marts.dim_contacts c using (contact_id)"
        ).fetchall()


def test_model_report_and_scores_with_no_score_for_who_refused_automated_decisions(
    consenting_home, monkeypatch
):
    monkeypatch.delenv("YUCHI_WAREHOUSE", raising=False)
    result = _materialize(consenting_home)
    assert result.success
    model = result.asset_materializations_for_node("ml__lead_propensity_model")[0].metadata
    assert model["status"].value == "promoted" and model["holdout_roc_auc"].value > 0.75
    assert (
        "data:image/png;base64," in model["report"].value and "baseline (logistic)" in model["report"].value
    )
    assert model["n_features"].value >= 40
    rows = _scores(consenting_home)
    with duckdb.connect(str(consenting_home / "warehouse.duckdb"), read_only=True) as conn:
        contacts = conn.execute("select count(*) from marts.dim_contacts").fetchone()[0]
    assert len(rows) == contacts
    refused = [r for r in rows if r[1]]
    assert refused and all(
        r[0] == "refused_automated_decisions" and r[2] is None and r[3] is None for r in refused
    )
    scored = [r for r in rows if r[0] == "scored"]
    assert len(scored) > 0.8 * contacts and all(r[2] is not None and r[3] for r in scored)
    first = result.asset_materializations_for_node("marts__predicted_lead_scores")[0].metadata
    assert first["features_rebuilt"].value == "no state" and first["features_computed"].value > 1000

    # the next run carries the behaviour features on: nothing changed, nothing is aggregated again
    again = dg.materialize(
        [predicted_lead_scores],
        resources={"warehouse": WarehouseResource(home=str(consenting_home))},
        instance=dg.DagsterInstance.ephemeral(),
    )
    metadata = again.asset_materializations_for_node("marts__predicted_lead_scores")[0].metadata
    assert metadata["features_rebuilt"].value is None and metadata["features_computed"].value == 0
    assert metadata["features_kept"].value == first["features_computed"].value
    assert sorted(_scores(consenting_home), key=repr) == sorted(rows, key=repr)


def test_too_little_data_is_refused_with_the_reason_and_leaves_scores_unmodelled(tmp_path, monkeypatch):
    monkeypatch.delenv("YUCHI_WAREHOUSE", raising=False)
    home = tmp_path / "yuchi"
    build(home / "warehouse.duckdb", Synthetic(contacts=200, seed=5))
    result = _materialize(home)
    model = result.asset_materializations_for_node("ml__lead_propensity_model")[0].metadata
    assert (
        model["status"].value == "refused" and "opportunities in the training window" in model["reason"].value
    )
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as conn:
        statuses = {
            r[0]
            for r in conn.execute("select distinct score_status from marts.predicted_lead_scores").fetchall()
        }
    assert statuses == {"no_model"}


@pytest.mark.parametrize(
    ("current", "learned_from", "last_requested", "needed", "retrain"),
    [
        (1000, 900, 0, 200, False),
        (1100, 900, 0, 200, True),
        (1100, 900, 1100, 200, False),
        (1300, 900, 1100, 200, True),
    ],
)
def test_retraining_waits_for_enough_outcomes_beyond_the_champion_and_the_last_request(
    current, learned_from, last_requested, needed, retrain
):
    assert retrain_decision(current, learned_from, last_requested, needed) is retrain


def test_sensor_requests_one_retraining_per_burst_of_new_outcomes(tmp_path, monkeypatch):
    monkeypatch.delenv("YUCHI_WAREHOUSE", raising=False)
    monkeypatch.setenv("YUCHI_RETRAIN_MIN_NEW_OUTCOMES", "100")
    home = tmp_path / "yuchi"
    build(home / "warehouse.duckdb", Synthetic(contacts=800, seed=2))
    resources = {"warehouse": WarehouseResource(home=str(home))}
    with dg.build_sensor_context(resources=resources, instance=dg.DagsterInstance.ephemeral()) as context:
        first = retrain_on_new_crm_outcomes(context)
        cursor = context.cursor
    assert isinstance(first, dg.RunRequest) and int(cursor) > 100
    with dg.build_sensor_context(
        resources=resources, cursor=cursor, instance=dg.DagsterInstance.ephemeral()
    ) as context:
        again = retrain_on_new_crm_outcomes(context)
    assert isinstance(again, dg.SkipReason) and "waiting for 100 new ones" in again.skip_message
