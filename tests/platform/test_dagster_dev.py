"""The Dagster UI and instance as an operator runs them (`dagster dev`: webserver, daemon, run queue, pools).

One `dagster dev` on loopback serves both tests: an operator materializes an asset from the UI in headless
Chromium, and several runs launched at once share the DuckDB warehouse without a single lock conflict.
"""

from __future__ import annotations

import os
import re
import time
from itertools import combinations
from pathlib import Path
from typing import NamedTuple

import dagster as dg
import pytest
from dagster_graphql import DagsterGraphQLClient

from connectors.demo.generator import DemoConfig, generate
from orchestration.definitions import defs
from orchestration.flow import FLOW_GROUPS
from orchestration.resources import GATE_RELEASING, GATE_TAKEN, LOCK_WAIT_MESSAGE, WAREHOUSE_POOL
from tests.platform.browser import click_button, dismiss_dialog, headless_chromium, wait_for
from tests.platform.dagster_dev import dagster_dev

FINISHED = {dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED}
LOCK_ERROR = re.compile(rf"could not set lock|conflicting lock|{LOCK_WAIT_MESSAGE}", re.IGNORECASE)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("dagster_dev")
    home = workdir / "yuchi"
    generate(DemoConfig(people=300, seed=5), home)
    with dagster_dev(workdir, home) as running:
        yield running


@pytest.fixture(scope="module")
def instance(server):
    with dg.DagsterInstance.from_config(str(server.dagster_home)) as opened:
        yield opened


def wait_for_runs(
    instance: dg.DagsterInstance, run_ids: list[str], timeout: float = 600
) -> list[dg.RunRecord]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        records = instance.get_run_records(dg.RunsFilter(run_ids=run_ids))
        if len(records) == len(run_ids) and all(r.dagster_run.status in FINISHED for r in records):
            return records
        time.sleep(1)
    raise TimeoutError(f"runs {run_ids} did not finish in {timeout:.0f}s")


def screenshot(driver, name: str, folder: Path) -> Path:
    """Saves a screenshot in the test's folder, and into YUCHI_DOCS_SCREENSHOTS (docs/images) when set."""
    path = folder / name
    driver.save_screenshot(str(path))
    if os.environ.get("YUCHI_DOCS_SCREENSHOTS"):
        driver.save_screenshot(str(Path(os.environ["YUCHI_DOCS_SCREENSHOTS"]) / name))
    return path


def test_operator_sees_the_flow_and_materializes_an_asset_from_the_ui(server, instance, tmp_path):
    groups = sorted({spec.group_name for spec in defs.resolve_all_asset_specs()}, key=FLOW_GROUPS.index)
    with headless_chromium() as browser:
        browser.get(f"{server.url}/asset-groups")
        wait_for(browser, lambda text: "Global asset lineage" in text, "the asset graph page")
        dismiss_dialog(browser, "Join the Dagster community", "Skip")  # shown once to a fresh browser
        text = wait_for(browser, lambda text: all(g in text for g in groups), f"groups {groups} in the graph")
        assert "Materialize all" in text

        browser.get(f"{server.url}/assets/raw/crm_outcomes")
        wait_for(browser, lambda text: "Never materialized" in text, "the unmaterialized asset page")
        launched_after = time.time()
        assert click_button(browser, "Materialize"), "no Materialize button on the asset page"

        deadline = time.monotonic() + 60
        runs: list[dg.DagsterRun] = []
        while not runs and time.monotonic() < deadline:
            runs = [
                r
                for r in instance.get_runs()
                if dg.AssetKey(["raw", "crm_outcomes"]) in (r.asset_selection or ())
                and "dagster/sensor_name" not in r.tags  # the landing sensor may launch runs too
            ]
            time.sleep(0.5)
        assert len(runs) == 1, "clicking Materialize launched no run"
        (record,) = wait_for_runs(instance, [runs[0].run_id])
        assert record.dagster_run.status == dg.DagsterRunStatus.SUCCESS
        assert record.create_timestamp.timestamp() >= launched_after - 1

        browser.get(f"{server.url}/assets/raw/crm_outcomes")
        text = wait_for(
            browser, lambda text: "Never materialized" not in text and "rows_loaded" in text, "metadata"
        )
        assert "files_loaded" in text and "rows_quarantined" in text, text
        checks = [
            e.dagster_event.event_specific_data
            for e in instance.all_logs(record.dagster_run.run_id)
            if e.dagster_event and e.dagster_event.event_type_value == "ASSET_CHECK_EVALUATION"
        ]
        assert {c.check_name for c in checks} == {
            "great_expectations_suite",
            "row_accounting",
            "erased_people_stay_erased",
        }
        assert all(c.passed for c in checks)
        screenshot(browser, "dagster-asset-page.png", tmp_path)
        browser.get(f"{server.url}/runs/{record.dagster_run.run_id}")
        wait_for(browser, lambda text: "Success" in text, "the run page")
        screenshot(browser, "dagster-run.png", tmp_path)
        browser.get(f"{server.url}/asset-groups")
        wait_for(browser, lambda text: all(g in text for g in groups), "the asset graph again")
        time.sleep(2)  # let the graph finish its layout animation before the picture
        assert screenshot(browser, "dagster-asset-graph.png", tmp_path).stat().st_size > 10_000


