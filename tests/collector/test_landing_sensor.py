"""The landing-file sensor on a real Dagster instance: closed files only, a cursor, runs of the channel's assets."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import time

import dagster as dg
import duckdb

from orchestration.ingest.sensors import SLACK_NS, LandedFile, landing_files_sensor, new_files
from orchestration.resources import WarehouseResource
from tests.collector.conftest import NEW_SECRET, SOURCE

WEB_FORMS_KEYS = [dg.AssetKey(["raw", "web_forms_submissions"])]


def evaluate(home, instance, cursor=None) -> dg.SensorResult:
    context = dg.build_sensor_context(
        instance=instance, cursor=cursor, resources={"warehouse": WarehouseResource(home=str(home))}
    )
    return landing_files_sensor(context)


def test_sensor_requests_a_run_for_closed_files_once_and_ignores_open_ones(tmp_path):
    folder = tmp_path / "landing" / "web_forms"
    folder.mkdir(parents=True)
    (folder / "webhook-20261123T080000000000.jsonl").write_text('{"submission_id": "s1"}\n')
    (folder / "webhook-20261123T090000000000.jsonl.open").write_text('{"submission_id": "s2"}\n')
    with dg.instance_for_test() as instance:
        first = evaluate(tmp_path, instance)
        [request] = first.run_requests
        assert request.asset_selection == WEB_FORMS_KEYS
        assert (
            request.tags["yuchi/landing_channel"] == "web_forms"
            and request.tags["yuchi/new_landing_files"] == "1"
        )

        again = evaluate(tmp_path, instance, first.cursor)
        assert not again.run_requests and again.skip_reason is not None

        (folder / "webhook-20261123T090000000000.jsonl.open").rename(
            folder / "webhook-20261123T090000000000.jsonl"
        )
        closed = evaluate(tmp_path, instance, again.cursor)
        [request] = closed.run_requests
        assert (
            request.tags["yuchi/new_landing_files"] == "1"
            and request.run_key != first.run_requests[0].run_key
        )


def test_cursor_forgets_old_names_but_never_misses_a_file_closed_late():
    at = 10**18
    cursor = json.dumps({"wechat": {"watermark_ns": at, "recent": ["b.xml"]}})
    found = {
        "wechat": [
            LandedFile("wechat", "a.xml", at - 2 * SLACK_NS),  # handed over long ago
            LandedFile("wechat", "b.xml", at - 10),  # handed over in the slack window
            LandedFile("wechat", "c.xml", at - 5),  # renamed while the last evaluation was listing
        ]
    }
    fresh, after = new_files(found, cursor)
    assert fresh == {"wechat": ["c.xml"]}
    assert json.loads(after)["wechat"] == {"watermark_ns": at, "recent": ["b.xml", "c.xml"]}


def test_collector_file_reaches_raw_through_the_sensor_and_a_real_run(start_collector, tmp_path, monkeypatch):
    collector = start_collector(tmp_path / "home")
    body = json.dumps(
        {
            "submission_id": "s-e2e",
            "form_id": "demo_request",
            "submitted_at": "2026-11-23T10:00:00+08:00",
            "phone": "13800138000",
            "utm_source": "baidu",
        }
    ).encode()
    ts = str(int(time.time()))
    digest = hmac.new(NEW_SECRET, f"msg_e2e.{ts}.".encode() + body, hashlib.sha256).digest()
    headers = {
        "webhook-id": "msg_e2e",
        "webhook-timestamp": ts,
        "webhook-signature": "v1," + base64.b64encode(digest).decode(),
    }
    assert collector.request("POST", f"/webhooks/forms/{SOURCE}", body, headers)[0] == 200
    with dg.instance_for_test() as instance:
        assert not evaluate(collector.home, instance).run_requests, (
            "a file still being written is not handed over"
        )
        collector.stop()
        [request] = evaluate(collector.home, instance).run_requests

        from orchestration.definitions import defs

        monkeypatch.setitem(os.environ, "YUCHI_HOME", str(collector.home))
        monkeypatch.delitem(os.environ, "YUCHI_WAREHOUSE", raising=False)
        job = defs.resolve_implicit_global_asset_job_def()
        result = job.execute_in_process(
            instance=instance, asset_selection=request.asset_selection, tags=request.tags
        )
        assert result.success
    with duckdb.connect(str(collector.home / "warehouse.duckdb"), read_only=True) as conn:
        rows = conn.execute(
            "select submission_id, phone_normalized from raw.web_forms_submissions"
        ).fetchall()
    assert rows == [("s-e2e", "+8613800138000")]
