"""Runs the identity part of the pipeline on a Yuchi home without Dagster: load landing files into raw.*,
then `dbt build` a selection (seeds and models, no data tests). Used by the identity benchmarks and tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from connectors.sources import ALL_ENTITIES
from connectors.sources.loader import load_entity

REPO = Path(__file__).resolve().parents[2]
DBT_DIR = REPO / "dbt_project"
IDENTITY_MODELS = "+contact_identifiers +contact_merges +int_records_resolved"


def load_landing(home: Path) -> None:
    """Loads every landing file under home/landing into home/warehouse.duckdb (raw.* and quarantine.*)."""
    with duckdb.connect(str(home / "warehouse.duckdb")) as conn:
        for entity in ALL_ENTITIES:
            load_entity(conn, entity, home / "landing")


def run_dbt(
    home: Path, select: str, variables: dict | None = None, target: str = "duckdb", env: dict | None = None
) -> float:
    """Builds the selection with its seeds (no data tests) against home's warehouse, or the postgres target;
    gives the seconds dbt spent executing nodes; fails with dbt's output."""
    environment = os.environ | {"YUCHI_HOME": str(home), "YUCHI_DBT_TARGET": target} | (env or {})
    environment.pop("YUCHI_WAREHOUSE", None)
    target_path = home / f"dbt_target_{target}"
    command = [
        str(Path(sys.executable).parent / "dbt"), "build", "--exclude-resource-type", "test",
        "--exclude-resource-type", "unit_test", "--profiles-dir", str(DBT_DIR), "--project-dir", str(DBT_DIR),
        "--target-path", str(target_path), "--select", select, "--vars", json.dumps(variables or {}),
    ]  # fmt: skip
    completed = subprocess.run(command, env=environment, capture_output=True, text=True)
    if completed.returncode != 0:
        raise RuntimeError(f"dbt build failed:\n{completed.stdout[-6000:]}\n{completed.stderr[-3000:]}")
    results = json.loads((target_path / "run_results.json").read_text())
    return sum(r["execution_time"] for r in results["results"])


def timed(function, *args, **kwargs) -> tuple[float, object]:
    """Gives (seconds, result) of one call."""
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - started, result


def report(name: str, figures: dict) -> dict:
    """Prints the figures of a benchmark and keeps them in $YUCHI_HOME/reports/bench/identity_<name>.json."""
    from connectors.settings import resolve_paths

    text = json.dumps(figures, indent=2, ensure_ascii=False, default=str)
    print(text)
    folder = resolve_paths().reports / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"identity_{name}.json").write_text(text + "\n", encoding="utf-8")
    return figures
