"""The whole pipeline, materialized in-process on generated data, checked against the generator's ground truth."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from datetime import UTC, datetime
from itertools import combinations
from pathlib import Path

import dagster as dg
import duckdb
import pytest
import sqlalchemy as sa

from connectors.demo.generator import DemoConfig, generate
from connectors.sources import loader
from orchestration.definitions import defs

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parents[2]


def _materialize_everything():
    job = defs.resolve_implicit_global_asset_job_def()
    result = job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)
    failed_steps = [e.step_key for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert result.success, f"steps failed: {failed_steps}"
    checks = result.get_asset_check_evaluations()
    return result, checks


def _pairs(groups: dict[str, set]) -> set[tuple]:
    return {tuple(sorted(p)) for members in groups.values() for p in combinations(sorted(members), 2)}


def _identifier_quality(conn, truth_dir: Path) -> tuple[float, float]:
    """Pairwise precision and recall of identifier-to-person assignment, over identifiers both sides know."""
    with (truth_dir / "identifiers.csv").open() as handle:
        truth = {(r["id_type"], r["id_value"]): r["person_id"] for r in csv.DictReader(handle)}
    resolved = dict(
        ((t, v), c)
        for t, v, c in conn.execute(
            "select id_type, id_value, contact_id from marts.contact_identifiers"
        ).fetchall()
    )
    common = truth.keys() & resolved.keys()
    by_contact: dict[str, set] = {}
    by_person: dict[str, set] = {}
    for key in common:
        by_contact.setdefault(resolved[key], set()).add(key)
        by_person.setdefault(truth[key], set()).add(key)
    predicted, actual = _pairs(by_contact), _pairs(by_person)
    true_positive = len(predicted & actual)
    return true_positive / max(len(predicted), 1), true_positive / max(len(actual), 1)


class LoadedWhenTheDataEnds(datetime):
    """The loader's clock at the end of the generated period. Rows without a time of their own (purchased list
    rows have no collection date) are dated when loaded, and lead scores are computed as of the newest data:
    with the real clock the scores would decay by the days between the generator's end and today, and the
    number of MQLs would shrink as the calendar moves on."""

    @classmethod
    def now(cls, tz=None):
        return DemoConfig().end.astimezone(tz or UTC)


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory):
    home = tmp_path_factory.mktemp("clean") / "yuchi"
    summary = generate(DemoConfig(people=800, seed=11, junk_rate=0.0), home)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(loader, "datetime", LoadedWhenTheDataEnds)
        patch.setenv("YUCHI_HOME", str(home))
        patch.delenv("YUCHI_WAREHOUSE", raising=False)
        patch.delenv("YUCHI_CRM_URL", raising=False)
        result, checks = _materialize_everything()
        rerun, _ = _materialize_everything()
    return home, summary, result, checks, rerun


def test_every_asset_materializes_and_every_check_passes(clean_run):
    _, _, result, checks, _ = clean_run
    keys = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert {
        "raw/web_forms_submissions",
        "marts/dim_contacts",
        "marts/lead_scores",
        "marts/predicted_lead_scores",
        "activation/sync_mqls_to_light_crm",
        "ml/lead_propensity_model",
    } <= keys
    names = {(c.asset_key.to_user_string(), c.check_name) for c in checks}
    assert ("raw/wechat_events", "great_expectations_suite") in names
    assert ("raw/crm_outcomes", "row_accounting") in names
    assert any(k.startswith("marts/") for k, _ in names), "dbt tests should surface as asset checks"
    assert [c for c in checks if not c.passed] == []


def test_rows_landed_equal_raw_plus_quarantine_and_quarantine_holds_exactly_the_broken_rows(clean_run):
    home, summary, *_ = clean_run
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as conn:
        for table, landed in summary["records"].items():
            raw = conn.execute(f"select count(*) from raw.{table}").fetchone()[0]
            bad = conn.execute(f"select count(*) from quarantine.{table}").fetchone()[0]
            assert raw + bad == landed, table
            assert bad == summary["broken_records"].get(table, 0), table


def test_resolved_contacts_match_the_true_people_without_junk(clean_run):
    home, summary, *_ = clean_run
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as conn:
        contacts = conn.execute("select count(*) from marts.dim_contacts").fetchone()[0]
        precision, recall = _identifier_quality(conn, home / "ground_truth")
    people, linkable = summary["people_in_data"], summary["linkable_contacts"]
    # Deterministic stitching can only join what some record ties together: it never merges two people and
    # finds the linkable groups, except where a guardrail (a shared or over-limit identifier, a never-merge
    # rule) deliberately keeps records apart; the data must keep that close to the number of people.
    assert linkable <= contacts <= linkable * 1.03, (contacts, linkable)
    assert people <= linkable <= people * 1.2, (linkable, people)
    assert precision == 1.0, precision
    assert recall >= 0.8, recall


def test_every_mql_with_marketing_consent_is_in_the_light_crm_exactly_once(clean_run):
    home, *_, rerun = clean_run
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as conn:
        mqls = {
            r[0]
            for r in conn.execute(
                "select contact_id from marts.lead_scores where is_mql and lifecycle_stage = 'mql'"
            ).fetchall()
        }
        runs = conn.execute(
            "select planned, created, updated, unchanged, suppressed from activation.sync_runs "
            "where sync_key = 'mqls:light_crm' order by finished_at"
        ).fetchall()
        withdrew_marketing = {
            r[0]
            for r in conn.execute(
                "select distinct i.contact_id from marts.contact_identifiers i join raw.consent_changes c "
                "on i.identifier_key in ('email:' || c.email_normalized, 'phone:' || c.phone_normalized) "
                "where c.purpose = 'marketing' and c.status = 'withdrawn'"
            ).fetchall()
        }
    engine = sa.create_engine(f"sqlite:///{home / 'crm.db'}")
    with engine.connect() as crm:
        ids = [r[0] for r in crm.execute(sa.text("select contact_id from leads")).all()]
    engine.dispose()
    held_back = mqls - set(ids)
    assert len(mqls) >= 5
    assert set(ids) <= mqls and len(ids) == len(set(ids))
    assert held_back <= withdrew_marketing, "only people who withdrew marketing consent are held back"
    assert runs[0][1] == len(ids) and runs[0][4] == len(held_back)
    assert runs[-1][1] == 0, "the second run must not create any lead again"


def test_predicted_scores_cover_every_contact_and_say_why_a_contact_has_none(clean_run):
    home, _, result, *_ = clean_run
    model = result.asset_materializations_for_node("ml__lead_propensity_model")[0].metadata
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as conn:
        contacts = conn.execute("select count(*) from marts.dim_contacts").fetchone()[0]
        rows, statuses, versions, unscored_with_probability = conn.execute(
            "select count(*), count(distinct score_status), count(distinct model_version), "
            "count(*) filter (where score_status <> 'scored' and probability is not null) "
            "from marts.predicted_lead_scores"
        ).fetchone()
        mean_mql, mean_other = conn.execute(
            "select avg(p.probability) filter (where s.is_mql), avg(p.probability) filter (where not s.is_mql) "
            "from marts.predicted_lead_scores p join marts.lead_scores s using (contact_id)"
        ).fetchone()
    assert rows == contacts and unscored_with_probability == 0
    if model["status"].value == "refused":
        # a few hundred people give too few opportunities to learn from: refused, and said why
        assert "opportunities in the" in model["reason"].value and versions == 0
    else:
        champion = json.loads((home / "models" / "lead_propensity" / "champion.json").read_text())
        assert versions == 1 and champion["metrics"]["roc_auc"] > 0.7
        assert mean_mql > 2 * mean_other


def test_junk_identifiers_do_not_merge_different_people(tmp_path, monkeypatch):
    home = tmp_path / "yuchi"
    generate(DemoConfig(people=500, seed=12, junk_rate=0.15), home)
    monkeypatch.setenv("YUCHI_HOME", str(home))
    _materialize_everything()
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as conn:
        precision, _ = _identifier_quality(conn, home / "ground_truth")
        blocked = conn.execute(
            "select count(*) from marts.contact_identifiers where id_value in "
            "('+8613800138000', 'test@test.com', '123@qq.com')"
        ).fetchone()[0]
    assert blocked == 0
    assert precision >= 0.999, precision


def test_definitions_validate_from_the_workspace():
    completed = subprocess.run(
        [str(Path(sys.executable).parent / "dagster"), "definitions", "validate", "-w", "workspace.yaml"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
