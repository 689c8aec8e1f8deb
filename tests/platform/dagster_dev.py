"""Runs `dagster dev` (webserver + daemon) for a test: loopback, a free port, its own DAGSTER_HOME and YUCHI_HOME.

The instance settings are the ones Yuchi ships (orchestration/dagster.yaml): run queue, pools, freshness. Runs
are launched by the default run launcher, one process per run, exactly as on an operator's machine.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

from connectors.settings import REPO_ROOT

LOCATION_STATUS = """
{ workspaceOrError { ... on Workspace { locationEntries {
    name loadStatus locationOrLoadError { __typename ... on PythonError { message } }
} } } }
"""


@dataclass(frozen=True)
class DagsterDev:
    """A running `dagster dev`: where its webserver answers and where its instance lives."""

    port: int
    dagster_home: Path
    yuchi_home: Path
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def graphql(self, query: str, variables: dict | None = None) -> dict:
        response = requests.post(f"{self.url}/graphql", json={"query": query, "variables": variables or {}})
        response.raise_for_status()
        body = response.json()
        assert "errors" not in body, body["errors"]
        return body["data"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_loaded(server: DagsterDev, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"dagster dev exited with {process.returncode}:\n{server.log.read_text()[-4000:]}"
            )
        try:
            entries = server.graphql(LOCATION_STATUS)["workspaceOrError"]["locationEntries"]
        except (requests.ConnectionError, requests.HTTPError):
            entries = []
        if entries and all(e["loadStatus"] == "LOADED" for e in entries):
            errors = [
                e["locationOrLoadError"] for e in entries if "message" in (e["locationOrLoadError"] or {})
            ]
            if errors:
                raise RuntimeError(f"the code location failed to load: {errors}")
            return
        time.sleep(1)
    raise TimeoutError(
        f"dagster dev did not load the code location in {timeout:.0f}s:\n{server.log.read_text()[-4000:]}"
    )


@contextmanager
def dagster_dev(workdir: Path, yuchi_home: Path, timeout: float = 300) -> Iterator[DagsterDev]:
    """Starts `dagster dev -w workspace.yaml` and gives it once the code location is loaded; stops it after."""
    dagster_home = workdir / "dagster_home"
    dagster_home.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO_ROOT / "orchestration" / "dagster.yaml", dagster_home / "dagster.yaml")
    server = DagsterDev(free_port(), dagster_home, yuchi_home, workdir / "dagster_dev.log")
    venv_bin = str(Path(sys.executable).parent)
    env = os.environ | {
        "DAGSTER_HOME": str(dagster_home),
        "YUCHI_HOME": str(yuchi_home),
        "PATH": f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}",  # as `make ui`: dbt beside dagster
    }
    env.pop("YUCHI_WAREHOUSE", None)
    with server.log.open("w") as log:
        process = subprocess.Popen(
            [f"{venv_bin}/dagster", "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(server.port)],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_until_loaded(server, process, timeout)
        yield server
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
