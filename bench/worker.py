"""Runs one benchmark stage in this (fresh) process and writes what it did as JSON: `python -m bench.worker
<stage> <context.json> <result.json>`. The clock starts after imports, so start-up is not the stage's time."""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from dataclasses import asdict
from pathlib import Path

from bench.registry import BenchContext, StageOutput, discover


def stage_result(output: StageOutput, elapsed: float) -> dict:
    """The stage's record: its own timing when it took one (StageOutput.seconds), else the whole run's."""
    return {**asdict(output), "seconds": elapsed if output.seconds is None else output.seconds}


def main(argv: list[str]) -> None:
    name, context_path, result_path = argv
    raw = json.loads(Path(context_path).read_text())
    ctx = BenchContext(
        **{**raw, "home": Path(raw["home"]), "scratch": Path(raw["scratch"]), "stages": tuple(raw["stages"])}
    )
    os.environ["YUCHI_HOME"] = str(ctx.home)
    os.environ.pop("YUCHI_WAREHOUSE", None)
    stage = discover()[name]
    import orchestration.definitions  # noqa: F401  (imported before the clock starts, as a run worker would)

    started = time.perf_counter()
    try:
        output = stage.run(ctx)
        result = stage_result(output, time.perf_counter() - started)
    except Exception:
        result = {"seconds": time.perf_counter() - started, "error": traceback.format_exc()}
    Path(result_path).write_text(json.dumps(result, default=str))


if __name__ == "__main__":
    main(sys.argv[1:])
