"""Form webhooks in the Standard Webhooks style against a real collector: signatures, replays, dedup, refusals."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

from connectors.collector.credentials import decode_webhook_secret
from connectors.collector.standard_webhooks import sign
from tests.collector.conftest import NEW_SECRET, OLD_SECRET, SOURCE, TOKEN, WRITE_KEY, whsec

PATH = f"/webhooks/forms/{SOURCE}"


def submission(n: str) -> bytes:
    return json.dumps(
        {
            "submission_id": f"sub-{n}",
            "form_id": "demo_request",
            "submitted_at": "2026-11-23T10:00:00+08:00",
            "name": "王小明",
            "phone": "138 0013 8000",
            "utm_source": "baidu",
            "utm_term": "CDP 软件",
        },
        ensure_ascii=False,
    ).encode()


def signed(
    webhook_id: str, body: bytes, key: bytes = NEW_SECRET, timestamp: int | None = None, extra: str = ""
) -> dict:
    ts = int(time.time()) if timestamp is None else timestamp
    # The signature computed from the specification, apart from the collector's sign().
    digest = hmac.new(key, f"{webhook_id}.{ts}.".encode() + body, hashlib.sha256).digest()
    signature = (extra + " " if extra else "") + "v1," + base64.b64encode(digest).decode()
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(ts),
        "webhook-signature": signature,
        "content-type": "application/json",
    }


def test_signature_matches_the_standard_webhooks_example():
    key = decode_webhook_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "test")
    signature = sign(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, b'{"test": 2432232314}')
    assert signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_signed_submission_is_landed_with_its_webhook_id(collector):
    body = submission("a1")
    status, answer = collector.request("POST", PATH, body, signed("msg_a1", body))
    assert status == 200 and json.loads(answer)["status"] == "accepted"
    [record] = [r for r in collector.records_after_restart("web_forms") if r["_webhook_id"] == "msg_a1"]
    assert record["submission_id"] == "sub-a1" and record["utm_term"] == "CDP 软件"
    assert record["_webhook_source"] == SOURCE and record["_received_at"].endswith("Z")


def test_secret_being_rotated_out_still_verifies_among_several_signatures(collector):
    body = submission("rot")
    headers = signed("msg_rot", body, key=OLD_SECRET, extra="v1,bm90LWEtc2lnbmF0dXJl v1a,ignored")
    status, _ = collector.request("POST", PATH, body, headers)
    assert status == 200


def test_tampered_body_is_refused(collector):
    body = submission("t1")
    headers = signed("msg_t1", body)
    status, answer = collector.request("POST", PATH, body.replace(b"sub-t1", b"sub-t2"), headers)
    assert status == 401 and b"does not match" in answer


def test_signature_with_an_unknown_secret_is_refused(collector):
    body = submission("u1")
    status, _ = collector.request(
        "POST", PATH, body, signed("msg_u1", body, key=b"someone-elses-secret-000000")
    )
    assert status == 401


def test_replay_outside_the_window_is_refused(collector):
    body = submission("old")
    for skew in (-301, 301):
        status, answer = collector.request(
            "POST", PATH, body, signed("msg_old", body, timestamp=int(time.time()) + skew)
        )
        assert status == 401 and b"webhook-timestamp" in answer


def test_missing_signature_headers_are_refused(collector):
    status, answer = collector.request("POST", PATH, submission("m"), {"content-type": "application/json"})
    assert status == 401 and b"webhook-id" in answer


def test_same_webhook_id_is_acknowledged_again_but_landed_once(collector):
    body = submission("dup")
    for _ in range(3):
        status, _ = collector.request("POST", PATH, body, signed("msg_dup", body))
        assert status == 200
    status, answer = collector.request("POST", PATH, body, signed("msg_dup", body))
    assert json.loads(answer)["status"] == "duplicate"
    assert [r["_webhook_id"] for r in collector.records_after_restart("web_forms")].count("msg_dup") == 1
    # landed_submissions restarted the collector: the ledger of delivered ids survived it.
    status, answer = collector.request("POST", PATH, body, signed("msg_dup", body))
    assert status == 200 and json.loads(answer)["status"] == "duplicate"
    assert [r["_webhook_id"] for r in collector.records_after_restart("web_forms")].count("msg_dup") == 1


def test_malformed_bodies_are_refused_with_a_reason(collector):
    cases = {
        b'{"submission_id": "x",': b"not valid JSON",
        b"[1, 2]": b"expected an object",
        b'{"form_id": "demo_request"}': b"submission_id",
    }
    for n, (body, reason) in enumerate(cases.items()):
        status, answer = collector.request("POST", PATH, body, signed(f"msg_bad_{n}", body))
        assert status == 400 and reason in answer, answer


def test_oversized_body_is_refused_with_413(collector):
    body = b'{"padding": "' + b"x" * (1024 * 1024) + b'"}'
    status, _ = collector.request("POST", PATH, body, signed("msg_big", body))
    assert status == 413


def test_unconfigured_source_is_not_found(collector):
    body = submission("n")
    status, answer = collector.request("POST", "/webhooks/forms/typeform", body, signed("msg_n", body))
    assert status == 404 and b"YUCHI_WEBHOOK_SECRET_TYPEFORM" in answer


def test_logs_are_json_lines_without_secrets(collector):
    lines = [json.loads(line) for line in collector.log().splitlines() if line.strip()]
    assert any(line["msg"] == "request refused" and line["status"] == 401 for line in lines)
    text = collector.log()
    for secret in (whsec(NEW_SECRET), whsec(OLD_SECRET), TOKEN, WRITE_KEY):
        assert secret not in text
