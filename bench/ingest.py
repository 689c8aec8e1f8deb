"""Ingest benchmark: load demo events from landing files into raw/quarantine and report rows per second.

    make bench-ingest                          # about 1M JSONL events
    .venv/bin/python bench/ingest.py --people 90000 --engine duckdb
    .venv/bin/python bench/ingest.py --people 90000 --engine dlt   # the same JSONL files through dlt

1. Generates the demo data once per (people, seed) under .yuchi-bench/ingest/ (the generator's own time is
   printed too) and reuses it on later runs.
2. duckdb: loads every JSON Lines source table into a fresh warehouse with the Yuchi loader, then the CSV, XLSX
   and WeChat XML tables; prints per table rows, wall seconds, process CPU seconds and rows/s, the JSONL total,
   and row accounting against the generator's ground truth for every table (raw + quarantine = landed, quarantine
   = the records the generator broke). Then loads again (nothing new) to time the no-op rerun.
3. dlt: loads the same JSONL files with a dlt pipeline to DuckDB (json.loads per line, dlt's own normalisation
   and schema inference, parquet load files; invalid lines are skipped and counted, since dlt has no quarantine
   of its own). `--tables web_tracking_events` limits either engine to some tables.
4. read_ndjson: the floor: DuckDB's own reader into a table per source (types detected, bad lines skipped; no
   contract, quarantine, identifiers, line numbers or file log). What no loader on DuckDB can beat here.
5. pyarrow_json: pyarrow's C++ JSON reader on each file's lines that parse as JSON objects (filtered first, not
   timed: the reader refuses a whole block for one bad line). A file it still refuses (a type conflict between
   records) is counted, not loaded. Parsing only; beside it the loader's DuckDB JSON functions on the same lines,
   the part a per-block pyarrow fast path would replace.

Figures depend on what else runs on the machine: the load average is printed before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from connectors.demo.generator import DemoConfig, generate  # noqa: E402
from connectors.sources import ALL_ENTITIES  # noqa: E402

JSONL = [e for e in ALL_ENTITIES if all(p.format == "jsonl" for p in e.files)]
OTHER = [e for e in ALL_ENTITIES if e not in JSONL]


def demo_data(people: int, seed: int, root: Path) -> tuple[Path, dict]:
    """Gives the YUCHI_HOME holding demo data for (people, seed), generating it the first time."""
    home = root / f"people-{people}-seed-{seed}"
    summary_path = home / "ground_truth" / "summary.json"
    if not summary_path.exists():
        shutil.rmtree(home, ignore_errors=True)
        started, cpu = time.perf_counter(), time.process_time()
        summary = generate(DemoConfig(people=people, seed=seed), home)
        wall = time.perf_counter() - started
        records = sum(summary["records"].values())
        print(
            f"generated {people} people, {records} records in {wall:.1f}s wall "
            f"({time.process_time() - cpu:.1f}s CPU, {records / wall:,.0f} records/s)"
        )
    return home, json.loads(summary_path.read_text(encoding="utf-8"))


def _line(name: str, rows: int, wall: float, cpu: float) -> str:
    return f"  {name:36s} {rows:>10,} rows {wall:8.2f}s wall {cpu:8.2f}s CPU {rows / max(wall, 1e-9):>12,.0f} rows/s"


def bench_duckdb(home: Path, summary: dict, work: Path, workers: int) -> None:
    import duckdb

    from connectors.sources.loader import load_entities, load_entity, row_accounting

    warehouse = work / "warehouse.duckdb"
    for path in work.glob("warehouse.duckdb*"):
        path.unlink()
    conn = duckdb.connect(str(warehouse))
    conn.execute("set enable_progress_bar = false")
    landing = home / "landing"
    for title, entities in (("JSON Lines", JSONL), ("CSV, XLSX, WeChat XML", OTHER)):
        print(f"{title}:")
        total_rows, started, cpu = 0, time.perf_counter(), time.process_time()
        if workers > 1:  # tables load at once: per-table seconds would overlap, so only the total is timed
            print(f"  ({workers} tables at a time)")
            for report in load_entities(conn, entities, landing, workers):
                print(f"  {report.table:36s} {report.rows_in:>10,} rows")
                total_rows += report.rows_in
        else:
            for entity in entities:
                t, c = time.perf_counter(), time.process_time()
                report = load_entity(conn, entity, landing)
                print(_line(entity.table, report.rows_in, time.perf_counter() - t, time.process_time() - c))
                total_rows += report.rows_in
        wall, used = time.perf_counter() - started, time.process_time() - cpu
        print(_line(f"total {title}", total_rows, wall, used))
    print("row accounting against the ground truth:")
    failures = 0
    for entity in ALL_ENTITIES:
        counts = row_accounting(conn, entity)
        landed = summary["records"].get(entity.table, 0)
        broken = summary["broken_records"].get(entity.table, 0)
        ok = (
            counts["rows_in_raw"] + counts["rows_in_quarantine"] == landed
            and counts["rows_in_quarantine"] == broken
            and counts["rows_landed"] == landed
        )
        failures += not ok
        print(
            f"  {entity.table:36s} landed {landed:>9,} raw {counts['rows_in_raw']:>9,} "
            f"quarantine {counts['rows_in_quarantine']:>7,} (broken {broken:>6,}) {'ok' if ok else 'MISMATCH'}"
        )
    started = time.perf_counter()
    again = sum(load_entity(conn, entity, landing).rows_in for entity in ALL_ENTITIES)
    print(f"rerun with nothing new: {again} rows loaded in {time.perf_counter() - started:.2f}s")
    conn.close()
    print(f"warehouse: {warehouse.stat().st_size / 1e6:,.0f} MB")
    if failures:
        raise SystemExit(f"row accounting failed for {failures} table(s)")


def bench_dlt(home: Path, work: Path, only: list[str]) -> None:
    import dlt

    landing = home / "landing"
    os.environ.setdefault("RUNTIME__LOG_LEVEL", "WARNING")
    pipeline = dlt.pipeline(
        pipeline_name="bench_ingest",
        destination=dlt.destinations.duckdb(str(work / "dlt.duckdb")),
        dataset_name="raw_dlt",
        pipelines_dir=str(work / "dlt_pipelines"),
    )
    print("JSON Lines through dlt (extract: json.loads per line; normalize; load):")
    total_rows, total_bad, started, cpu = 0, 0, time.perf_counter(), time.process_time()
    for entity in [e for e in JSONL if not only or e.table in only]:
        files = sorted(p for pattern in entity.files for p in (landing / entity.channel).glob(pattern.glob))
        counts = {"good": 0, "bad": 0}

        def records(files=files, counts=counts):
            for path in files:
                with path.open(encoding="utf-8", errors="replace") as handle:
                    for line in handle:
                        if not line.strip():
                            continue
                        try:
                            record = json.loads(line)
                        except ValueError:
                            counts["bad"] += 1
                            continue
                        if isinstance(record, dict):
                            counts["good"] += 1
                            yield record
                        else:
                            counts["bad"] += 1

        t, c = time.perf_counter(), time.process_time()
        pipeline.run(
            dlt.resource(records(), name=entity.table, write_disposition="append"),
            loader_file_format="parquet",  # dlt's fastest path into DuckDB (the default writes INSERT statements)
        )
        rows = counts["good"] + counts["bad"]
        print(
            _line(entity.table, rows, time.perf_counter() - t, time.process_time() - c)
            + f" ({counts['bad']} skipped)"
        )
        total_rows, total_bad = total_rows + rows, total_bad + counts["bad"]
    print(
        _line("total JSON Lines (dlt)", total_rows, time.perf_counter() - started, time.process_time() - cpu)
    )
    print(f"  lines dlt could not take (no quarantine): {total_bad}")


def bench_read_ndjson(home: Path, work: Path, only: list[str]) -> None:
    import duckdb

    conn = duckdb.connect(str(work / "floor.duckdb"))
    conn.execute("set enable_progress_bar = false")
    print("JSON Lines through DuckDB's read_ndjson alone (no contract, quarantine or identifiers):")
    total_rows, started, cpu = 0, time.perf_counter(), time.process_time()
    for entity in [e for e in JSONL if not only or e.table in only]:
        files = sorted(
            str(p) for pattern in entity.files for p in (home / "landing" / entity.channel).glob(pattern.glob)
        )
        t, c = time.perf_counter(), time.process_time()
        conn.execute(
            f"create table {entity.table} as select * from read_ndjson(?, ignore_errors = true, filename = true)",
            [files],
        )
        rows = conn.execute(f"select count(*) from {entity.table}").fetchone()[0]
        print(_line(entity.table, rows, time.perf_counter() - t, time.process_time() - c))
        total_rows += rows
    print(
        _line(
            "total JSON Lines (read_ndjson)",
            total_rows,
            time.perf_counter() - started,
            time.process_time() - cpu,
        )
    )
    conn.close()


def bench_pyarrow_json(home: Path, only: list[str]) -> None:
    import io

    import duckdb
    import pyarrow as pa
    import pyarrow.json as pj

    print(
        "JSON Lines through pyarrow's read_json, parseable lines only (parsing, nothing written), and the loader's\n"
        "DuckDB JSON functions on the same lines (json_valid, json_extract_string over the contract's paths,\n"
        "json_type of JSON-valued paths, json_keys: what a pyarrow fast path would replace):"
    )
    conn = duckdb.connect()
    totals = {"pyarrow": [0, 0.0, 0.0], "duckdb": [0, 0.0, 0.0]}
    refused = 0
    for entity in [e for e in JSONL if not only or e.table in only]:
        blocks = []
        for pattern in entity.files:
            for path in sorted((home / "landing" / entity.channel).glob(pattern.glob)):
                blocks.append(b"".join(line for line in path.open("rb") if _is_json_object(line)))
        rows, t, c = 0, time.perf_counter(), time.process_time()
        for block in blocks:
            try:
                rows += pj.read_json(io.BytesIO(block), pj.ReadOptions(block_size=8 << 20)).num_rows
            except pa.ArrowInvalid:
                refused += 1
        wall, cpu = time.perf_counter() - t, time.process_time() - c
        print(_line(f"{entity.table} (pyarrow)", rows, wall, cpu))
        for n, value in enumerate((rows, wall, cpu)):
            totals["pyarrow"][n] += value
        lines = pa.table(
            {"_record": pa.array([line.decode() for block in blocks for line in block.splitlines()])}
        )
        conn.register("lines", lines)
        t, c = time.perf_counter(), time.process_time()
        conn.execute(
            f"create or replace temp table parsed as select {_loader_json_functions(entity)} from lines"
        )
        wall, cpu = time.perf_counter() - t, time.process_time() - c
        print(_line(f"{entity.table} (DuckDB)", lines.num_rows, wall, cpu))
        conn.unregister("lines")
        for n, value in enumerate((lines.num_rows, wall, cpu)):
            totals["duckdb"][n] += value
    print(_line("total JSON Lines (pyarrow read_json)", *totals["pyarrow"]))
    print(_line("total JSON Lines (DuckDB JSON functions)", *totals["duckdb"]))
    print(f"  files pyarrow refused even so (type conflicts between records): {refused}")


def _loader_json_functions(entity) -> str:
    """Gives the JSON calls of sql_validation.extract_sql for an entity, without what it does with their results."""
    from connectors.sources.sql_validation import json_path

    text_paths = list(dict.fromkeys(p for f in entity.fields for p in f.paths))
    json_paths = list(dict.fromkeys(p for f in entity.fields if f.kind == "json" for p in f.paths))
    calls = [
        "json_valid(_record)",
        f"json_extract_string(_record, [{', '.join(json_path(p.split('.')) for p in text_paths)}])",
        "json_keys(_record)",
    ]
    if json_paths:
        calls.append(f"json_type(_record, [{', '.join(json_path(p.split('.')) for p in json_paths)}])")
    return ", ".join(calls)


def _is_json_object(line: bytes) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--people", type=int, default=90_000, help="demo people (90,000 give about 1M JSONL events)"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--engine", choices=["duckdb", "dlt", "read_ndjson", "pyarrow_json"], default="duckdb"
    )
    parser.add_argument("--tables", nargs="*", help="only these JSONL tables (not duckdb)")
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="duckdb: tables loaded at once (loader.load_entities); 1 loads them one after another",
    )
    parser.add_argument("--root", default=str(REPO / ".yuchi-bench" / "ingest"), help="where data is kept")
    args = parser.parse_args(argv)
    root = Path(args.root)
    root.mkdir(parents=True, exist_ok=True)
    print(f"load average before: {os.getloadavg()}; {os.cpu_count()} CPUs")
    home, summary = demo_data(args.people, args.seed, root)
    jsonl_rows = sum(summary["records"].get(e.table, 0) for e in JSONL)
    print(f"demo data: {home} ({jsonl_rows:,} JSONL records, {sum(summary['records'].values()):,} in all)")
    work = root / f"work-{args.engine}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    if args.engine == "duckdb":
        bench_duckdb(home, summary, work, args.workers)
    elif args.engine == "read_ndjson":
        bench_read_ndjson(home, work, args.tables or [])
    elif args.engine == "pyarrow_json":
        bench_pyarrow_json(home, args.tables or [])
    else:
        bench_dlt(home, work, args.tables or [])
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
