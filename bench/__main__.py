"""`python -m bench --scale SF1` (or `make bench SCALE=SF1`): generate data once, run every stage, write a report.

--scale SF1|SF10|SF<n>|<people>   how much data (SF1 = 100,000 people)
--stages a,b,c                     run only these stages (floors and peers included by name)
--incremental 0.01                 after the full refresh, land the next day's data (that fraction of the people)
                                   and run the selected pipeline stages again, in one Dagster run (daily_run)
--incremental-by-stage             run them again stage by stage instead (a process and a Dagster run each)
--reuse-warehouse                  keep the warehouse from the last session instead of a full refresh
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import shutil
import subprocess
import sys
from datetime import UTC, datetime

import psutil

from bench import report
from bench.data import ensure_batch, land, parse_scale, reset_landing
from bench.measure import measure
from bench.registry import BenchContext, discover
from connectors.settings import REPO_ROOT, resolve_paths


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def _reset_warehouse(home) -> None:
    """Removes everything a previous run wrote, keeping the generated landing files: a full refresh."""
    for name in ("warehouse.duckdb", "warehouse.duckdb.wal", "crm.db"):
        (home / name).unlink(missing_ok=True)
    shutil.rmtree(home / "models", ignore_errors=True)


def _parse_dbt_project(home) -> None:
    """Parses the dbt project under the settings the stages run with (YUCHI_HOME=home), as the deploy guide asks
    of the prepare step: dbt's partial parse is void when the profile differs (the warehouse path is in it),
    and each dbt step then parses the whole project again (about 5 s at every stage)."""
    from orchestration.transform.project import DBT_PROJECT_DIR, dbt_executable

    subprocess.run(
        [
            dbt_executable(),
            "parse",
            "--quiet",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            "target",
        ],
        cwd=DBT_PROJECT_DIR,
        env={k: v for k, v in os.environ.items() if k != "YUCHI_WAREHOUSE"} | {"YUCHI_HOME": str(home)},
        check=True,
    )


def _git_commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (subprocess.CalledProcessError, FileNotFoundError):
        return "unknown"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", default="SF1")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--stages", help="comma-separated stage names (default: all)")
    parser.add_argument(
        "--incremental", type=float, default=0.0, help="fraction of new data for an incremental run"
    )
    parser.add_argument("--incremental-by-stage", action="store_true")
    parser.add_argument("--reuse-warehouse", action="store_true")
    args = parser.parse_args(argv)

    label, people = parse_scale(args.scale)
    stages = discover()
    selected = [s for s in stages if not args.stages or s in args.stages.split(",")]
    unknown = set(args.stages.split(",")) - set(stages) if args.stages else set()
    if unknown:
        parser.error(f"unknown stages {sorted(unknown)}; known: {', '.join(stages)}")

    paths = resolve_paths()
    root = paths.home / "bench" / label
    home, scratch = root / "home", root / "scratch"
    log = root / "bench.log"
    print(f"[bench] {label}: {people:,} people under {home}", flush=True)
    data = ensure_batch(home, people, seed=args.seed)
    print(f"[bench] the generated batch holds {data['total_records']:,} records", flush=True)
    if not args.reuse_warehouse:
        _reset_warehouse(home)
        reset_landing(home)
    land(home, "full")
    shutil.rmtree(scratch, ignore_errors=True)
    _parse_dbt_project(home)

    session = {
        "scale": label,
        "people": people,
        "records": data["total_records"],
        "command": "python -m bench " + shlex.join(sys.argv[1:] if argv is None else argv),
        "commit": _git_commit(),
        "machine": {
            "cpus": os.cpu_count(),
            "memory_gib": round(psutil.virtual_memory().total / 1024**3, 1),
            "platform": platform.platform(),
            "load_before": _load(),
        },
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }

    def runs(name: str, mode: str) -> bool:
        if mode not in stages[name].modes:
            return False
        if mode == "incremental" and stages[name].kind == "pipeline":
            # the daily run replaces the pipeline stages it combines, unless asked stage by stage
            return (name == "daily_run") != args.incremental_by_stage
        return True

    def run_all(ctx: BenchContext) -> list:
        results = []
        for name in [*selected, *(["daily_run"] if "daily_run" not in selected else [])]:
            if not runs(name, ctx.mode):
                continue
            print(f"[bench] {ctx.mode}: {name} ...", end=" ", flush=True)
            measured = measure(name, ctx, log)
            status = measured.skipped or ("ERROR" if measured.error else "")
            seconds = f"{measured.seconds:.1f}s" if measured.seconds is not None else ""
            print(f"{seconds} {measured.peak_rss_bytes / 1024**2:,.0f} MiB {status}", flush=True)
            results.append(measured)
        return results

    chosen = tuple(selected)
    full = run_all(BenchContext(home=home, scratch=scratch, scale=label, people=people, stages=chosen))
    incremental = []
    if args.incremental > 0:
        tag = f"incremental-{args.incremental:g}"
        new = ensure_batch(home, max(1, int(people * args.incremental)), seed=args.seed, tag=tag)
        land(home, tag)
        session["incremental_records"] = new["total_records"]
        incremental = run_all(
            BenchContext(
                home=home, scratch=scratch, scale=label, people=people, mode="incremental", stages=chosen
            )
        )

    session["machine"]["load_after"] = _load()
    session["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    json_path, md_path = report.write(paths.reports, session, stages, full, incremental)
    print(md_path.read_text())
    print(f"[bench] report: {md_path} and {json_path}; stage output in {log}")
    if any(m.error for m in full + incremental):
        sys.exit(1)


if __name__ == "__main__":
    main()
