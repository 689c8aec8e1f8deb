"""Runs a fake vendor in its own process (as a real vendor is), for benchmarks:

    python -m tests.fakes.serve hubspot --rate 190/10 --latency 0.25

Prints the base URL on the first line; GET /_fake/log answers the request log as JSON.
"""

from __future__ import annotations

import argparse
import sys
import threading

from tests.fakes.hubspot import FakeHubSpot
from tests.fakes.server import Request, Response


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("vendor", choices=("hubspot",))
    parser.add_argument("--rate", default="190/10", help="requests/seconds of the rolling rate limit")
    parser.add_argument("--latency", type=float, default=0.0)
    args = parser.parse_args()
    requests, seconds = args.rate.split("/")
    fake = FakeHubSpot(rate_limit=(int(requests), float(seconds)), latency=args.latency)

    def log(request: Request) -> Response:
        return Response(
            200, {"log": fake.log, "contacts": len(fake.contacts), "creations": len(fake.creations)}
        )

    fake.routes.insert(0, ("GET", __import__("re").compile("^/_fake/log$"), log))
    fake.authenticate = lambda request, number: (
        None if request.path == "/_fake/log" else FakeHubSpot.authenticate(fake, request, number)
    )
    fake.start()
    print(fake.url, flush=True)
    threading.Event().wait() if sys.stdin is None else sys.stdin.read()
    fake.stop()


if __name__ == "__main__":
    main()
