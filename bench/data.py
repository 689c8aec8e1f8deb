"""Benchmark data: scale factors, and the demo generator run in chunks so SF10 fits in memory and uses every core.

SF1 is 100,000 people (about 0.8M landed records), SF10 1,000,000 people. The generator keeps a whole population
in memory, so bigger scales are generated as independent chunks (their own seed), in parallel processes, whose
landing files are renamed apart (`submissions-2026W27.jsonl` -> `submissions-2026W27-c003.jsonl`). Generation
is cached per (people, seed, chunk size) and is never part of a timed stage.
"""

from __future__ import annotations

import json
import re
import shutil
import zlib
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from connectors.demo.generator import DemoConfig, generate

SCALES = {"SF1": 100_000, "SF10": 1_000_000}
CHUNK_PEOPLE = 50_000


def parse_scale(text: str) -> tuple[str, int]:
    """Gives (label, people) for SF1, SF10, SF<n> or a plain number of people."""
    label = text.strip().upper()
    if label in SCALES:
        return label, SCALES[label]
    if match := re.fullmatch(r"SF(\d+(?:\.\d+)?)", label):
        return label, int(float(match.group(1)) * SCALES["SF1"])
    if label.isdigit() and int(label) > 0:
        return f"{int(label)}p", int(label)
    raise ValueError(f"scale {text!r}: expected SF1, SF10, SF<n> or a number of people")


def chunk_file_name(name: str, chunk: int) -> str:
    """Gives a landing file's name tagged with its chunk, keeping its stem prefix and extension (loader globs)."""
    stem, dot, extension = name.partition(".")
    return f"{stem}-c{chunk:03d}{dot}{extension}"


def batch_first_chunk(tag: str) -> int:
    """The first chunk number of a batch: 0 for the full batch, otherwise a block of 1,000 chosen by the tag, so
    two incremental batches (incremental-0.01, incremental-0.02) land files of different names."""
    return 0 if tag == "full" else 1000 * (1 + zlib.crc32(tag.encode()) % 999)


def _window(tag: str) -> dict:
    """A batch's window as its summary records it."""
    days, end = batch_window(tag)
    return {"days": days, "end": end.isoformat()}


def batch_window(tag: str) -> tuple[int, datetime]:
    """(days, end) of a batch's activity: the full batch spans the generator's default 120 days; an incremental
    batch is the day after it, so a daily run sees what a real one does: the newest data time moves a day on,
    scores decay, windows of the traits and features move (a batch inside the old range moves nothing)."""
    default = DemoConfig()
    if tag == "full":
        return default.days, default.end
    return 1, default.end + timedelta(days=1)


def _generate_chunk(args: tuple[Path, int, int, int, int, datetime]) -> dict:
    folder, chunk, people, seed, days, end = args
    summary = generate(replace(DemoConfig(), people=people, seed=seed, days=days, end=end), folder)
    return {"chunk": chunk, "records": summary["records"], "people": summary["people"]}


def ensure_batch(home: Path, people: int, seed: int = 7, workers: int = 2, tag: str = "full") -> dict:
    """Makes sure the batch `tag` of generated landing files exists under home/bench_data (generating it once);
    gives its counts. Each batch has its own chunk numbers and seeds (see batch_first_chunk), so the files of
    the 1% of new data of an incremental run collide neither with the full batch's nor with another batch's."""
    folder = home / "bench_data" / tag
    marker = folder / "summary.json"
    days, end = batch_window(tag)
    window = _window(tag)
    if marker.exists():
        summary = json.loads(marker.read_text())
        # batches generated before the window was recorded used the generator's defaults: the full batch's
        if {k: summary.get(k, v) for k, v in _window("full").items()} == window:
            return summary
    shutil.rmtree(folder, ignore_errors=True)
    chunks = max(1, -(-people // CHUNK_PEOPLE))
    first_chunk = batch_first_chunk(tag)
    jobs = [
        (
            folder / "chunks" / f"c{i:03d}",
            first_chunk + i,
            people // chunks + (1 if i < people % chunks else 0),
            seed * 1000 + first_chunk + i,
            days,
            end,
        )
        for i in range(chunks)
    ]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(_generate_chunk, jobs))
    records: Counter = Counter()
    for (chunk_folder, chunk, *_), result in zip(jobs, results, strict=True):
        records.update(result["records"])
        for path in (chunk_folder / "landing").rglob("*"):
            if path.is_file():
                target = folder / "landing" / path.parent.name / chunk_file_name(path.name, chunk)
                target.parent.mkdir(parents=True, exist_ok=True)
                path.replace(target)
    shutil.rmtree(folder / "chunks", ignore_errors=True)
    summary = {
        "people": people,
        "chunks": chunks,
        "records": dict(records),
        "total_records": sum(records.values()),
        **window,
    }
    marker.write_text(json.dumps(summary, indent=2))
    return summary


def land(home: Path, tag: str) -> int:
    """Puts a batch's files into home/landing (hard links: no copy), as if they had just arrived; gives how many."""
    source = home / "bench_data" / tag / "landing"
    count = 0
    for path in source.rglob("*"):
        if path.is_file():
            target = home / "landing" / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.exists():
                target.hardlink_to(path)
                count += 1
    return count


def reset_landing(home: Path) -> None:
    """Empties home/landing (the batches stay under bench_data)."""
    shutil.rmtree(home / "landing", ignore_errors=True)
