"""Runs the collector under uvicorn (uvloop + httptools): `make collector` or `python -m connectors.collector`."""

from __future__ import annotations

import argparse
import logging
import signal
import sys

import uvicorn

from connectors.collector import structured_logging
from connectors.collector.app import Collector
from connectors.collector.config import ConfigError, load_config
from connectors.collector.credentials import Credentials

log = logging.getLogger("yuchi.collector")


def main(argv: list[str] | None = None) -> None:
    """Starts the collector with settings from the environment; --host/--port override them."""
    parser = argparse.ArgumentParser(
        description="Yuchi collector: lands WeChat pushes, form webhooks, tracking"
    )
    parser.add_argument("--host", help="address to listen on (YUCHI_COLLECTOR_HOST, default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port to listen on (YUCHI_COLLECTOR_PORT, default 8710)")
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    structured_logging.configure(args.log_level.upper())
    try:
        config = load_config()
        credentials = Credentials()
    except ConfigError as exc:
        log.error("configuration error", extra={"fields": {"error": str(exc)}})
        sys.exit(2)
    server = uvicorn.Server(
        uvicorn.Config(
            Collector(config, credentials),
            host=args.host or config.host,
            port=args.port or config.port,
            loop="uvloop",
            http="httptools",
            lifespan="on",
            access_log=False,
            log_config=None,
            backlog=2048,
            timeout_graceful_shutdown=10,
            server_header=False,
        )
    )
    # uvicorn shuts down gracefully on SIGINT/SIGTERM, then raises the signal again for the handler that was in
    # place before it: make that a no-op, so a graceful stop exits 0 instead of dying by the signal.
    for stop_signal in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop_signal, lambda *_: None)
    server.run()
    if not server.started:
        sys.exit(1)
