"""A load SIGKILLed in the middle and run again leaves every record in raw or quarantine exactly once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import duckdb

from connectors.sources import web_tracking
from connectors.sources.loader import load_entity
from orchestration.ingest.checks import ledger_mismatches

REPO = Path(__file__).resolve().parents[2]
FILES, LINES = 10, 2000
CHILD = """
import sys
from pathlib import Path
import duckdb
from connectors.sources import loader, web_tracking
loader.BATCH_BYTES = 1  # one file per transaction, so the kill lands between or inside commits
conn = duckdb.connect(sys.argv[1])
loader.load_entity(conn, web_tracking.EVENTS, Path(sys.argv[2]), on_commit=lambda files: print("committed", *files, flush=True))
print("finished", flush=True)
"""


def _landing(root: Path) -> int:
    folder = root / "web_tracking"
    folder.mkdir(parents=True)
    total = 0
    for f in range(FILES):
        lines = []
        for n in range(LINES):
            event = {
                "type": "page",
                "messageId": f"m-{f}-{n}",
                "anonymousId": f"a-{n % 500}",
                "timestamp": "2026-08-01T10:00:00.000Z",
                "context": {"page": {"path": f"/p/{n % 7}", "title": "产品"}},
                "properties": {"path": f"/p/{n % 7}"},
            }
            lines.append(json.dumps(event, ensure_ascii=False) if n % 97 else '{"type": "page", "messageId"')
        (folder / f"collector-{f:03d}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        total += len(lines)
    return total


def test_load_killed_mid_run_then_rerun_has_no_duplicates_and_loses_nothing(tmp_path):
    landing = tmp_path / "landing"
    total = _landing(landing)
    warehouse = tmp_path / "warehouse.duckdb"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(warehouse), str(landing)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    committed = 0
    for line in child.stdout:
        if line.startswith("committed"):
            committed += 1
            if committed == 3:
                child.send_signal(signal.SIGKILL)  # the child is already inside the next batch
                break
    child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL

    with duckdb.connect(str(warehouse)) as conn:
        files_before = conn.execute("select count(*) from raw._file_loads").fetchall()[0][0]
        assert 3 <= files_before < FILES
        report = load_entity(conn, web_tracking.EVENTS, landing)
        assert len(report.files_loaded) == FILES - files_before
        rows = conn.execute(
            "select _source_file, _source_line from raw.web_tracking_events "
            "union all select _source_file, _source_line from quarantine.web_tracking_events"
        ).fetchall()
        assert ledger_mismatches(conn, web_tracking.EVENTS) == []
    assert len(rows) == total
    assert len(set(rows)) == total, "a record landed twice"
