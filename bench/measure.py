"""Measures one stage run in a fresh process: its own seconds, and the peak memory of its whole process tree."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.registry import BenchContext


@dataclass
class Measurement:
    """One stage's figures. peak_rss_bytes sums the resident memory of the stage's process and all its children
    (sampled every 50 ms); largest_process_rss_bytes is the kernel's exact peak of the largest single process."""

    stage: str
    seconds: float | None = None
    process_seconds: float = 0.0
    peak_rss_bytes: int = 0
    largest_process_rss_bytes: int = 0
    rows: int | None = None
    metrics: dict[str, Any] = field(default_factory=dict)
    skipped: str | None = None
    error: str | None = None

    @property
    def rows_per_second(self) -> float | None:
        if self.rows and self.seconds:
            return self.rows / self.seconds
        return None

    def as_dict(self) -> dict:
        return asdict(self) | {"rows_per_second": self.rows_per_second}


class TreeMemorySampler(threading.Thread):
    """Samples the summed RSS of a process and its descendants until stopped; keeps the peak."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        import psutil  # the `bench` extra; imported here so the report's figures load without it

        super().__init__(daemon=True)
        self.root = psutil.Process(pid)
        self.interval = interval
        self.peak = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        import psutil

        while not self._stop_event.is_set():
            try:
                processes = [self.root, *self.root.children(recursive=True)]
            except psutil.NoSuchProcess:
                break
            total = 0
            for process in processes:
                try:
                    total += process.memory_info().rss
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    pass
            self.peak = max(self.peak, total)
            self._stop_event.wait(self.interval)

    def stop(self) -> int:
        self._stop_event.set()
        self.join()
        return self.peak


def measure(stage: str, ctx: BenchContext, log: Path) -> Measurement:
    """Runs `stage` through bench.worker in a new process and gives its measurement."""
    with tempfile.TemporaryDirectory() as folder:
        context_path, result_path = Path(folder) / "context.json", Path(folder) / "result.json"
        context_path.write_text(json.dumps(asdict(ctx), default=str))
        started = time.perf_counter()
        with log.open("a") as output:
            output.write(f"\n===== {stage} ({ctx.mode}) =====\n")
            output.flush()
            process = subprocess.Popen(
                [sys.executable, "-m", "bench.worker", stage, str(context_path), str(result_path)],
                stdout=output,
                stderr=subprocess.STDOUT,
                env=os.environ | {"YUCHI_HOME": str(ctx.home)},
            )
            sampler = TreeMemorySampler(process.pid)
            sampler.start()
            _, status, usage = os.wait4(process.pid, 0)
            process.returncode = os.waitstatus_to_exitcode(status)
            peak = sampler.stop()
        measurement = Measurement(
            stage=stage,
            process_seconds=time.perf_counter() - started,
            peak_rss_bytes=peak,
            largest_process_rss_bytes=usage.ru_maxrss * 1024,  # Linux reports KiB
        )
        if not result_path.exists():
            measurement.error = f"worker exited with {process.returncode} before writing a result; see {log}"
            return measurement
        result = json.loads(result_path.read_text())
    for key in ("seconds", "rows", "metrics", "skipped", "error"):
        if result.get(key) is not None:
            setattr(measurement, key, result[key])
    measurement.peak_rss_bytes = max(measurement.peak_rss_bytes, measurement.largest_process_rss_bytes)
    return measurement


def children_peak_rss_bytes() -> int:
    """The kernel's peak RSS over every finished child of this process (a cross-check of the samples)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
