"""The one DbtProject shared by the dbt assets and the dbt CLI resource.

Its manifest is made by a prepare step (`make prepare`, which runs `dagster-dbt project prepare-and-package`),
or by `dagster dev` through prepare_if_dev(); nothing runs dbt at import time.
"""

import functools
import json
import sys
from pathlib import Path
from typing import Any

from dagster_dbt import DbtProject

DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
dbt_project.prepare_if_dev()


@functools.cache
def project_manifest() -> dict[str, Any]:
    """The parsed manifest, read once per process: the dbt assets, their translator and the segments share it."""
    return json.loads(dbt_project.manifest_path.read_text())


def dbt_executable() -> str:
    """Gives the dbt installed beside this Python (the venv's), so runs work without the venv on PATH."""
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else "dbt"


def is_dbt_beside_python(executable: str) -> bool:
    """Whether `executable` is the dbt of this Python's environment (its version is the one importable here)."""
    return Path(executable).parent == Path(sys.executable).parent
