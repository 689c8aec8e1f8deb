"""Tracking calls in the Segment HTTP API shapes against a real collector: auth, batches, refusals."""

from __future__ import annotations

import base64
import json

from tests.collector.conftest import WRITE_KEY


def auth(key: str = WRITE_KEY) -> dict[str, str]:
    return {
        "Authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode(),
        "Content-Type": "application/json",
    }


def test_batch_and_single_calls_are_landed_one_event_per_line(collector):
    batch = {
        "batch": [
            {
                "type": "page",
                "anonymousId": "anon-1",
                "messageId": "m-page",
                "name": "Pricing",
                "properties": {"path": "/pricing"},
            },
            {
                "type": "identify",
                "anonymousId": "anon-1",
                "userId": "crm-42",
                "messageId": "m-identify",
                "traits": {"phone": "+8613800138000"},
            },
        ],
        "context": {"library": {"name": "analytics.js"}},
        "sentAt": "2026-11-23T10:00:01Z",
    }
    status, answer = collector.request("POST", "/v1/batch", json.dumps(batch).encode(), auth())
    assert (status, json.loads(answer)) == (200, {"success": True})
    track = {"event": "Whitepaper Downloaded", "anonymousId": "anon-1", "properties": {"title": "guide"}}
    status, _ = collector.request("POST", "/v1/track", json.dumps(track).encode(), auth())
    assert status == 200
    events = {e.get("messageId"): e for e in collector.records_after_restart("web_tracking")}
    assert (
        events["m-page"]["type"] == "page"
        and events["m-page"]["context"]["library"]["name"] == "analytics.js"
    )
    assert (
        events["m-identify"]["sentAt"] == "2026-11-23T10:00:01Z"
        and events["m-identify"]["userId"] == "crm-42"
    )
    [tracked] = [e for e in events.values() if e.get("event") == "Whitepaper Downloaded"]
    assert (
        tracked["type"] == "track" and tracked["messageId"].startswith("yuchi-") and "_received_at" in tracked
    )


def test_write_key_in_the_body_is_accepted_and_not_landed(collector):
    body = {"writeKey": WRITE_KEY, "anonymousId": "anon-wk", "messageId": "m-wk", "name": "Home"}
    status, _ = collector.request(
        "POST", "/v1/page", json.dumps(body).encode(), {"Content-Type": "application/json"}
    )
    assert status == 200
    [event] = [e for e in collector.records_after_restart("web_tracking") if e["messageId"] == "m-wk"]
    assert "writeKey" not in event


def test_wrong_or_missing_write_key_is_refused(collector):
    body = json.dumps({"event": "x", "anonymousId": "a"}).encode()
    status, _ = collector.request("POST", "/v1/track", body, auth("not-a-key"))
    assert status == 401
    status, answer = collector.request("POST", "/v1/track", body, {"Content-Type": "application/json"})
    assert status == 401 and b"write key" in answer


def test_malformed_calls_are_refused_naming_the_event(collector):
    cases = {
        (
            "/v1/batch",
            b'{"batch": [{"type": "track", "event": "x", "anonymousId": "a"}, {"type": "track", "event": "y"}]}',
        ): b"batch[1]: a track call needs userId or anonymousId",
        ("/v1/batch", b'{"batch": {"type": "page"}}'): b"'batch' is missing or not a list",
        ("/v1/track", b'{"anonymousId": "a"}'): b"needs event",
        (
            "/v1/batch",
            b'{"batch": [{"type": "purchase", "anonymousId": "a"}]}',
        ): b"type 'purchase' is not one of",
        ("/v1/identify", b"{not json"): b"not valid JSON",
    }
    for (path, body), reason in cases.items():
        status, answer = collector.request("POST", path, body, auth())
        assert status == 400 and reason in answer, (path, answer)


def test_oversized_calls_are_refused_with_413(collector):
    big_event = {"event": "x", "anonymousId": "a", "properties": {"blob": "x" * 40_000}}
    status, _ = collector.request("POST", "/v1/track", json.dumps(big_event).encode(), auth())
    assert status == 413
    batch = {
        "batch": [{"type": "track", "event": "x", "anonymousId": "a", "properties": {"blob": "x" * 30_000}}]
        * 20
    }
    status, _ = collector.request("POST", "/v1/batch", json.dumps(batch).encode(), auth())
    assert status == 413


def test_refused_batches_land_nothing(collector):
    before = len(collector.records_after_restart("web_tracking"))
    body = b'{"batch": [{"type": "track", "event": "ok", "anonymousId": "a", "messageId": "m-refused"}, 7]}'
    status, _ = collector.request("POST", "/v1/batch", body, auth())
    assert status == 400
    events = collector.records_after_restart("web_tracking")
    assert len(events) == before and not any(e.get("messageId") == "m-refused" for e in events)


def test_health_reports_the_streams(collector):
    status, answer = collector.request("GET", "/health")
    report = json.loads(answer)
    assert status == 200 and report["status"] == "ok" and report["landing"] == str(collector.landing)


def test_unknown_endpoints_and_wrong_methods_are_refused(collector):
    assert collector.request("GET", "/v1/track")[0] == 405
    assert collector.request("POST", "/v1/purchase", b"{}", auth())[0] == 404
    assert collector.request("GET", "/admin")[0] == 404
