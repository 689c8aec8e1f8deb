"""Collector benchmark: sustained accepted events/s on loopback, and a SIGKILL run that counts lost records.

The collector runs as its own process (`python -m connectors.collector`) on a free loopback port with a fresh
YUCHI_HOME; the load client is another process (bench/http_load.py) with `--concurrency` keep-alive connections.

- throughput: for `--seconds`, single-event /v1/track calls, then a mix of the three channels (WeChat pushes, form
  webhooks, tracking calls), then /v1/batch calls of `--batch-size` events. Every accepted event is then looked
  for in the landing files.
- sigkill: a mixed load with a unique id per record; the collector is SIGKILLed mid-stream, restarted (recovery
  closes its '.open' files), stopped; every record that got a 2xx must be in the landing files exactly once.

    make bench-collector                 # or: .venv/bin/python bench/collector.py --seconds 10 --kills 3
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from http_load import Request, percentile, run_load  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
APP_ID, TOKEN, SOURCE, WRITE_KEY = "wxbench0001", "bench-token", "bench_forms", "bench-write-key"
SECRET = b"yuchi-bench-webhook-secret-0123"


def collector_env(home: Path, port: int) -> dict[str, str]:
    return {
        **os.environ,
        "YUCHI_HOME": str(home),
        "YUCHI_COLLECTOR_PORT": str(port),
        f"YUCHI_WECHAT_TOKEN_{APP_ID.upper()}": TOKEN,
        f"YUCHI_WEBHOOK_SECRET_{SOURCE.upper()}": "whsec_" + base64.b64encode(SECRET).decode(),
        "YUCHI_TRACKING_WRITE_KEYS": WRITE_KEY,
    }


def cpu_seconds(pid: int) -> float:
    """Gives the user + system CPU time a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_collector(home: Path, port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "connectors.collector", "--log-level", "WARNING"],
        cwd=REPO,
        env=collector_env(home, port),
        stderr=(home / "collector.log").open("ab"),
    )
    end = time.monotonic() + 30
    while time.monotonic() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(
                    f"collector exited with {process.returncode}; see {home / 'collector.log'}"
                ) from None
            time.sleep(0.05)
    raise RuntimeError("collector did not start listening")


# -- requests (built in the client process) ---------------------------------------------------------------------


AUTH = "Basic " + base64.b64encode(f"{WRITE_KEY}:".encode()).decode()
TRACK_BODY = (
    '{"event":"Whitepaper Downloaded","anonymousId":"anon-%d","messageId":"bench-%d",'
    '"properties":{"title":"2026 pricing guide","utm_source":"baidu"},'
    '"context":{"page":{"path":"/resources/pricing-guide"},"userAgent":"Mozilla/5.0 bench"}}'
)
PAGE_EVENT = '{"type":"page","anonymousId":"anon-%d","messageId":"%s","name":"Pricing","properties":{"path":"/pricing"}}'
WECHAT_BODY = (
    "<xml><ToUserName><![CDATA[gh_bench]]></ToUserName><FromUserName><![CDATA[o-bench-%d]]></FromUserName>"
    "<CreateTime>%d</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[SCAN]]></Event>"
    "<EventKey><![CDATA[expo-%d]]></EventKey></xml>"
)
WEBHOOK_BODY = (
    '{"submission_id":"sub-%d","form_id":"demo_request","submitted_at":"2026-11-23T10:00:00+08:00",'
    '"phone":"1380013%04d","utm_source":"baidu","utm_campaign":"expo"}'
)


def track_request(n: int) -> Request:
    headers = {"Content-Type": "application/json", "Authorization": AUTH}
    return Request("POST", "/v1/track", headers, (TRACK_BODY % (n % 5000, n)).encode(), [f"bench-{n}"])


