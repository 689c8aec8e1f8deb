"""What survives a crash: SIGKILL mid-stream, torn tails, ids in files left open, rotation, one writer."""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import threading
import time
from collections import Counter
from urllib.parse import urlencode

from tests.collector.conftest import APP_ID, NEW_SECRET, SOURCE, TOKEN, WRITE_KEY, RunningCollector
from tests.collector.landing_reader import closed_files, json_lines, open_files, wechat_documents

AUTH = {"Authorization": "Basic " + base64.b64encode(f"{WRITE_KEY}:".encode()).decode()}


def track(n: int) -> tuple[str, bytes, dict]:
    body = json.dumps({"event": "Viewed Pricing", "anonymousId": f"a-{n}", "messageId": f"m-{n}"}).encode()
    return "/v1/track", body, AUTH


def webhook(n: int) -> tuple[str, bytes, dict]:
    body = json.dumps(
        {
            "submission_id": f"s-{n}",
            "form_id": "demo",
            "submitted_at": "2026-11-23T10:00:00Z",
            "email": f"p{n}@example.com",
        }
    ).encode()
    ts = str(int(time.time()))
    digest = hmac.new(NEW_SECRET, f"w-{n}.{ts}.".encode() + body, hashlib.sha256).digest()
    headers = {
        "webhook-id": f"w-{n}",
        "webhook-timestamp": ts,
        "webhook-signature": "v1," + base64.b64encode(digest).decode(),
    }
    return f"/webhooks/forms/{SOURCE}", body, headers


def wechat(n: int) -> tuple[str, bytes, dict]:
    ts, nonce = str(int(time.time())), str(n)
    signature = hashlib.sha1("".join(sorted([TOKEN, ts, nonce])).encode()).hexdigest()
    body = (
        f"<xml><ToUserName><![CDATA[gh]]></ToUserName><FromUserName><![CDATA[o-{n}]]></FromUserName>"
        f"<CreateTime>{ts}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[CLICK]]></Event>"
        f"<EventKey><![CDATA[k-{n}]]></EventKey></xml>"
    ).encode()
    return (
        f"/wechat/{APP_ID}?" + urlencode({"signature": signature, "timestamp": ts, "nonce": nonce}),
        body,
        {},
    )


def landed_ids(landing) -> Counter:
    """Counts each record id in the closed files, reading them as the contract says."""
    found: Counter = Counter()
    for path in closed_files(landing, "web_tracking"):
        found.update(r["messageId"] for r in json_lines(path))
    for path in closed_files(landing, "web_forms"):
        found.update(r["_webhook_id"] for r in json_lines(path))
    for path in closed_files(landing, "wechat"):
        found.update(d.findtext("EventKey") for d in wechat_documents(path))
    return found


def send_until_stopped(port: int, first: int, stop: threading.Event, acked: list[str]) -> None:
    """Sends a mix of the three channels on one keep-alive connection, noting the id of every 2xx."""
    makers = (track, webhook, wechat)
    ids = ("m-{}", "w-{}", "k-{}")
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    n = first
    while not stop.is_set():
        path, body, headers = makers[n % 3](n)
        try:
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
        except (OSError, http.client.HTTPException):
            return  # the collector is gone: what was not acknowledged is not counted
        if response.status == 200:
            acked.append(ids[n % 3].format(n))
        n += 1


def test_every_acknowledged_record_survives_sigkill_exactly_once(start_collector, tmp_path):
    home = tmp_path / "home"
    collector = start_collector(home, env={"YUCHI_COLLECTOR_ROTATE_BYTES": "200000"})
    stop, acked, threads = threading.Event(), [], []
    for worker in range(12):
        thread = threading.Thread(
            target=send_until_stopped, args=(collector.port, worker * 1_000_000, stop, acked)
        )
        thread.start()
        threads.append(thread)
    deadline = time.monotonic() + 20
    while len(acked) < 400 and time.monotonic() < deadline:  # mid-stream, however busy the machine is
        time.sleep(0.05)
    collector.kill()
    stop.set()
    for thread in threads:
        thread.join(10)
    assert len(acked) >= 400, (
        "too few records were acknowledged before the kill for the test to mean anything"
    )
    assert open_files(home / "landing"), "the kill should have left files open"

    restarted = start_collector(home)
    restarted.stop()
    assert "collector stopped" in restarted.log()
    assert open_files(home / "landing") == []
    found = landed_ids(home / "landing")
    assert [i for i in acked if found[i] != 1] == []
    assert sum(found.values()) - len(acked) <= 12 * 3, (
        "at most the in-flight requests may land unacknowledged"
    )


