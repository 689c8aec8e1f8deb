"""Runs one sync in its own process, for the crash tests: it can stall right after the destination answered
and before the ledger write, so the test can SIGKILL it exactly there.

    python -m tests.activation.sync_child <warehouse> <hubspot|webhook> <url> <secret> [--stall-after-ack BATCH]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import duckdb

from connectors.destinations.hubspot import HubSpotConfig, HubSpotContacts
from connectors.destinations.sync.model import Mode
from connectors.destinations.sync.pacing import RetryPolicy
from connectors.destinations.sync.runner import SyncRequest, run_sync
from connectors.destinations.webhook import SignedWebhook, WebhookConfig


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("warehouse")
    parser.add_argument("kind", choices=("hubspot", "webhook"))
    parser.add_argument("url")
    parser.add_argument("secret")
    parser.add_argument("--run-id", default="child")
    parser.add_argument(
        "--stall-after-ack", type=int, default=0, help="stall after this many acknowledged batches"
    )
    parser.add_argument("--marker", default="")
    args = parser.parse_args()
    if args.kind == "hubspot":
        config = HubSpotConfig(args.secret, args.url, max_in_flight=1, timeout=5.0)
        destination, mode = HubSpotContacts(config, mode=Mode.UPSERT), Mode.UPSERT
        destination.batch_size = 20
    else:
        destination, mode = SignedWebhook(WebhookConfig(args.url, args.secret, max_in_flight=1)), Mode.UPSERT
        destination.batch_size = 5
    acknowledged = []

    def observer(event, data):
        if event == "acknowledged":
            acknowledged.append(data["batch"])
            if args.stall_after_ack and len(acknowledged) == args.stall_after_ack:
                Path(args.marker).write_text(json.dumps({"batch": data["batch"]}))
                time.sleep(3600)  # the parent SIGKILLs us here: answer received, ledger not written

    conn = duckdb.connect(args.warehouse)
    request = SyncRequest(
        f"segment_test:{args.kind}", "test", "segments.segment_test", mode, destination, args.run_id
    )
    report = run_sync(conn, request, observer=observer, policy=RetryPolicy(backoff_base=0.05))
    conn.close()
    print(json.dumps({"figures": report.figures(), "reconciled": report.reconciled}))


if __name__ == "__main__":
    main()
