"""Benchmark: identity quality on the demo funnel with junk identifiers (default 100,000 people).

Generates the funnel (junk values the blocked_identifiers seed knows, at --junk-rate) plus unlisted junk that
only automatic shared-identifier detection can stop (connectors/demo/scenarios.py), loads it, builds the
identity models and measures pairwise precision, recall, F1 and reachable recall against ground truth
(ml/identity/quality.py). --probabilistic turns the Splink tier on for forms and webinar registrations.

    python -m bench.identity.quality --people 100000 [--probabilistic]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from bench.identity.pipeline import IDENTITY_MODELS, load_landing, report, run_dbt, timed
from connectors.demo import scenarios
from connectors.demo.generator import DemoConfig, generate
from ml.identity.quality import measure_warehouse

PROBABILISTIC_SOURCES = ["web_forms_submissions", "webinars_registrations"]


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--junk-rate", type=float, default=0.03)
    parser.add_argument(
        "--unlisted-junk", type=float, default=0.01, help="share of people typing unlisted junk"
    )
    parser.add_argument("--probabilistic", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        seconds_generate, _ = timed(generate, DemoConfig(people=args.people, junk_rate=args.junk_rate), home)
        scenarios.unlisted_junk(home, share=args.unlisted_junk)
        seconds_load, _ = timed(load_landing, home)
        variables = {"identity_probabilistic_sources": PROBABILISTIC_SOURCES} if args.probabilistic else {}
        seconds_dbt = run_dbt(home, IDENTITY_MODELS, variables)
        quality = measure_warehouse(home / "warehouse.duckdb", home / "ground_truth")
    figures = {
        "people": args.people,
        "junk_rate": args.junk_rate,
        "unlisted_junk_share": args.unlisted_junk,
        "probabilistic_tier": args.probabilistic,
        **quality.as_dict(),
        "seconds_generate": round(seconds_generate, 1),
        "seconds_load": round(seconds_load, 1),
        "seconds_dbt_identity_models": round(seconds_dbt, 1),
    }
    return report("quality" + ("_probabilistic" if args.probabilistic else ""), figures)


if __name__ == "__main__":
    main()
