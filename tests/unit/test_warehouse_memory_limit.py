"""Every warehouse connection caps DuckDB's memory (YUCHI_DUCKDB_MEMORY_LIMIT) and spills where
YUCHI_DUCKDB_TEMP_DIRECTORY says, as dbt's profile does."""

from __future__ import annotations

from pathlib import Path

import yaml

from connectors.settings import DUCKDB_MEMORY_LIMIT
from orchestration.resources import WarehouseResource

PROFILES = Path(__file__).resolve().parents[2] / "dbt_project" / "profiles.yml"


def _setting(resource: WarehouseResource, read_only: bool, name: str = "memory_limit") -> str:
    with resource.connect(read_only=read_only) as conn:
        return conn.execute("select current_setting(?)", [name]).fetchone()[0]


def _limit(resource: WarehouseResource, read_only: bool) -> str:
    return _setting(resource, read_only)


def test_connections_take_the_limit_from_the_environment(tmp_path, monkeypatch):
    resource = WarehouseResource(home=str(tmp_path))
    monkeypatch.setenv("YUCHI_DUCKDB_MEMORY_LIMIT", "1GB")
    assert _limit(resource, read_only=False) == "953.6 MiB"  # DuckDB counts 1GB as 10^9 bytes
    monkeypatch.setenv("YUCHI_DUCKDB_MEMORY_LIMIT", "2GB")
    assert _limit(resource, read_only=True) == "1.8 GiB"
    monkeypatch.delenv("YUCHI_DUCKDB_MEMORY_LIMIT")
    assert _limit(resource, read_only=True) == "5.5 GiB"  # the default, 6GB


def test_dbt_profile_uses_the_same_variable_and_default():
    setting = yaml.safe_load(PROFILES.read_text())["yuchi"]["outputs"]["duckdb"]["settings"]["memory_limit"]
    assert setting == f"{{{{ env_var('YUCHI_DUCKDB_MEMORY_LIMIT', '{DUCKDB_MEMORY_LIMIT}') }}}}"


def test_connections_spill_beside_the_warehouse_unless_told_where(tmp_path, monkeypatch):
    resource = WarehouseResource(home=str(tmp_path))
    monkeypatch.delenv("YUCHI_DUCKDB_TEMP_DIRECTORY", raising=False)
    monkeypatch.delenv("YUCHI_WAREHOUSE", raising=False)
    assert _setting(resource, False, "temp_directory") == f"{tmp_path / 'warehouse.duckdb'}.tmp"
    spill = tmp_path / "big-disk" / "spill"
    monkeypatch.setenv("YUCHI_DUCKDB_TEMP_DIRECTORY", str(spill))
    assert _setting(resource, False, "temp_directory") == str(spill)
    assert _setting(resource, True, "temp_directory") == str(spill)


def test_a_connection_opens_after_another_of_the_process_spilled(tmp_path, monkeypatch):
    resource = WarehouseResource(home=str(tmp_path))
    spill = tmp_path / "spill"
    monkeypatch.setenv("YUCHI_DUCKDB_TEMP_DIRECTORY", str(spill))
    monkeypatch.setenv("YUCHI_DUCKDB_MEMORY_LIMIT", "200MB")
    with resource.connect() as first:
        first.execute("create table sorted as select md5(range::varchar) as s from range(6000000) order by s")
        assert spill.is_dir()  # DuckDB made it: the sort spilled
        with resource.connect() as second:  # the same database instance, used by the spill: no second SET
            assert second.execute("select count(*) from sorted").fetchone()[0] == 6_000_000


def test_dbt_profile_spills_where_connections_do():
    setting = yaml.safe_load(PROFILES.read_text())["yuchi"]["outputs"]["duckdb"]["config_options"][
        "temp_directory"
    ]
    warehouse = yaml.safe_load(PROFILES.read_text())["yuchi"]["outputs"]["duckdb"]["path"]
    default_warehouse = warehouse.removeprefix("{{ ").removesuffix(" }}")
    assert setting == f"{{{{ env_var('YUCHI_DUCKDB_TEMP_DIRECTORY', {default_warehouse} ~ '.tmp') }}}}"
