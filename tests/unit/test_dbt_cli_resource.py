"""YuchiDbtCliResource skips `dbt --version` and the dbt adapter and still runs dbt; it overrides private
members of DbtCliResource, so a dagster-dbt release that renames them must fail here, not silently cost time."""

import collections
import functools
import inspect
import json
import subprocess

import dagster_dbt.core.resource as dbt_resource_module
from dagster_dbt import DbtCliResource

from orchestration.definitions import defs
from orchestration.transform.assets import DbtBuildConfig, build_args
from orchestration.transform.cli import YuchiDbtCliResource
from orchestration.transform.project import dbt_executable, dbt_project


def test_the_overridden_members_exist_in_dagster_dbt():
    assert isinstance(inspect.getattr_static(DbtCliResource, "_cli_version"), functools.cached_property)
    assert list(inspect.signature(DbtCliResource._initialize_dbt_core_adapter).parameters) == ["self", "args"]
    source = inspect.getsource(DbtCliResource.cli)
    assert "self._cli_version" in source and "self._initialize_dbt_core_adapter(args)" in source


def test_the_definitions_use_it():
    assert isinstance(defs.resources["dbt"], YuchiDbtCliResource)


def test_version_is_the_one_dbt_prints():
    printed = subprocess.run(
        [dbt_executable(), "--version"], capture_output=True, text=True, check=True
    ).stdout
    version = YuchiDbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable())._cli_version
    assert f"installed: {version}" in printed


def test_dbt_runs_without_a_version_subprocess_or_an_adapter(tmp_path, monkeypatch):
    monkeypatch.setenv("YUCHI_HOME", str(tmp_path))
    monkeypatch.delenv("YUCHI_WAREHOUSE", raising=False)

    def no_subprocess(*args, **kwargs):
        raise AssertionError(f"dagster-dbt started a subprocess: {args}")

    def no_adapter(self, args):
        raise AssertionError("dagster-dbt built a dbt adapter")

    monkeypatch.setattr(dbt_resource_module, "check_output", no_subprocess)
    monkeypatch.setattr(DbtCliResource, "_initialize_dbt_core_adapter", no_adapter)
    resource = YuchiDbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable())
    invocation = resource.cli(
        ["list", "--resource-type", "seed", "--output", "name"], target_path=tmp_path / "t"
    )
    listed = {
        event.raw_event["info"]["msg"]
        for event in invocation.stream_raw_events()
        if event.raw_event["info"]["name"] in ("ListCmdOut", "PrintEvent")
    }
    assert invocation.is_successful()
    assert invocation.adapter is None
    assert "identifier_types" in listed


def test_the_plain_resource_would_have_asked(monkeypatch):
    """The control: DbtCliResource itself does run `dbt --version` (what the override saves)."""
    calls = []
    monkeypatch.setattr(
        dbt_resource_module, "check_output", lambda args, **kw: calls.append(args) or b"1.11.0"
    )
    assert DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable())._cli_version.major == 1
    assert calls and calls[0][1:] == ["--version"]


def _listed_types(tmp_path, config: DbtBuildConfig) -> dict[str, int]:
    """The resource types `dbt list` selects with a run's build arguments (Dagster's selection aside)."""
    resource = YuchiDbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable())
    invocation = resource.cli(
        ["list", *build_args(config)[1:], "--output", "json", "--output-keys", "resource_type"],
        target_path=tmp_path / "t",
    )
    types = [
        json.loads(event.raw_event["info"]["msg"])["resource_type"]
        for event in invocation.stream_raw_events()
        if event.raw_event["info"]["name"] in ("ListCmdOut", "PrintEvent")
    ]
    assert invocation.is_successful()
    return dict(collections.Counter(types))


def test_runs_leave_the_unit_tests_out_unless_asked(tmp_path, monkeypatch):
    monkeypatch.setenv("YUCHI_HOME", str(tmp_path))
    monkeypatch.delenv("YUCHI_WAREHOUSE", raising=False)
    production = _listed_types(tmp_path, DbtBuildConfig())
    asked = _listed_types(tmp_path, DbtBuildConfig(unit_tests=True))
    assert "unit_test" not in production and asked["unit_test"] > 20
    assert {k: v for k, v in asked.items() if k != "unit_test"} == production and production["model"] > 40
