"""The Dagster side: segments from meta, membership history, dry-run plans, blocking checks, erasure requests."""

from __future__ import annotations

import dagster as dg
import pytest
import sqlalchemy as sa

from connectors.destinations import erasure
from connectors.destinations.sync.model import Mode
from connectors.destinations.sync.runner import confirm
from orchestration.activation import build_activation_defs
from orchestration.activation.destinations import HubSpotResource, LightCrmResource
from orchestration.activation.segments import DestinationSpec, SegmentMetaError, SegmentSpec, segment_specs
from orchestration.resources import WarehouseResource
from orchestration.transform.project import project_manifest
from tests.activation import warehouse
from tests.fakes.hubspot import FakeHubSpot

SEGMENT = dg.AssetKey(["segments", "segment_test"])


def spec(*destinations: DestinationSpec, name: str = "test") -> SegmentSpec:
    return SegmentSpec(
        model="segment_test", name=name, kind="segment", description="Test segment.", schema="segments",
        path="models/segments/segment_test.yml", destinations=destinations,
    )  # fmt: skip


@pytest.fixture
def home(tmp_path):
    warehouse.build(tmp_path / "warehouse.duckdb", people=100).close()
    return tmp_path


def run(home, specs, select, destinations=None, extra_assets=(), extra_checks=(), run_config=None):
    resources = {"warehouse": WarehouseResource(home=str(home))}
    destinations = destinations or {"light_crm": LightCrmResource(url=f"sqlite:///{home / 'crm.db'}")}
    activation = build_activation_defs(specs, destinations)
    defs = dg.Definitions.merge(
        activation,
        dg.Definitions(assets=list(extra_assets), asset_checks=list(extra_checks), resources=resources),
    )
    job = defs.resolve_implicit_global_asset_job_def()
    return job.execute_in_process(
        instance=run.instance, asset_selection=select, raise_on_error=False, run_config=run_config or {}
    )


run.instance = None


@pytest.fixture(autouse=True)
def instance():
    with dg.DagsterInstance.ephemeral() as ephemeral:
        run.instance = ephemeral
        yield ephemeral


def keys(*names: str) -> list[dg.AssetKey]:
    return [dg.AssetKey(n.split("/")) for n in names]


def materialized(result) -> set[str]:
    return {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}


def crm_list(home) -> set[str]:
    engine = sa.create_engine(f"sqlite:///{home / 'crm.db'}")
    with engine.connect() as db:
        rows = {r[0] for r in db.execute(sa.text("select contact_id from lead_lists"))}
    engine.dispose()
    return rows


def test_memberships_record_who_entered_and_left_and_show_overlaps(home):
    segments = [spec(), SegmentSpec("segment_test", "twin", "tag", "", "segments", "x.yml")]
    first = run(home, segments, keys("marts/segment_memberships"))
    with WarehouseResource(home=str(home)).connect() as conn:
        warehouse.set_members(conn, "segment_test", range(10, 100))
    second = run(home, segments, keys("marts/segment_memberships"))
    with WarehouseResource(home=str(home)).connect(read_only=True) as conn:
        history = conn.execute(
            "select count(*) filter (where exited_at is not null), count(*) filter (where exited_at is null) "
            "from marts.segment_membership_history where segment = 'test'"
        ).fetchone()
        current = conn.execute(
            "select count(*) from marts.segment_memberships where segment = 'test'"
        ).fetchone()[0]
    (event,) = second.get_asset_materialization_events()
    metadata = event.materialization.metadata
    assert first.success and second.success
    assert history == (10, 90) and current == 90
    assert "| test | segment | 90 | 0 | 10 |" in metadata["changes"].value
    assert "| **test** | 90 | 90 |" in metadata["overlaps"].value


def test_an_anomalous_plan_is_blocked_by_the_check_until_a_person_confirms(home):
    segments = [spec(DestinationSpec("light_crm", Mode.MIRROR))]
    everything = keys(
        "marts/segment_memberships", "activation/plan_test_to_light_crm", "activation/sync_test_to_light_crm"
    )
    assert run(home, segments, everything).success and len(crm_list(home)) == 100
    with WarehouseResource(home=str(home)).connect() as conn:
        warehouse.set_members(conn, "segment_test", range(50))
    blocked = run(home, segments, everything)
    (check,) = [c for c in blocked.get_asset_check_evaluations() if c.check_name == "change_is_not_anomalous"]
    assert not check.passed and "activation/sync_test_to_light_crm" not in materialized(blocked)
    assert len(crm_list(home)) == 100, "nothing left the warehouse"
    with WarehouseResource(home=str(home)).connect() as conn:
        confirm(conn, "test:light_crm", max_leaving=50, confirmed_by="li.na", note="event list ended")
    confirmed = run(home, segments, everything)
    assert "activation/sync_test_to_light_crm" in materialized(confirmed) and len(crm_list(home)) == 50