def batch_request(n: int, size: int) -> Request:
    tags = [f"bench-{n}-{i}" for i in range(size)]
    body = '{"batch":[' + ",".join(PAGE_EVENT % (n % 5000, tag) for tag in tags) + "]}"
    headers = {"Content-Type": "application/json", "Authorization": AUTH}
    return Request("POST", "/v1/batch", headers, body.encode(), tags)


def wechat_request(n: int) -> Request:
    from connectors.collector.wechat_official_account import signature

    now = int(time.time())
    timestamp, nonce = str(now), str(n)
    body = (WECHAT_BODY % (n % 5000, now, n)).encode()
    path = (
        f"/wechat/{APP_ID}?signature={signature(TOKEN, timestamp, nonce)}&timestamp={timestamp}&nonce={nonce}"
    )
    return Request("POST", path, {"Content-Type": "text/xml"}, body, [f"expo-{n}"])


def webhook_request(n: int) -> Request:
    from connectors.collector.standard_webhooks import sign

    body = (WEBHOOK_BODY % (n, n % 10000)).encode()
    webhook_id, timestamp = f"msg_bench_{n}", int(time.time())
    headers = {
        "Content-Type": "application/json",
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(SECRET, webhook_id, timestamp, body),
    }
    return Request("POST", f"/webhooks/forms/{SOURCE}", headers, body, [webhook_id])


def client(
    port: int, mode: str, seconds: float, concurrency: int, batch_size: int, out: Path, first: int = 0
) -> None:
    counter = itertools.count(first)
    makers = {
        "track": lambda n: track_request(n),
        "batch": lambda n: batch_request(n, batch_size),
        "mixed": lambda n: (track_request, wechat_request, webhook_request)[n % 3](n),
    }
    make = makers[mode]
    deadline = time.perf_counter() + seconds
    result = asyncio.run(run_load("127.0.0.1", port, lambda: make(next(counter)), concurrency, deadline))
    accepted = [tag for tags in result.accepted_tags for tag in tags]
    out.write_text(
        json.dumps(
            {
                "accepted_events": accepted,
                "accepted_requests": len(result.accepted_tags),
                "seconds": result.seconds,
                "statuses": result.statuses,
                "connection_errors": result.connection_errors,
                "p50_ms": percentile(result.latencies, 0.5) * 1000,
                "p99_ms": percentile(result.latencies, 0.99) * 1000,
            }
        )
    )


def run_client(
    port: int, mode: str, seconds: float, concurrency: int, batch_size: int, out: Path, first: int = 0
) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            __file__,
            "--client",
            mode,
            "--port",
            str(port),
            "--seconds",
            str(seconds),
            "--concurrency",
            str(concurrency),
            "--batch-size",
            str(batch_size),
            "--out",
            str(out),
            "--first",
            str(first),
        ],
        cwd=REPO,
    )


# -- reading the landing folder back (independently of the collector's own code) ---------------------------------


def landed_ids(landing: Path) -> tuple[Counter, list[str]]:
    """Gives how often each record id occurs in the closed landing files, and problems found (open files...)."""
    found: Counter = Counter()
    problems = [f"left open: {p}" for p in landing.rglob("*.open")]
    for path in sorted((landing / "wechat").glob("pushes-*.xml")):
        for document in ET.fromstring(b"<landed>" + path.read_bytes() + b"</landed>"):
            found[document.findtext("EventKey")] += 1
    for channel, key in (("web_tracking", "messageId"), ("web_forms", "_webhook_id")):
        for path in sorted((landing / channel).glob("*.jsonl")):
            data = path.read_bytes()
            if data and not data.endswith(b"\n"):
                problems.append(f"{path} does not end with a newline")
            for number, line in enumerate(data.splitlines(), start=1):
                try:
                    found[json.loads(line)[key]] += 1
                except (ValueError, KeyError) as exc:
                    problems.append(f"{path}:{number}: {exc}")
    return found, problems


