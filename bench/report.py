"""The benchmark report: JSON (every figure) and Markdown (for people) under $YUCHI_HOME/reports."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.measure import Measurement
from bench.registry import Stage

GIB = 1024**3
TARGETS = {  # issue 7, at SF10 on a 2-core machine
    "full_refresh_seconds": 300,
    "full_refresh_peak_rss_bytes": 8 * GIB,
    "full_refresh_vs_scan_floor": 8.0,
    "incremental_vs_full": 0.15,
    "stitching_vs_scipy": 5.0,
}
STITCHING_MODEL = "intermediate/int_identity_components"


def _by_name(measurements: list[Measurement]) -> dict[str, Measurement]:
    return {m.stage: m for m in measurements}


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return round(numerator / denominator, 2)


def _pipeline_total(stages: dict[str, Stage], measurements: list[Measurement]) -> dict[str, Any]:
    counted = [m for m in measurements if m.stage in stages and stages[m.stage].in_target and m.seconds]
    return {
        "stages": [m.stage for m in counted],
        "seconds": round(sum(m.seconds for m in counted), 2),
        "process_seconds": round(sum(m.process_seconds for m in counted), 2),
        "peak_rss_bytes": max((m.peak_rss_bytes for m in counted), default=0),
        "complete": all(
            not (m.error or m.skipped)
            for m in measurements
            if m.stage in stages and stages[m.stage].in_target
        ),
    }


def summarize(stages: dict[str, Stage], full: list[Measurement], incremental: list[Measurement]) -> dict:
    """Gives the headline figures: full refresh, incremental, and the ratios the targets are stated in."""
    by = _by_name(full)
    total = _pipeline_total(stages, full)
    summary: dict[str, Any] = {"full_refresh": total}
    floor = by.get("scan_floor_landing")
    summary["full_refresh_vs_scan_floor"] = _ratio(total["seconds"], floor.seconds if floor else None)
    marts_floor = by.get("scan_floor_marts")
    summary["full_refresh_vs_marts_scan_floor"] = _ratio(
        total["seconds"], marts_floor.seconds if marts_floor else None
    )
    identity = by.get("identity")
    stitching = None
    if identity and identity.metrics.get("dbt_seconds_by_model"):
        stitching = identity.metrics["dbt_seconds_by_model"].get(STITCHING_MODEL)
    summary["stitching_seconds"] = stitching
    for peer in ("scipy_components", "networkx_components", "splink_clustering"):
        measured = by.get(peer)
        seconds = measured.seconds if measured and not (measured.error or measured.skipped) else None
        summary[f"stitching_vs_{peer}"] = _ratio(stitching, seconds)
        summary[f"identity_stage_vs_{peer}"] = _ratio(identity.seconds if identity else None, seconds)
    if incremental:
        incremental_total = _pipeline_total(stages, incremental)
        summary["incremental"] = incremental_total
        summary["incremental_vs_full"] = _ratio(incremental_total["seconds"], total["seconds"])
    summary["targets"] = TARGETS
    return summary


def _mib(value: int) -> str:
    return f"{value / 1024**2:,.0f}"


def _table(stages: dict[str, Stage], measurements: list[Measurement]) -> list[str]:
    lines = [
        "| stage | kind | seconds | process s | peak RSS MiB | rows | rows/s | note |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for m in measurements:
        stage = stages.get(m.stage)
        kind = (
            stage.kind + ("" if stage.in_target or stage.kind != "pipeline" else " (not in target)")
            if stage
            else "?"
        )
        note = m.skipped or (m.error.strip().splitlines()[-1][:120] if m.error else "")
        rate = f"{m.rows_per_second:,.0f}" if m.rows_per_second else ""
        seconds = f"{m.seconds:.2f}" if m.seconds is not None else ""
        rows = f"{m.rows:,}" if m.rows is not None else ""
        lines.append(
            f"| {m.stage} | {kind} | {seconds} | {m.process_seconds:.1f} | {_mib(m.peak_rss_bytes)} | {rows} | {rate} | {note} |"
        )
    return lines


def _check(value: float | None, limit: float, fmt: str = "{:.2f}") -> str:
    if value is None:
        return "not measured"
    return f"{fmt.format(value)} ({'meets' if value <= limit else 'misses'} target {fmt.format(limit)})"


def render_markdown(
    session: dict,
    stages: dict[str, Stage],
    full: list[Measurement],
    incremental: list[Measurement],
    summary: dict,
) -> str:
    total = summary["full_refresh"]
    lines = [
        f"# Yuchi benchmark {session['scale']} ({session['people']:,} people, {session['records']:,} landed records)",
        "",
        f"{session['finished_at']} on {session['machine']['cpus']} CPUs, {session['machine']['memory_gib']} GiB; "
        f"load average {session['machine']['load_before']} before, {session['machine']['load_after']} after "
        f"(other work on the machine slows every figure). Command: `{session['command']}`.",
        "",
        "## Full refresh",
        "",
        *_table(stages, full),
        "",
        f"- full refresh (stages {', '.join(total['stages'])}): {_check(total['seconds'], TARGETS['full_refresh_seconds'], '{:.1f}')} s;"
        f" with process start-up {total['process_seconds']:.1f} s",
        f"- peak RSS of a stage's process tree: {_mib(total['peak_rss_bytes'])} MiB (target {_mib(TARGETS['full_refresh_peak_rss_bytes'])} MiB)",
        f"- full refresh / landing scan floor: {_check(summary['full_refresh_vs_scan_floor'], TARGETS['full_refresh_vs_scan_floor'])}",
        f"- full refresh / marts scan floor: {summary['full_refresh_vs_marts_scan_floor']}",
        f"- identity stitching ({STITCHING_MODEL}): {summary['stitching_seconds']} s;"
        f" / scipy: {_check(summary['stitching_vs_scipy_components'], TARGETS['stitching_vs_scipy'])};"
        f" / Splink clustering: {summary['stitching_vs_splink_clustering']} (target < 1);"
        f" / networkx: {summary['stitching_vs_networkx_components']}",
        f"- whole identity stage / scipy: {summary['identity_stage_vs_scipy_components']}; / Splink: {summary['identity_stage_vs_splink_clustering']}",
    ]
    if incremental:
        inc = summary["incremental"]
        lines += [
            "",
            f"## Incremental run ({session.get('incremental_records', 0):,} new landed records)",
            "",
            *_table(stages, incremental),
            "",
            f"- incremental run: {inc['seconds']:.1f} s; / full refresh: {_check(summary['incremental_vs_full'], TARGETS['incremental_vs_full'])}",
        ]
        daily = _by_name(incremental).get("daily_run")
        if daily and daily.metrics.get("seconds_by_stage"):
            steps = daily.metrics["seconds_by_stage"]
            groups = daily.metrics.get("dbt_seconds_by_group", {})
            lines += [
                f"- daily run ({', '.join(daily.metrics.get('stages', []))} in one Dagster run): its steps' seconds"
                " by stage (the dbt build serves several) "
                + ", ".join(f"{stage} {seconds:.1f}" for stage, seconds in steps.items()),
                "- its dbt models by group, dbt's seconds: "
                + ", ".join(f"{group} {seconds:.1f}" for group, seconds in groups.items()),
            ]
    lines += [
        "",
        "Seconds are the stage's own work (after imports); process s adds the fresh process's start-up.",
        "Peak RSS sums every process of the stage (Python, dbt, DuckDB), sampled every 50 ms.",
    ]
    return "\n".join(lines) + "\n"


def write(
    reports: Path,
    session: dict,
    stages: dict[str, Stage],
    full: list[Measurement],
    incremental: list[Measurement],
) -> tuple[Path, Path]:
    """Writes bench-<scale>-<time>.json and .md (and -latest copies); gives their paths."""
    summary = summarize(stages, full, incremental)
    body = {
        "session": session,
        "summary": summary,
        "full_refresh": [m.as_dict() for m in full],
        "incremental": [m.as_dict() for m in incremental],
    }
    reports.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    markdown = render_markdown(session, stages, full, incremental, summary)
    for name in (f"bench-{session['scale']}-latest", f"bench-{session['scale']}-{stamp}"):
        (reports / f"{name}.json").write_text(json.dumps(body, indent=2, default=str))
        (reports / f"{name}.md").write_text(markdown)
    return reports / f"{name}.json", reports / f"{name}.md"