def test_the_plan_asset_and_dry_run_config_send_nothing(home):
    segments = [spec(DestinationSpec("light_crm", Mode.UPSERT))]
    plan = run(home, segments, keys("activation/plan_test_to_light_crm"))
    dry = run(
        home, segments, keys("activation/sync_test_to_light_crm"),
        run_config={"ops": {"activation__sync_test_to_light_crm": {"config": {"dry_run": True}}}},
    )  # fmt: skip
    (event,) = plan.get_asset_materialization_events()
    assert event.materialization.metadata["planned_creates"].value == 100
    assert "| c_000000 | create |" in event.materialization.metadata["preview"].value
    assert dry.success and crm_list(home) == set(), "the adapter was built, nothing was written"


def test_a_sync_refuses_to_run_when_an_upstream_check_last_failed(home):
    @dg.asset(key=SEGMENT)
    def segment_test() -> None:
        """Stands for the dbt model."""

    @dg.asset_check(asset=SEGMENT, name="unique_contact_id", blocking=True)
    def unique_contact_id() -> dg.AssetCheckResult:
        return dg.AssetCheckResult(passed=False, metadata={"duplicates": 3})

    segments = [spec(DestinationSpec("light_crm", Mode.UPSERT))]
    run(home, segments, [SEGMENT], extra_assets=[segment_test], extra_checks=[unique_contact_id])
    result = run(home, segments, keys("activation/sync_test_to_light_crm"), extra_assets=[segment_test],
                 extra_checks=[unique_contact_id])  # fmt: skip
    (failure,) = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert "segments/segment_test:unique_contact_id" in failure.event_specific_data.error.message
    assert not (home / "crm.db").exists(), "the sync stopped before it even connected to the CRM"


def test_a_deletion_request_is_carried_out_at_every_destination_and_acknowledged(home):
    with FakeHubSpot() as fake:
        destinations = {
            "light_crm": LightCrmResource(url=f"sqlite:///{home / 'crm.db'}"),
            "hubspot": HubSpotResource(access_token=fake.token, base_url=fake.url),
        }
        segments = [spec(DestinationSpec("light_crm", Mode.MIRROR), DestinationSpec("hubspot", Mode.UPSERT))]
        syncs = keys("activation/sync_test_to_light_crm", "activation/sync_test_to_hubspot")
        assert run(home, segments, syncs, destinations).success
        with WarehouseResource(home=str(home)).connect() as conn:
            erasure.submit(conn, {"email": ["person7@example.cn"]}, reason="GDPR art. 17")
        result = run(home, segments, keys("activation/erasure_requests"), destinations)
        with WarehouseResource(home=str(home)).connect(read_only=True) as conn:
            acks = dict(
                conn.execute("select target, status from activation.erasure_acknowledgements").fetchall()
            )
            left = conn.execute(
                "select count(*) from marts.dim_contacts where contact_id = 'c_000007'"
            ).fetchone()[0]
        assert result.success and left == 0
        assert acks["destination hubspot"] == "done" and acks["destination light_crm"] == "done"
        assert fake.gdpr_deleted[0] == {"objectId": "person7@example.cn", "idProperty": "email"}
        assert "c_000007" not in crm_list(home) and len(fake.contacts) == 99


def test_the_projects_segments_come_from_dbt_meta():
    specs = {s.name: s for s in segment_specs(project_manifest())}
    assert specs["mqls"].destinations[0] == DestinationSpec("light_crm", Mode.UPSERT, {})
    assert specs["mqls"].score_driven, (
        "a segment built on lead_scores is score-driven unless it says otherwise"
    )
    assert not specs["lookalike_seed"].score_driven
    assert specs["decision_maker"].kind == "tag" and specs["webinar_nurture"].schedule == "0 9 * * *"


def test_segment_meta_mistakes_name_the_yaml_file():
    node = {
        "resource_type": "model", "name": "segment_x", "patch_path": "yuchi://models/segments/segment_x.yml",
        "config": {"schema": "segments", "meta": {"segment": {"destinations": [{"to": "hubspot", "mode": "sideways"}]}}},
    }  # fmt: skip
    with pytest.raises(
        SegmentMetaError, match="models/segments/segment_x.yml: destination 'hubspot' has mode"
    ):
        segment_specs({"nodes": {"model.yuchi.segment_x": node}})
    with pytest.raises(
        ValueError, match=r"nobody configured: nowhere \(in models/segments/segment_test.yml\)"
    ):
        build_activation_defs([spec(DestinationSpec("nowhere", Mode.UPSERT))], {})
