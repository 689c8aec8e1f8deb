"""Syncing to HubSpot's documented API on loopback: diffs, retries, Retry-After, batch splitting, the ledger."""

from __future__ import annotations

import pytest

from connectors.destinations.sync.engine import SyncAborted
from connectors.destinations.sync.model import Mode
from connectors.destinations.sync.runner import AnomalousChange
from tests.activation import warehouse
from tests.activation.conftest import hubspot_destination, sync
from tests.fakes.hubspot import FakeHubSpot
from tests.fakes.server import Faults


def ledger_rows(conn, status=None):
    sql = "select count(*) from activation.sync_ledger" + (f" where status = '{status}'" if status else "")
    return conn.execute(sql).fetchone()[0]


def test_second_sync_sends_only_the_changed_contacts(conn, hubspot):
    first = sync(conn, hubspot_destination(hubspot))
    warehouse.touch_scores(conn, range(0, 250, 50))
    second = sync(conn, hubspot_destination(hubspot))
    assert first.figures()["created"] == 250
    assert second.figures()["planned"] == 5 and second.figures()["updated"] == 5
    assert hubspot.by_email()["person50@example.cn"]["yuchi_score"] == "71"
    assert len(hubspot.creations) == 250


def test_under_30_percent_429_and_500_every_record_arrives_once_and_waits_honour_retry_after(conn):
    faults = Faults(rate=0.3, kinds=("429", "500", "500_after"), retry_after=0.3, seed=3)
    with FakeHubSpot(faults=faults) as fake:
        events = []
        report = sync(
            conn,
            hubspot_destination(fake, max_in_flight=1),
            observer=lambda e, d: events.append((e, dict(d))),
        )
        delivered = fake.by_email()
    assert report.figures()["succeeded"] == 250 and report.figures()["failed"] == 0
    assert len(delivered) == 250 and len(fake.creations) == len(set(fake.creations)) == 250
    injected = [e for e in fake.log if e["fault"] in ("429", "500", "500_after")]
    assert injected, "the fault plan should have injected some errors"
    limited = [(d["batch"], d["at"], d["retry_after"]) for e, d in events if e == "rate_limited"]
    requests = [(d["batch"], d["at"]) for e, d in events if e == "request"]
    for batch, at, wait in limited:
        retry = min(t for b, t in requests if b == batch and t > at)
        assert retry - at >= wait - 1e-3, (batch, retry - at, wait)


def test_a_bad_record_is_isolated_by_splitting_and_recorded_with_hubspots_reason(conn, hubspot):
    conn.execute("update marts.dim_contacts set email = 'not-an-email' where contact_id = 'c_000042'")
    report = sync(conn, hubspot_destination(hubspot))
    reason = conn.execute(
        "select reason from activation.sync_failures where record_key = 'c_000042' and resolved_at is null"
    ).fetchone()[0]
    assert report.figures()["succeeded"] == 249 and report.figures()["failed"] == 1
    assert "INVALID_EMAIL" in reason and "VALIDATION_ERROR" in reason
    assert len(hubspot.contacts) == 249


def test_a_failed_record_is_retried_on_the_next_run_and_then_resolved(conn, hubspot):
    conn.execute("update marts.dim_contacts set email = 'not-an-email' where contact_id = 'c_000007'")
    sync(conn, hubspot_destination(hubspot))
    conn.execute("update marts.dim_contacts set email = 'person7@example.cn' where contact_id = 'c_000007'")
    again = sync(conn, hubspot_destination(hubspot))
    resolved = conn.execute(
        "select resolved_at is not null from activation.sync_failures where record_key = 'c_000007'"
    )
    assert again.figures()["planned"] == 1 and again.figures()["succeeded"] == 1
    assert resolved.fetchone()[0]


