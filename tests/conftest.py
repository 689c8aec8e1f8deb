"""Shared fixtures: a generated demo installation in a temporary YUCHI_HOME."""

from __future__ import annotations

import pytest

from orchestration.transform.project import dbt_project


@pytest.fixture(scope="session", autouse=True)
def dbt_manifest():
    """The dbt manifest the assets are built from; `make test` prepares it, a bare pytest run does it here."""
    if not dbt_project.manifest_path.exists():
        dbt_project.preparer.prepare(dbt_project)
    return dbt_project.manifest_path
