"""Runs the dbt project as a user would (`dbt build` on a target), in a test's own folders, and reads its results."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from orchestration.transform.project import DBT_PROJECT_DIR, dbt_executable


@dataclass(frozen=True)
class DbtRun:
    """One dbt invocation: its exit code, output, and the status of every node from run_results.json."""

    returncode: int
    output: str
    statuses: dict[str, str]

    def failures(self) -> dict[str, str]:
        return {node: status for node, status in self.statuses.items() if status not in ("success", "pass")}

    def count(self, resource_type: str) -> int:
        return sum(1 for node in self.statuses if node.startswith(f"{resource_type}."))


def dbt(command: list[str], target: str, workdir: Path, env: dict[str, str | None] | None = None) -> DbtRun:
    """Runs `dbt <command>` on `target`, parsing into workdir (never the project's own target/ the
    Dagster manifest lives in), with `env` added to the environment (a None value removes a variable)."""
    environment = os.environ | (env or {})
    target_path = workdir / f"target_{target}"
    process = subprocess.run(
        [
            dbt_executable(),
            *command,
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target",
            target,
            "--target-path",
            str(target_path),
            "--log-path",
            str(workdir / f"logs_{target}"),
        ],
        cwd=workdir,
        env={name: value for name, value in environment.items() if value is not None},
        capture_output=True,
        text=True,
    )
    results_path = target_path / "run_results.json"
    statuses = {}
    if results_path.exists():
        statuses = {r["unique_id"]: r["status"] for r in json.loads(results_path.read_text())["results"]}
    return DbtRun(process.returncode, process.stdout + process.stderr, statuses)