def throughput(args: argparse.Namespace) -> list[dict]:
    figures = []
    for mode in args.modes:
        with tempfile.TemporaryDirectory(prefix="yuchi-bench-collector-") as tmp:
            home, port = Path(tmp), free_port()
            server = start_collector(home, port)
            out = home / "client.json"
            cpu_before = cpu_seconds(server.pid)
            client_process = run_client(port, mode, args.seconds, args.concurrency, args.batch_size, out)
            client_process.wait()
            server_cpu = cpu_seconds(server.pid) - cpu_before
            server.send_signal(signal.SIGTERM)
            server.wait(30)
            result = json.loads(out.read_text())
            found, problems = landed_ids(home / "landing")
            accepted = result["accepted_events"]
            figures.append(
                {
                    "mode": mode,
                    "concurrency": args.concurrency,
                    "seconds": round(result["seconds"], 2),
                    "accepted_events_per_s": round(len(accepted) / result["seconds"]),
                    "accepted_requests_per_s": round(result["accepted_requests"] / result["seconds"]),
                    "server_cpu_seconds": round(server_cpu, 2),
                    # Contention-independent capacity: what one core fully given to the collector would accept.
                    "events_per_server_cpu_second": round(len(accepted) / max(server_cpu, 1e-9)),
                    "p50_ms": round(result["p50_ms"], 1),
                    "p99_ms": round(result["p99_ms"], 1),
                    "statuses": result["statuses"],
                    "accepted_not_found": sum(1 for a in accepted if found[a] == 0),
                    "problems": problems[:5],
                }
            )
            print(json.dumps(figures[-1]), flush=True)
    return figures


def sigkill(args: argparse.Namespace) -> dict:
    with tempfile.TemporaryDirectory(prefix="yuchi-bench-collector-kill-") as tmp:
        home = Path(tmp)
        accepted: list[str] = []
        statuses: Counter = Counter()
        for cycle in range(args.kills):
            port = free_port()
            server = start_collector(home, port)
            out = home / f"client-{cycle}.json"
            client_process = run_client(
                port,
                "mixed",
                args.kill_after + 1.0,
                args.concurrency,
                args.batch_size,
                out,
                cycle * 10_000_000,
            )
            time.sleep(args.kill_after)
            server.send_signal(signal.SIGKILL)
            server.wait(30)
            client_process.wait()
            result = json.loads(out.read_text())
            accepted += result["accepted_events"]
            statuses.update(result["statuses"])
        # A last start recovers what the last kill left open; a clean stop closes it under its final name.
        server = start_collector(home, free_port())
        server.send_signal(signal.SIGTERM)
        server.wait(30)
        found, problems = landed_ids(home / "landing")
        figures = {
            "mode": "sigkill",
            "kills": args.kills,
            "accepted": len(accepted),
            "distinct_accepted": len(set(accepted)),
            "found_of_accepted": sum(1 for a in set(accepted) if found[a] >= 1),
            "lost": sum(1 for a in set(accepted) if found[a] == 0),
            "landed_more_than_once": sum(1 for a in set(accepted) if found[a] > 1),
            "landed_not_acknowledged": sum(1 for key in found if key not in set(accepted)),
            "statuses": dict(statuses),
            "problems": problems[:5],
        }
        print(json.dumps(figures), flush=True)
        return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=20)
    parser.add_argument("--modes", nargs="*", default=["track", "mixed", "batch"])
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--kill-after", type=float, default=3.0)
    parser.add_argument("--client", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--first", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        sys.path.insert(0, str(REPO))
        client(
            args.port,
            args.client,
            args.seconds,
            args.concurrency,
            args.batch_size,
            Path(args.out),
            args.first,
        )
        return
    print(json.dumps({"cpus": os.cpu_count(), "load_average_before": os.getloadavg()}), flush=True)
    figures = throughput(args)
    kill = sigkill(args)
    target_met = all(f["accepted_events_per_s"] >= 2000 for f in figures) and kill["lost"] == 0
    print(json.dumps({"target": ">= 2000 accepted events/s in every mode, 0 lost", "met": target_met}))


if __name__ == "__main__":
    main()