def test_torn_tails_are_cut_and_leftover_open_files_closed_at_start_up(start_collector, tmp_path):
    landing = tmp_path / "home" / "landing"
    (landing / "web_tracking").mkdir(parents=True)
    (landing / "wechat").mkdir(parents=True)
    jsonl = landing / "web_tracking" / "collector-20261123T080000000000.jsonl.open"
    jsonl.write_bytes(b'{"messageId": "m-1"}\n{"messageId": "m-2"}\n{"messageId": "m-')
    xml = landing / "wechat" / f"pushes-{APP_ID}-20261123T080000000000.xml.open"
    xml.write_bytes(b"<xml><Content><![CDATA[a</xml>\nb]]></Content></xml>\n<xml><Content>tor")
    empty = landing / "wechat" / f"pushes-{APP_ID}-20261123T080000000001.xml.open"
    empty.write_bytes(b"<xml><Con")
    collector = start_collector(tmp_path / "home")
    assert open_files(landing) == []
    assert [r["messageId"] for r in json_lines(jsonl.with_suffix(""))] == ["m-1", "m-2"]
    [document] = wechat_documents(xml.with_suffix(""))
    assert document.findtext("Content") == "a</xml>\nb"
    assert not empty.exists() and not empty.with_suffix("").exists()
    assert "left open by the previous run" in collector.log()


def test_webhook_ids_in_a_file_left_open_are_not_landed_again(start_collector, tmp_path):
    # A crash between the fsync of the record and the ledger's commit: the id is only in the '.open' file.
    folder = tmp_path / "home" / "landing" / "web_forms"
    folder.mkdir(parents=True)
    record = {
        "submission_id": "s-9",
        "form_id": "demo",
        "submitted_at": "2026-11-23T10:00:00Z",
        "_webhook_id": "w-9",
        "_webhook_source": SOURCE,
        "_received_at": "2026-11-23T10:00:00.000000Z",
    }
    (folder / "webhook-20261123T080000000000.jsonl.open").write_text(json.dumps(record) + "\n")
    collector = start_collector(tmp_path / "home")
    path, body, headers = webhook(9)
    status, answer = collector.request("POST", path, body, headers)
    assert status == 200 and json.loads(answer)["status"] == "duplicate"
    collector.stop()
    assert landed_ids(tmp_path / "home" / "landing")["w-9"] == 1


def test_files_rotate_by_size_and_by_age(start_collector, tmp_path):
    collector = start_collector(
        env={"YUCHI_COLLECTOR_ROTATE_BYTES": "500", "YUCHI_COLLECTOR_ROTATE_SECONDS": "1"}
    )
    for n in range(30):
        path, body, headers = track(n)
        assert collector.request("POST", path, body, headers)[0] == 200
    by_size = closed_files(collector.landing, "web_tracking")
    assert len(by_size) >= 6 and all(500 <= p.stat().st_size < 500 + 200 for p in by_size)
    deadline = time.monotonic() + 5
    while open_files(collector.landing) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert open_files(collector.landing) == [], "the last file should close after 1 s without a restart"
    assert landed_ids(collector.landing) == Counter({f"m-{n}": 1 for n in range(30)})


def test_a_second_collector_on_the_same_landing_folder_refuses_to_start(start_collector, tmp_path):
    start_collector(tmp_path / "home")
    second = RunningCollector(tmp_path / "home")
    try:
        second.start()
        raise AssertionError("the second collector started")
    except RuntimeError as exc:
        assert "another collector is writing" in str(exc)
