"""dbt on the DuckDB target keeps working after a query spilled past the memory limit, and spills where
YUCHI_DUCKDB_TEMP_DIRECTORY says.

DuckDB refuses to set temp_directory again, even to the same folder, once it has spilled there; dbt-duckdb
sets every profile `settings` entry on each new cursor, so the folder is a `config_options` entry (set when the
database opens). The second case runs the same models with it moved to `settings` and sees the failure this
guards against, so the first case is known to spill.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import duckdb
import pytest
import yaml

from orchestration.transform.project import DBT_PROJECT_DIR, dbt_executable

ROWS = 6_000_000  # about 300 MB of sort keys: more than the 200MB limit holds

MODELS = {
    "spilled.sql": f"select range as i, md5(range::varchar) as s from range({ROWS}) order by s",
    "after_spill.sql": "select count(*) as n, current_setting('temp_directory') as temp_directory "
    "from {{ ref('spilled') }}",
}


def _project(root: Path, profile: dict) -> tuple[Path, Path]:
    project, profiles = root / "project", root / "profiles"
    (project / "models").mkdir(parents=True)
    profiles.mkdir()
    (project / "dbt_project.yml").write_text(
        "name: spill_check\nversion: '1.0'\nconfig-version: 2\nprofile: yuchi\n"
        "models:\n  spill_check:\n    +materialized: table\n"
    )
    for name, sql in MODELS.items():
        (project / "models" / name).write_text(sql)
    (profiles / "profiles.yml").write_text(yaml.safe_dump(profile))
    return project, profiles


def _build(root: Path, profile: dict, home: Path, spill: Path) -> tuple[int, dict, str]:
    project, profiles = _project(root, profile)
    env = {
        "PATH": str(Path(dbt_executable()).parent) + ":/usr/bin:/bin",
        "HOME": str(root),
        "YUCHI_HOME": str(home),
        "YUCHI_DUCKDB_MEMORY_LIMIT": "200MB",
        "YUCHI_DUCKDB_TEMP_DIRECTORY": str(spill),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    process = subprocess.run(
        [
            dbt_executable(),
            "run",
            "--project-dir",
            str(project),
            "--profiles-dir",
            str(profiles),
            "--target",
            "duckdb",
        ],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
    )
    results = project / "target" / "run_results.json"
    statuses = (
        {r["unique_id"].split(".")[-1]: r["status"] for r in json.loads(results.read_text())["results"]}
        if results.exists()
        else {}
    )
    return process.returncode, statuses, process.stdout + process.stderr


@pytest.fixture
def profile() -> dict:
    return yaml.safe_load((DBT_PROJECT_DIR / "profiles.yml").read_text())


def test_models_after_a_spill_run_and_the_spill_goes_where_configured(tmp_path, profile):
    home, spill = tmp_path / "home", tmp_path / "spill-disk" / "duckdb"
    home.mkdir()
    spill.parent.mkdir()  # DuckDB makes the folder, not its parents
    code, statuses, output = _build(tmp_path / "run", profile, home, spill)
    assert code == 0, output[-3000:]
    assert statuses == {"spilled": "success", "after_spill": "success"}
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as conn:
        n, temp_directory = conn.execute("select n, temp_directory from main.after_spill").fetchone()
    assert (n, temp_directory) == (ROWS, str(spill))


def test_the_same_folder_as_a_per_cursor_setting_fails_after_the_spill(tmp_path, profile):
    duckdb_output = profile["yuchi"]["outputs"]["duckdb"]
    duckdb_output["settings"]["temp_directory"] = duckdb_output.pop("config_options")["temp_directory"]
    home, spill = tmp_path / "home", tmp_path / "spill-disk" / "duckdb"
    home.mkdir()
    spill.parent.mkdir()  # DuckDB makes the folder, not its parents
    code, _, output = _build(tmp_path / "run", profile, home, spill)
    assert code != 0
    # dbt-duckdb stops at the next cursor, before writing run_results.json
    assert "Cannot switch temporary directory after the current one has been used" in output
