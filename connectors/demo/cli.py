"""`yuchi-demo-data`: writes a seeded demo funnel into $YUCHI_HOME/landing (ground truth beside it)."""

from __future__ import annotations

import argparse
import json
import shutil
import time

from connectors.demo.generator import DemoConfig, generate
from connectors.settings import resolve_paths


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="yuchi-demo-data", description=__doc__)
    parser.add_argument(
        "--people", type=int, default=DemoConfig.people, help="how many people (default %(default)s)"
    )
    parser.add_argument("--seed", type=int, default=DemoConfig.seed)
    parser.add_argument("--days", type=int, default=DemoConfig.days)
    parser.add_argument(
        "--junk-rate",
        type=float,
        default=DemoConfig.junk_rate,
        help="share of form submissions carrying a shared junk phone or email",
    )
    parser.add_argument(
        "--invalid-rate",
        type=float,
        default=DemoConfig.invalid_rate,
        help="share of records deliberately broken (they must land in quarantine)",
    )
    parser.add_argument("--home", help="YUCHI_HOME to write into (default: $YUCHI_HOME or .yuchi/)")
    parser.add_argument(
        "--jobs",
        type=int,
        help="parallel parts (default: 1 below 50,000 people, else the CPUs up to 4); same seed and jobs, same data",
    )
    parser.add_argument("--clean", action="store_true", help="remove landing/ and ground_truth/ first")
    args = parser.parse_args(argv)
    paths = resolve_paths(args.home)
    if args.clean:
        for folder in (paths.landing, paths.ground_truth):
            shutil.rmtree(folder, ignore_errors=True)
    config = DemoConfig(
        people=args.people,
        seed=args.seed,
        days=args.days,
        junk_rate=args.junk_rate,
        invalid_rate=args.invalid_rate,
    )
    started = time.perf_counter()
    summary = generate(config, paths.home, jobs=args.jobs)
    print(
        json.dumps(
            summary | {"landing": str(paths.landing), "seconds": round(time.perf_counter() - started, 1)},
            indent=2,
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
