"""The registry of benchmark stages: pipeline stages, floors and peers, in the order they run.

A stage is a function of a `BenchContext` that does one job and gives what it processed:

    @stage("identity", order=30, kind="pipeline", compare_to="scipy_components")
    def identity(ctx: BenchContext) -> StageOutput:
        ...
        return StageOutput(rows=edges, metrics={"components_seconds": 1.2})

The harness times the call (not the process start-up or imports) and samples the peak memory of the stage's
process tree. `in_target` says whether a pipeline stage counts toward the full-refresh target (training
does not). `compare_to` names a floor or peer stage whose seconds the report divides this stage's by.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

Kind = Literal["pipeline", "floor", "peer"]
INFRASTRUCTURE = {"__main__", "registry", "measure", "report", "data", "worker", "harness"}


@dataclass(frozen=True)
class BenchContext:
    """Where a benchmark session's data lives and what it is."""

    home: Path  # the YUCHI_HOME the pipeline runs in (landing/, warehouse.duckdb, models/)
    scratch: Path  # files stages hand to later stages (edge lists, exports)
    scale: str
    people: int
    mode: str = "full"  # "full" refresh, or "incremental" after new data landed
    stages: tuple[str, ...] = ()  # the session's selected stages (the daily run combines the pipeline ones)

    @property
    def warehouse(self) -> Path:
        return self.home / "warehouse.duckdb"


@dataclass
class StageOutput:
    """What a stage processed: rows (for rows/s), and any figures worth reporting."""

    rows: int | None = None
    metrics: dict[str, Any] = field(default_factory=dict)
    skipped: str | None = None  # why the stage could not run here (e.g. the asset does not exist yet)
    # the stage's seconds when it times its own work (a floor's best of two reads), else the whole run's
    seconds: float | None = None


@dataclass(frozen=True)
class Stage:
    name: str
    run: Callable[[BenchContext], StageOutput]
    order: int
    kind: Kind
    in_target: bool
    compare_to: tuple[str, ...]
    modes: tuple[str, ...]
    description: str


STAGES: dict[str, Stage] = {}


def stage(
    name: str,
    *,
    order: int,
    kind: Kind = "pipeline",
    in_target: bool = True,
    compare_to: tuple[str, ...] = (),
    modes: tuple[str, ...] = ("full", "incremental"),
) -> Callable[[Callable[[BenchContext], StageOutput]], Callable[[BenchContext], StageOutput]]:
    """Registers a benchmark stage (see the module docstring)."""

    def register(function: Callable[[BenchContext], StageOutput]) -> Callable[[BenchContext], StageOutput]:
        if name in STAGES:
            raise ValueError(f"benchmark stage {name!r} is registered twice ({STAGES[name].run.__module__})")
        STAGES[name] = Stage(
            name=name,
            run=function,
            order=order,
            kind=kind,
            in_target=in_target and kind == "pipeline",
            compare_to=compare_to,
            modes=modes,
            description=(function.__doc__ or "").strip().splitlines()[0] if function.__doc__ else "",
        )
        return function

    return register


def _declares_stages(path: Path) -> bool:
    files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return any("bench.registry" in f.read_text(encoding="utf-8") for f in files)


def discover() -> dict[str, Stage]:
    """Imports every module of this package that uses this registry (so its stages register; standalone bench
    scripts beside them are left alone); gives the stages in order."""
    package = Path(__file__).parent
    for module in pkgutil.iter_modules([str(package)]):
        path = package / module.name if module.ispkg else package / f"{module.name}.py"
        if module.name not in INFRASTRUCTURE and _declares_stages(path):
            importlib.import_module(f"bench.{module.name}")
    return dict(sorted(STAGES.items(), key=lambda item: (item[1].order, item[0])))
