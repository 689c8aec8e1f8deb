"""A real collector process on a free loopback port with its own YUCHI_HOME, and a plain HTTP client for it."""

from __future__ import annotations

import base64
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.collector.landing_reader import closed_files, json_lines, wechat_documents

REPO = Path(__file__).resolve().parents[2]
APP_ID, TOKEN = "wxtest0001", "test-token"
SAFE_APP_ID, SAFE_TOKEN = "wx2c2769f8efd9abc2", "spamtest"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
SOURCE = "jinshuju"
OLD_SECRET, NEW_SECRET = b"old-secret-for-yuchi-tests-0001", b"new-secret-for-yuchi-tests-0002"
WRITE_KEY = "test-write-key"


def whsec(key: bytes) -> str:
    return "whsec_" + base64.b64encode(key).decode()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RunningCollector:
    """`python -m connectors.collector` as a child process; start, stop (SIGTERM) or kill (SIGKILL) it."""

    def __init__(self, home: Path, extra_env: dict[str, str] | None = None) -> None:
        self.home = home
        self.landing = home / "landing"
        self.env = {
            **os.environ,
            "YUCHI_HOME": str(home),
            f"YUCHI_WECHAT_TOKEN_{APP_ID.upper()}": TOKEN,
            "YUCHI_WECHAT_APPS": f'{{"{SAFE_APP_ID}": {{"token": "{SAFE_TOKEN}", "encoding_aes_key": "{AES_KEY}"}}}}',
            f"YUCHI_WEBHOOK_SECRET_{SOURCE.upper()}": f"{whsec(NEW_SECRET)} {whsec(OLD_SECRET)}",
            "YUCHI_TRACKING_WRITE_KEYS": f"other-key,{WRITE_KEY}",
            **(extra_env or {}),
        }
        self.process: subprocess.Popen | None = None
        self.port = 0

    def start(self) -> RunningCollector:
        self.port = free_port()
        self.env["YUCHI_COLLECTOR_PORT"] = str(self.port)
        self.home.mkdir(parents=True, exist_ok=True)
        log = (self.home / "collector.log").open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "connectors.collector"], cwd=REPO, env=self.env, stderr=log
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"collector exited with {self.process.returncode}:\n{self.log()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"collector did not listen within 30 s:\n{self.log()}")

    def log(self) -> str:
        path = self.home / "collector.log"
        return path.read_text() if path.exists() else ""

    def stop(self) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(30)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(30)

    def records_after_restart(self, channel: str, name_contains: str = "") -> list:
        """Stops the collector (closing its files), reads the channel's closed files, and starts it again."""
        self.stop()
        try:
            read = wechat_documents if channel == "wechat" else json_lines
            return [
                r for p in closed_files(self.landing, channel) if name_contains in p.name for r in read(p)
            ]
        finally:
            self.start()

    def request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()


@pytest.fixture
def start_collector(tmp_path: Path) -> Iterator:
    """Gives a function that starts a collector on tmp_path (or a given home); all are stopped afterwards."""
    started: list[RunningCollector] = []

    def start(home: Path | None = None, env: dict[str, str] | None = None) -> RunningCollector:
        collector = RunningCollector(home or tmp_path / "home", env).start()
        started.append(collector)
        return collector

    yield start
    for collector in started:
        if collector.process is not None and collector.process.poll() is None:
            collector.kill()


@pytest.fixture(scope="module")
def collector(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningCollector]:
    """One collector shared by a module's tests (each test uses its own ids)."""
    running = RunningCollector(tmp_path_factory.mktemp("collector-home")).start()
    yield running
    if running.process is not None and running.process.poll() is None:
        running.stop()