def test_mirror_mode_adds_entrants_to_the_list_and_removes_leavers(conn, hubspot):
    sync(conn, hubspot_destination(hubspot, Mode.MIRROR, list_id="77"), Mode.MIRROR)
    warehouse.set_members(conn, "segment_test", range(20, 250))
    report = sync(conn, hubspot_destination(hubspot, Mode.MIRROR, list_id="77"), Mode.MIRROR)
    members = {hubspot.contacts[i]["properties"]["yuchi_contact_id"] for i in hubspot.lists["77"]}
    assert report.figures()["removed"] == 20 and len(members) == 230 and "c_000005" not in members
    assert len(hubspot.contacts) == 250, "mirror mode takes contacts off the list, it does not delete them"


def test_removing_more_than_30_percent_blocks_until_confirmed(conn, hubspot):
    sync(conn, hubspot_destination(hubspot, Mode.MIRROR, list_id="9"), Mode.MIRROR)
    warehouse.set_members(conn, "segment_test", range(100))
    with pytest.raises(AnomalousChange, match="150 of 250 synced members"):
        sync(conn, hubspot_destination(hubspot, Mode.MIRROR, list_id="9"), Mode.MIRROR)
    assert len(hubspot.lists["9"]) == 250, "a blocked sync sends nothing"
    confirmed = sync(
        conn, hubspot_destination(hubspot, Mode.MIRROR, list_id="9"), Mode.MIRROR, confirm_anomaly=True
    )
    assert confirmed.figures()["removed"] == 150 and len(hubspot.lists["9"]) == 100


def test_dry_run_plans_creates_updates_and_removals_without_sending(conn, hubspot):
    report = sync(conn, hubspot_destination(hubspot), dry_run=True)
    assert report.figures()["planned_creates"] == 250 and report.status == "dry_run"
    assert hubspot.log == [] and ledger_rows(conn) == 0


def test_update_only_skips_contacts_hubspot_lacks_and_insert_only_skips_existing(conn, hubspot):
    warehouse.set_members(conn, "segment_test", range(10))
    sync(conn, hubspot_destination(hubspot))
    warehouse.set_members(conn, "segment_test", range(15))
    warehouse.touch_scores(conn, range(15))
    updates = sync(
        conn, hubspot_destination(hubspot, Mode.UPDATE_ONLY), Mode.UPDATE_ONLY, sync_key="t:update"
    )
    inserts = sync(
        conn, hubspot_destination(hubspot, Mode.INSERT_ONLY), Mode.INSERT_ONLY, sync_key="t:insert"
    )
    assert (updates.figures()["succeeded"], updates.figures()["skipped"]) == (10, 5)
    assert (inserts.figures()["succeeded"], inserts.figures()["skipped"]) == (5, 10)
    assert len(hubspot.contacts) == 15


def test_a_used_up_daily_quota_stops_the_run_and_the_rest_goes_out_later(conn):
    with FakeHubSpot(daily_limit=1) as fake:
        report = sync(conn, hubspot_destination(fake, max_in_flight=1))
        assert report.figures()["succeeded"] == 100 and report.figures()["deferred"] == 150
        fake.daily_limit = None
        later = sync(conn, hubspot_destination(fake))
    assert later.figures()["succeeded"] == 150 and len(fake.contacts) == 250


def test_a_refused_token_stops_the_sync_without_the_token_in_any_message(conn, hubspot):
    destination = hubspot_destination(hubspot, access_token="pat-na1-wrong-secret")
    with pytest.raises(SyncAborted) as raised:
        sync(conn, destination)
    logged = conn.execute(
        "select string_agg(coalesce(message, ''), ' ') from activation.sync_runs"
    ).fetchone()[0]
    assert "INVALID_AUTHENTICATION" in str(raised.value)
    assert "pat-na1-wrong-secret" not in str(raised.value) + logged


def test_gdpr_delete_is_sent_for_every_email_and_acknowledged(hubspot):
    from connectors.destinations.sync.destination import ErasureSubject

    destination = hubspot_destination(hubspot)
    ack = destination.erase(
        ErasureSubject("del_1", "c_1", emails=("gone@example.cn",), external_ids=("1001",))
    )
    assert hubspot.gdpr_deleted == [
        {"objectId": "gone@example.cn", "idProperty": "email"},
        {"objectId": "1001"},
    ]
    assert "acknowledged for 2" in ack
