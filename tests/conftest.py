"""Test session setup: the dbt manifest the Dagster definitions are built from."""

from __future__ import annotations

import subprocess

from orchestration.transform.project import DBT_PROJECT_DIR, dbt_executable, dbt_project


def pytest_sessionstart(session):
    """`make test` prepares the manifest; a bare pytest run makes it here, before any test module imports the
    definitions (which read it at import time)."""
    if not dbt_project.manifest_path.exists():
        subprocess.run(
            [dbt_executable(), "parse", "--quiet", "--project-dir", str(DBT_PROJECT_DIR)],
            cwd=DBT_PROJECT_DIR,
            check=True,
        )
