"""Sync benchmarks against the fake HubSpot on loopback (make bench-sync).

    python -m bench.sync_benchmarks faults      10,000 records under 30% injected 429/500: delivered, duplicates,
                                                waits against Retry-After
    python -m bench.sync_benchmarks diff        100,000 contacts synced, 1% changed: records sent by the diff sync
    python -m bench.sync_benchmarks throughput  destination rate limit as the bottleneck: throughput vs the limit
    python -m bench.sync_benchmarks optouts     email with opt-outs before and during the send: messages to them
    python -m bench.sync_benchmarks all

Each prints one JSON line of figures. The machine is shared: note what else was running.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from connectors.destinations.hubspot import HubSpotConfig, HubSpotContacts
from connectors.destinations.sync.model import Mode
from connectors.destinations.sync.pacing import RetryPolicy
from connectors.destinations.sync.runner import SyncRequest, run_sync
from tests.activation import warehouse
from tests.fakes.hubspot import FakeHubSpot
from tests.fakes.server import Faults


def _sync(conn, fake: FakeHubSpot, run_id: str, observer=None, **config) -> dict:
    return _sync_url(conn, fake.url, fake.token, run_id, observer, **config)


def _sync_url(conn, url: str, token: str, run_id: str, observer=None, **config) -> dict:
    settings = {"access_token": token, "base_url": url, "timeout": 10.0} | config
    destination = HubSpotContacts(HubSpotConfig(**settings), mode=Mode.UPSERT)
    request = SyncRequest("bench:hubspot", "bench", "segments.segment_test", Mode.UPSERT, destination, run_id)
    started = time.perf_counter()
    report = run_sync(conn, request, observer=observer, policy=RetryPolicy(max_attempts=10, backoff_base=0.2))
    destination.close()
    return report.figures() | {"seconds": round(time.perf_counter() - started, 2)}


def faults(records: int = 10_000, rate: float = 0.3, retry_after: float = 1.0) -> dict:
    """10,000 records, 30% of requests answered 429 (Retry-After) or 500 (some after processing)."""
    with tempfile.TemporaryDirectory() as folder:
        conn = warehouse.build(Path(folder) / "w.duckdb", records)
        plan = Faults(rate=rate, kinds=("429", "500", "500_after"), retry_after=retry_after, seed=11)
        events: list[tuple[str, dict]] = []
        with FakeHubSpot(faults=plan, rate_limit=(190, 10.0)) as fake:
            figures = _sync(conn, fake, "faults", observer=lambda e, d: events.append((e, dict(d))))
            delivered = fake.by_email()
            creations = list(fake.creations)
            injected = {k: sum(1 for e in fake.log if e["fault"] == k) for k in ("429", "500", "500_after")}
            requests = len(fake.log)
        conn.close()
    limited = [(d["batch"], d["at"], d["retry_after"]) for e, d in events if e == "rate_limited"]
    starts = [(d["batch"], d["at"]) for e, d in events if e == "request"]
    # every wait: from a 429's arrival to the next request of any worker, and to the retry of that batch
    shortest_any, shortest_retry = float("inf"), float("inf")
    for batch, at, wait in limited:
        later = [t for _, t in starts if t > at]
        retry = [t for b, t in starts if b == batch and t > at]
        if later:
            shortest_any = min(shortest_any, min(later) - at - wait)
        if retry:
            shortest_retry = min(shortest_retry, min(retry) - at - wait)
    return {
        "benchmark": "10k records under 30% injected 429/500",
        "records": records,
        "requests": requests,
        "injected": injected,
        "delivered_pct": round(100 * len(delivered) / records, 3),
        "duplicates": len(creations) - len(set(creations)),
        "rate_limited_answers": len(limited),
        "every_wait_at_least_retry_after": shortest_any >= -1e-3 and shortest_retry >= -1e-3,
        "smallest_margin_over_retry_after_s": round(min(shortest_any, shortest_retry), 4)
        if limited
        else None,
        "sync": figures,
    }


def diff(contacts: int = 100_000, changed_pct: float = 1.0) -> dict:
    """A full sync of 100,000 contacts, then 1% of them change: how many records the diff sync sends."""
    with tempfile.TemporaryDirectory() as folder:
        conn = warehouse.build(Path(folder) / "w.duckdb", contacts)
        with FakeHubSpot(rate_limit=(100_000, 10.0)) as fake:
            initial = _sync(conn, fake, "initial", max_in_flight=8)
            step = int(100 / changed_pct)
            warehouse.touch_scores(conn, range(0, contacts, step))
            upserts_before = sum(1 for e in fake.log if e["path"].endswith("batch/upsert"))
            second = _sync(conn, fake, "diff", max_in_flight=8)
            upserts = sum(1 for e in fake.log if e["path"].endswith("batch/upsert")) - upserts_before
            records_received = sum(
                1 for c in fake.contacts.values() if c["properties"].get("yuchi_score") == "71"
            )
        conn.close()
    return {
        "benchmark": "diff sync of 100k contacts with 1% changed",
        "contacts": contacts,
        "changed": len(range(0, contacts, step)),
        "records_sent_by_diff_sync": second["sent"],
        "upsert_requests": upserts,
        "records_changed_at_destination": records_received,
        "initial_sync_seconds": initial["seconds"],
        "diff_sync_seconds": second["seconds"],
    }


def throughput(
    records: int = 60_000, limit: int = 190, window: float = 10.0, latency: float = 0.25, in_flight: int = 12
) -> dict:
    """The destination's rate limit is the bottleneck (HubSpot: 190 requests per 10 s, each answer 250 ms).

    A rolling limit lets the first window burst; throughput is measured over the full windows after it:
    accepted requests per second there, against the limit.
    """
    # the vendor runs in its own process, as a real one does: it does not share this process's CPU and GIL
    server = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.serve", "hubspot", "--rate", f"{limit}/{window}", "--latency", str(latency)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        url = server.stdout.readline().strip()
        with tempfile.TemporaryDirectory() as folder:
            conn = warehouse.build(Path(folder) / "w.duckdb", records)
            figures = _sync_url(conn, url, FakeHubSpot.token_default, "throughput", max_in_flight=in_flight,
                                requests_per_10s=int(limit * 10 / window))  # fmt: skip
            conn.close()
        log = requests.get(f"{url}/_fake/log", timeout=30).json()["log"]
    finally:
        server.stdin.close()
        server.wait(timeout=30)
    upserts = [e for e in log if e["path"].endswith("batch/upsert")]
    accepted = sorted(e["at"] for e in upserts if e["status"] == 200)
    start = accepted[0] + window
    full_windows = int((accepted[-1] - start) // window)
    steady = [t for t in accepted if start <= t < start + full_windows * window]
    rate = len(steady) / (full_windows * window) if full_windows else float("nan")
    limit_per_second = limit / window
    return {
        "benchmark": "throughput when the destination's rate limit is the bottleneck",
        "records": records,
        "limit_requests_per_s": limit_per_second,
        "answer_latency_s": latency,
        "max_in_flight": in_flight,
        "accepted_requests": len(accepted),
        "refused_429": sum(1 for e in upserts if e["status"] == 429),
        "steady_windows_measured": full_windows,
        "requests_per_s": round(rate, 3),
        "records_per_s": round(rate * 100, 1),
        "pct_of_limit": round(100 * rate / limit_per_second, 1),
        "sync_seconds": figures["seconds"],
        "succeeded": figures["succeeded"],
    }


def optouts(contacts: int = 2_000) -> dict:
    """Email to 2,000 contacts: 5% opted out in the marts, 5% in raw after the segment was built, and 2% (all in
    the last quarter of the list) while the first batches are going out. Counts messages that reached an address
    whose opt-out had landed before its batch was sent (must be 0)."""
    import socket

    from connectors.destinations.smtp_email import SmtpConfig, SmtpEmail
    from tests.fakes.messaging import FakeSmtp

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with tempfile.TemporaryDirectory() as folder:
        conn = warehouse.build(Path(folder) / "w.duckdb", contacts)
        in_marts = set(range(0, contacts, 20))
        in_raw = set(range(1, contacts, 20))
        during = {i for i in range(2, contacts, 50) if i >= contacts * 3 // 4} | {
            i for i in range(contacts * 3 // 4 + 3, contacts, 37)
        }
        listed = ", ".join(f"'c_{i:06d}'" for i in in_marts)
        conn.execute(
            f"update marts.dim_contacts set unsubscribed_email = true where contact_id in ({listed})"
        )
        conn.execute(
            "create table raw.email_events (email_normalized varchar, event_type varchar, occurred_at timestamp)"
        )
        for i in in_raw:
            conn.execute(
                "insert into raw.email_events values (?, 'unsubscribed', now())", [f"person{i}@example.cn"]
            )
        pending = sorted(during)

        def opt_out_while_sending(event, data):
            if event == "recorded" and pending:
                for i in pending[: max(1, len(during) // 10)]:
                    conn.execute(
                        "insert into raw.email_events values (?, 'unsubscribed', now())",
                        [f"person{i}@example.cn"],
                    )
                del pending[: max(1, len(during) // 10)]

        server = FakeSmtp(port=port).start()
        try:
            config = SmtpConfig(host="127.0.0.1", port=port, starttls=False, messages_per_second=None)
            destination = SmtpEmail(config, "webinar_follow_up", "bench")
            destination.batch_size = 20
            request = SyncRequest(
                "bench:email", "bench", "segments.segment_test", Mode.INSERT_ONLY, destination, "optouts"
            )
            started = time.perf_counter()
            report = run_sync(conn, request, observer=opt_out_while_sending)
            seconds = time.perf_counter() - started
            recipients = [m["To"].addresses[0].addr_spec for m in server.messages]
        finally:
            server.stop()
        conn.close()
    opted_out = {f"person{i}@example.cn" for i in in_marts | in_raw | during}
    return {
        "benchmark": "email with opt-outs in the marts, in raw after the build, and during the send",
        "contacts": contacts,
        "opted_out_in_marts": len(in_marts),
        "opted_out_in_raw_after_build": len(in_raw),
        "opted_out_during_send": len(during),
        "messages_sent": len(recipients),
        "messages_to_opted_out": len(opted_out & set(recipients)),
        "suppressed": report.figures()["suppressed"],
        "seconds": round(seconds, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("which", choices=("faults", "diff", "throughput", "optouts", "all"))
    args = parser.parse_args()
    chosen = ("faults", "diff", "throughput", "optouts") if args.which == "all" else (args.which,)
    for name in chosen:
        print(json.dumps(globals()[name](), ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