class GateHold(NamedTuple):
    taken: float
    releasing: float
    mode: str  # "shared" or "exclusive"
    run_id: str
    step: str


def _gate_holds(instance: dg.DagsterInstance, run_id: str) -> list[GateHold]:
    """Every hold of the warehouse gate by a step of the run.

    Both lines are logged inside the hold, so a hold that follows another one is logged after it."""
    taken, holds = {}, []
    for entry in instance.all_logs(run_id):
        message = entry.user_message or ""
        for mark, is_start in ((GATE_TAKEN, True), (GATE_RELEASING, False)):
            if message.startswith(mark):
                mode = message[len(mark) :].strip(" ()")
                if is_start:
                    taken.setdefault(entry.step_key, []).append(entry.timestamp)
                else:
                    start = taken[entry.step_key].pop()
                    holds.append(GateHold(start, entry.timestamp, mode, run_id, entry.step_key))
    assert not any(taken.values()), f"holds taken and never released in run {run_id}: {taken}"
    return holds


PARALLEL_RUN_TABLES = ("web_forms_submissions", "webinars_registrations", "webinars_attendance")
"""Two channel loads (webinars loads two tables in one step) and their nine blocking checks: eleven warehouse
steps per run, enough to interleave three runs, few enough to keep the test short as channels are added."""


def test_runs_launched_together_share_the_warehouse_without_lock_errors(server, instance):
    """Three runs of channel loads and their raw checks, queued at once: the queue starts them together, the pool
    schedules their warehouse steps, the gate keeps them off the file together, and no step meets DuckDB's lock."""
    wait_for_runs(instance, [r.run_id for r in instance.get_runs()])  # the landing sensor's first loads
    ingest = [dg.AssetKey(["raw", table]) for table in PARALLEL_RUN_TABLES]
    client = DagsterGraphQLClient("127.0.0.1", port_number=server.port)
    run_ids = [client.submit_job_execution("__ASSET_JOB", asset_selection=ingest) for _ in range(3)]
    records = wait_for_runs(instance, run_ids)

    failed = [r.dagster_run.run_id for r in records if r.dagster_run.status != dg.DagsterRunStatus.SUCCESS]
    assert not failed, f"runs failed: {failed}"
    spans = [(r.start_time, r.end_time) for r in records]
    overlapping = [(a, b) for a in spans for b in spans if a < b and a[0] < b[1] and b[0] < a[1]]
    # on a loaded machine one run may finish before the last one's worker starts; two at once still exercise the pool
    assert overlapping, f"the queue should have run at least two runs at the same time: {spans}"

    lock_messages = [
        entry.message
        for run_id in run_ids
        for entry in instance.all_logs(run_id)
        if entry.message and LOCK_ERROR.search(entry.message)
    ]
    assert lock_messages == []

    # The pool schedules the warehouse steps, but Dagster's slot claim is not atomic on SQLite storage (two
    # runs claiming at once can both get the one slot; orchestration/resources.py), so exclusion is the gate's
    # job: no exclusive hold of one run overlaps any hold of another.
    pool_steps = {
        d.node_def.name for d in [*defs.assets, *defs.asset_checks] if d.node_def.pool == WAREHOUSE_POOL
    }
    holds = [h for run_id in run_ids for h in _gate_holds(instance, run_id)]
    steps_per_run = 2 + 3 * len(ingest)  # the two channel loads, three checks per table
    held_by = {(h.run_id, h.step) for h in holds}
    assert len(held_by) == 3 * steps_per_run, f"each warehouse step should hold the gate: {sorted(held_by)}"
    assert {step for _, step in held_by} <= pool_steps
    assert {h.mode for h in holds} == {"shared", "exclusive"}
    conflicts = [
        (a, b)
        for a, b in combinations(holds, 2)
        if a.run_id != b.run_id
        and "exclusive" in (a.mode, b.mode)
        and a.taken < b.releasing
        and b.taken < a.releasing
    ]
    assert conflicts == [], "an exclusive hold of the warehouse gate overlapped another run's hold"
