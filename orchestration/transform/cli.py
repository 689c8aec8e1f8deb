"""The dbt CLI resource of the dbt assets, without two start-up costs of dagster-dbt's that these assets don't need.

Before each `dbt build`, DbtCliResource.cli runs `dbt --version` in a subprocess (dbt's imports: about 2 s) and
builds a dbt adapter with every macro of dbt's loaded (about 2 s), only to hand it to the row-count and column
metadata fetchers (`fetch_row_counts()`, `fetch_column_metadata()`). yuchi_dbt_models calls neither (see its
docstring), and the dbt it runs is the one installed beside this Python, whose version is already imported. At
SF10 a daily run has five dbt steps: these were about 20 s of its time (docs/benchmarks.md).

Both overrides are of private members of DbtCliResource (dagster-dbt 0.29, pinned in pyproject.toml);
tests/unit/test_dbt_cli_resource.py fails if a dagster-dbt release renames them.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from dagster_dbt import DbtCliResource
from packaging import version

from orchestration.transform.project import is_dbt_beside_python


class YuchiDbtCliResource(DbtCliResource):
    """DbtCliResource that reads the version of the dbt beside this Python in-process and builds no adapter."""

    @cached_property
    def _cli_version(self) -> version.Version:
        if is_dbt_beside_python(self.dbt_executable):
            from dbt.version import __version__

            return version.parse(__version__)
        return super()._cli_version  # another dbt: ask it

    def _initialize_dbt_core_adapter(self, args: Any) -> None:
        """No adapter: nothing in these assets fetches row counts or columns through one."""
        return None
