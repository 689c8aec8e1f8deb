"""Benchmark of lead scoring on the demo generator's data: `make bench-scoring`.

1. Generates a funnel of --people (default 200,000) and builds the marts with the real pipeline (ingest and dbt
   through Dagster), cached under $YUCHI_HOME/bench/scoring-<people> so reruns skip it.
2. Builds the out-of-time split (ml.training.plan_split) and trains exactly as the asset does, timing it.
3. Compares on the holdout: the model, the logistic baseline, the rule score as it stood at the holdout cutoff
   (dbt build with var scoring_as_of on a copy of the warehouse) and the generator's true propensity (ground
   truth, read only here), plus ECE and the MQL threshold's selectivity.
4. Scores --score-rows (default 1,000,000) feature rows (the scoring snapshot resampled) with reasons, timed.

Writes $YUCHI_HOME/reports/bench_scoring.json and prints the figures.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import time
from datetime import timedelta
from pathlib import Path

import dagster as dg
import duckdb
import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

import ml  # noqa: F401  (sets OpenMP's wait policy before scikit-learn loads)
from connectors.demo.generator import DemoConfig, generate
from connectors.settings import resolve_paths
from ml.evaluation import evaluate
from ml.explanations import fit_explainer
from ml.features import DEFAULT_FEATURES
from ml.registry import ModelBundle
from ml.retraining import build_frames
from ml.scoring import score
from ml.snapshots import LABEL, data_end, snapshot
from ml.training import plan_split, train
from orchestration.transform.project import DBT_PROJECT_DIR, dbt_executable


def source_fingerprint() -> str:
    """Gives a hash of the code that shapes the marts (generator, connectors, dbt project, orchestration): a
    cached warehouse built by other code is rebuilt, not silently reused."""
    root = Path(__file__).resolve().parents[2]
    digest = hashlib.sha256()
    for folder in (
        "connectors",
        "dbt_project/models",
        "dbt_project/macros",
        "dbt_project/seeds",
        "orchestration",
    ):
        for file in sorted((root / folder).rglob("*")):
            if file.is_file() and file.suffix in {".py", ".sql", ".csv", ".yml", ".yaml"}:
                digest.update(str(file.relative_to(root)).encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()[:16]


def build_marts(home: Path, people: int, seed: int) -> dict:
    """Generates the funnel and materializes everything upstream of the model; cached by config and code."""
    stamp = home / "bench_config.json"
    config = {"people": people, "seed": seed, "code": source_fingerprint()}
    if stamp.exists() and json.loads(stamp.read_text()) == config and (home / "warehouse.duckdb").exists():
        return {"generated_seconds": None, "pipeline_seconds": None, "cached": True}
    shutil.rmtree(home, ignore_errors=True)
    started = time.perf_counter()
    generate(DemoConfig(people=people, seed=seed), home)
    generated = time.perf_counter() - started
    from orchestration.definitions import defs
    from orchestration.transform.assets import yuchi_dbt_models

    model = dg.AssetKey(["ml", "lead_propensity_model"])
    os.environ["YUCHI_HOME"] = str(home)
    os.environ.pop("YUCHI_WAREHOUSE", None)
    started = time.perf_counter()
    result = dg.materialize(
        list(defs.assets or []),
        # every dbt model (a partial dbt build would run tests on tables it did not build) and what feeds them
        selection=(dg.AssetSelection.keys(model).upstream() - dg.AssetSelection.keys(model))
        | dg.AssetSelection.assets(yuchi_dbt_models).upstream(),
        resources=defs.resources,
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    if not result.success:
        raise SystemExit("building the marts failed: see the Dagster output above")
    stamp.write_text(json.dumps(config))
    return {
        "generated_seconds": round(generated, 1),
        "pipeline_seconds": round(time.perf_counter() - started, 1),
        "cached": False,
    }


def rule_scores_as_of(home: Path, cutoff) -> pd.DataFrame:
    """Gives lead_scores as they stood at `cutoff`: dbt builds the scoring models with var scoring_as_of on a
    copy of the warehouse (the bench's own stays as it is)."""
    copy = home / "as_of" / "warehouse.duckdb"
    copy.parent.mkdir(exist_ok=True)
    shutil.copy(home / "warehouse.duckdb", copy)
    env = os.environ | {"YUCHI_WAREHOUSE": str(copy), "YUCHI_HOME": str(home)}
    command = [
        dbt_executable(), "run", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
        "--target-path", str(home / "as_of" / "target"), "--log-path", str(home / "as_of" / "logs"),
        "--select", "lead_score_points", "lead_stage_history", "lead_scores",
        "--vars", json.dumps({"scoring_as_of": cutoff.isoformat(sep=" ")}),
    ]  # fmt: skip
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    with duckdb.connect(str(copy), read_only=True) as conn:
        frame = conn.execute(
            "select contact_id, cast(total_score as double) total_score, is_mql from marts.lead_scores"
        ).df()
    frame.attrs["seconds"] = round(time.perf_counter() - started, 1)
    return frame


def true_propensity(conn: duckdb.DuckDBPyConnection, truth: Path) -> pd.Series:
    """Gives each contact's generator propensity: that of the person owning most of its identifiers."""
    frame = conn.execute(
        f"""
        with owners as (
            select i.contact_id, t.person_id, count(*) as n
            from marts.contact_identifiers i
            join read_csv('{truth / "identifiers.csv"}', all_varchar = true) t
                on i.id_type = t.id_type and i.id_value = t.id_value
            group by all
        ),
        ranked as (
            select *, row_number() over (partition by contact_id order by n desc, person_id) as rank from owners
        )
        select ranked.contact_id, cast(p.propensity as double) as propensity
        from ranked join read_csv('{truth / "people.csv"}', all_varchar = true) p using (person_id)
        where rank = 1
        """
    ).df()
    return frame.set_index("contact_id")["propensity"]


def auc_on(holdout: pd.DataFrame, values: pd.Series) -> float:
    aligned = values.reindex(holdout["contact_id"]).to_numpy(dtype=float)
    filled = np.where(np.isnan(aligned), np.nanmedian(aligned), aligned)
    return float(roc_auc_score(holdout[LABEL].to_numpy(), filled))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="bench-scoring", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--score-rows", type=int, default=1_000_000)
    parser.add_argument("--horizon-days", type=int, default=30)
    args = parser.parse_args(argv)
    paths = resolve_paths()
    home = paths.home / "bench" / f"scoring-{args.people}"
    figures: dict = {"people": args.people, "build": build_marts(home, args.people, args.seed)}

    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as conn:
        end = data_end(conn)
        split = plan_split(end, args.horizon_days)
        started = time.perf_counter()
        train_frame, holdout = build_frames(conn, split, DEFAULT_FEATURES)
        figures["snapshot_seconds"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        now = snapshot(conn, end + timedelta(microseconds=1), DEFAULT_FEATURES)
        figures["scoring_snapshot_seconds"] = round(time.perf_counter() - started, 1)
        propensity = true_propensity(conn, home / "ground_truth")
        contacts = conn.execute("select count(*) from marts.dim_contacts").fetchone()[0]

    started = time.perf_counter()
    models = train(train_frame, holdout, DEFAULT_FEATURES, split=split.describe())
    train_seconds = time.perf_counter() - started
    best = models[0]
    started = time.perf_counter()
    explainer = fit_explainer(best.pipeline, train_frame, best.features)
    explain_seconds = time.perf_counter() - started
    figures["training"] = {
        "rows": len(train_frame),
        "contacts": int(train_frame["contact_id"].nunique()),
        "positives": int(train_frame[LABEL].sum()),
        "features_in_catalogue": len(DEFAULT_FEATURES.columns),
        "features_used": len(best.features.columns),
        "features_constant_left_out": best.constant_features,
        "fit_sample": {m.name: m.sampling for m in models},
        "seconds_both_models": round(train_seconds, 1),
        "seconds_explainer": round(explain_seconds, 1),
        "seconds_total": round(train_seconds + explain_seconds, 1),
        "split": split.describe(),
    }

    rules = rule_scores_as_of(home, split.holdout_cutoff).set_index("contact_id")
    rule_auc = auc_on(holdout, rules["total_score"])
    ceiling = auc_on(holdout, propensity)
    mql = rules["is_mql"].reindex(holdout["contact_id"]).fillna(False).to_numpy(dtype=bool)
    y = holdout[LABEL].to_numpy()
    figures["holdout"] = {
        "contacts": len(holdout),
        "positives": int(y.sum()),
        **{m.name: m.metrics for m in models},
        "rule_score_roc_auc": rule_auc,
        "true_propensity_roc_auc": ceiling,
        "model_minus_rule_auc": best.metrics["roc_auc"] - rule_auc,
        "model_over_ceiling": best.metrics["roc_auc"] / ceiling,
        "rule_scores_dbt_seconds": rules.attrs.get("seconds"),
        "mql_rate": float(mql.mean()),
        "opportunity_rate_mql": float(y[mql].mean()) if mql.any() else None,
        "opportunity_rate_not_mql": float(y[~mql].mean()),
        "true_propensity_metrics": evaluate(
            y, propensity.reindex(holdout["contact_id"]).fillna(propensity.median()).to_numpy()
        ),
    }

    rng = np.random.default_rng(0)
    big = now.iloc[rng.integers(0, len(now), args.score_rows)].reset_index(drop=True)
    big["contact_id"] = [f"bench{i:07d}" for i in range(len(big))]
    bundle = ModelBundle(best.pipeline, best.features, explainer, {"version": "bench"})
    started = time.perf_counter()
    scored = score(bundle, big)
    figures["scoring"] = {
        "rows": len(scored),
        "seconds": round(time.perf_counter() - started, 1),
        "with_reasons": float((scored["top_factors"] != "").mean()),
        "example": scored.nlargest(3, "probability")[["probability", "top_factors"]].to_dict("records"),
        "contacts_in_warehouse": contacts,
        "scoring_snapshot_rows": len(now),
    }
    report = paths.reports / "bench_scoring.json"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(json.dumps(figures, indent=2, default=str, ensure_ascii=False))
    print(json.dumps(figures, indent=2, default=str, ensure_ascii=False))
    print(f"\nwritten to {report}")


if __name__ == "__main__":
    main()
