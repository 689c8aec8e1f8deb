"""Exactly once across crashes: a real sync process SIGKILLed mid-batch, or after the destination acknowledged
and before the ledger write, then run again. Every record must be at the destination once and the ledger must
agree with the destination."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from connectors.destinations.hubspot import HubSpotConfig, HubSpotContacts
from connectors.destinations.profile import member_profiles
from connectors.destinations.sync.model import payload_hash
from tests.activation import warehouse
from tests.fakes.hubspot import FakeHubSpot
from tests.fakes.messaging import WebhookReceiver

REPO = Path(__file__).resolve().parents[2]
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
PEOPLE = 120


def start_child(path: Path, kind: str, url: str, secret: str, *extra: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "tests.activation.sync_child", str(path), kind, url, secret, *extra]
    return subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(child: subprocess.Popen) -> dict:
    out, err = child.communicate(timeout=120)
    assert child.returncode == 0, err[-3000:]
    return json.loads(out.strip().splitlines()[-1])


def wait_for(predicate, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "the child never reached the crash point"
        time.sleep(0.02)


def kill(child: subprocess.Popen) -> None:
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL


def assert_ledger_agrees_with_hubspot(path: Path, fake: FakeHubSpot) -> None:
    held = {c["properties"]["yuchi_contact_id"]: c["properties"] for c in fake.contacts.values()}
    assert len(fake.creations) == len(set(fake.creations)) == PEOPLE, "every contact was created exactly once"
    with duckdb.connect(str(path)) as conn:
        state = dict(
            conn.execute(
                "select record_key, payload_hash from activation.sync_state where sync_key = 'segment_test:hubspot' "
                "and present"
            ).fetchall()
        )
        pending = conn.execute(
            "select count(*) from activation.sync_ledger where status = 'pending'"
        ).fetchone()[0]
        profiles = member_profiles(conn, "segments.segment_test")
    adapter = HubSpotContacts(HubSpotConfig(fake.token, fake.url))
    expected = {p["contact_id"]: adapter.payload(p) for p in profiles}
    assert set(held) == set(state) == set(expected)
    for key, payload in expected.items():
        assert state[key] == payload_hash(payload), key
        assert {k: held[key].get(k) for k in payload} == payload, key
    assert pending == 0


def test_sync_killed_mid_batch_then_rerun_delivers_each_record_once_and_the_ledger_agrees(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    warehouse.build(path, PEOPLE).close()
    with FakeHubSpot() as fake:
        fake.hold_after = 2  # the third request hangs in the vendor
        child = start_child(path, "hubspot", fake.url, fake.token)
        fake.wait_for(lambda: fake.held >= 1)
        kill(child)
        fake.hold_after = None
        fake.release.set()  # the vendor finishes the request of the dead process
        fake.wait_for(lambda: len(fake.contacts) >= 60)
        rerun = finish(start_child(path, "hubspot", fake.url, fake.token, "--run-id", "rerun"))
        assert rerun["reconciled"]["confirmed"] == 20, (
            "the batch in flight when killed was found by reading back"
        )
        assert_ledger_agrees_with_hubspot(path, fake)


def test_sync_killed_after_the_ack_before_the_ledger_write_does_not_send_again(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    marker = tmp_path / "stalled.json"
    warehouse.build(path, PEOPLE).close()
    with FakeHubSpot() as fake:
        child = start_child(
            path, "hubspot", fake.url, fake.token, "--stall-after-ack", "3", "--marker", str(marker)
        )
        wait_for(marker.exists)
        kill(child)
        sent_before = len([e for e in fake.log if e["path"].endswith("batch/upsert")])
        rerun = finish(start_child(path, "hubspot", fake.url, fake.token, "--run-id", "rerun"))
        upserts_after = len([e for e in fake.log if e["path"].endswith("batch/upsert")]) - sent_before
        assert rerun["reconciled"]["confirmed"] == 20
        assert rerun["figures"]["planned"] == PEOPLE - 60 and upserts_after == 3, (
            "only the 3 unsent batches go out"
        )
        assert_ledger_agrees_with_hubspot(path, fake)


def test_webhook_killed_after_the_ack_resends_with_the_same_id_and_the_receiver_keeps_one(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    marker = tmp_path / "stalled.json"
    warehouse.build(path, 30).close()
    with WebhookReceiver(SECRET) as receiver:
        url = receiver.url + "/hooks"
        child = start_child(path, "webhook", url, SECRET, "--stall-after-ack", "2", "--marker", str(marker))
        wait_for(marker.exists)
        kill(child)
        finish(start_child(path, "webhook", url, SECRET, "--run-id", "rerun"))
        contacts = [event["data"]["contact_id"] for event in receiver.received.values()]
        repeated = len(receiver.deliveries) - len(set(receiver.deliveries))
    assert sorted(contacts) == sorted(f"c_{i:06d}" for i in range(30)), "each contact's event is there once"
    assert repeated == 5, (
        "the unrecorded batch was resent with the same webhook-ids and dropped by the receiver"
    )
