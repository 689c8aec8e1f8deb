"""Where Yuchi reads and writes: every path derives from environment variables with working defaults.

Resolved at call time, never at import time, so tests and the Dagster UI can point a run elsewhere.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DUCKDB_MEMORY_LIMIT = "6GB"
"""DuckDB's memory limit on the warehouse unless YUCHI_DUCKDB_MEMORY_LIMIT says otherwise (dbt_project/profiles.yml
reads the same variable): past it DuckDB spills to disk instead of growing, so a run's peak memory stays under
8 GiB whatever the data's size. DuckDB's own default, 80% of the machine's memory, is the whole laptop."""


def duckdb_memory_limit() -> str:
    """The memory limit every warehouse connection sets (e.g. '6GB', '75%')."""
    return os.environ.get("YUCHI_DUCKDB_MEMORY_LIMIT") or DUCKDB_MEMORY_LIMIT


def duckdb_temp_directory(warehouse: Path) -> str:
    """Where DuckDB spills past its memory limit (YUCHI_DUCKDB_TEMP_DIRECTORY; dbt_project/profiles.yml reads the
    same variable). The default is DuckDB's own, `<warehouse file>.tmp` beside the file. A full-refresh at SF10
    spills tens of GB there in its largest queries and the disk must hold them: point it at a larger or faster
    disk when the warehouse's is short."""
    return os.environ.get("YUCHI_DUCKDB_TEMP_DIRECTORY") or f"{warehouse}.tmp"


@dataclass(frozen=True)
class YuchiPaths:
    """The folders and files one Yuchi installation uses."""

    home: Path
    warehouse: Path
    crm_url: str

    @property
    def landing(self) -> Path:
        return self.home / "landing"

    @property
    def ground_truth(self) -> Path:
        return self.home / "ground_truth"

    @property
    def models(self) -> Path:
        return self.home / "models"

    @property
    def reports(self) -> Path:
        return self.home / "reports"


def resolve_paths(home: str | os.PathLike | None = None) -> YuchiPaths:
    """Gives the paths of this installation from YUCHI_HOME, YUCHI_WAREHOUSE and YUCHI_CRM_URL."""
    home_path = Path(home or os.environ.get("YUCHI_HOME") or REPO_ROOT / ".yuchi").resolve()
    warehouse = Path(os.environ.get("YUCHI_WAREHOUSE") or home_path / "warehouse.duckdb").resolve()
    crm_url = os.environ.get("YUCHI_CRM_URL") or f"sqlite:///{home_path / 'crm.db'}"
    return YuchiPaths(home=home_path, warehouse=warehouse, crm_url=crm_url)
