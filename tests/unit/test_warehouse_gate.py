"""The warehouse gate orders Yuchi's processes around the DuckDB file: real processes, real flock, real DuckDB."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from connectors.warehouse_gate import WarehouseBusyError, gate_path, warehouse_gate
from orchestration.resources import LOCK_WAIT_MESSAGE, WarehouseResource
from orchestration.scoring import retrain_on_new_crm_outcomes

HOLDER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    import duckdb
    from connectors.warehouse_gate import warehouse_gate

    with warehouse_gate(Path(sys.argv[1]), shared=sys.argv[2] == "shared"):
        if sys.argv[3:] == ["open"]:  # as a sensor does: hold DuckDB's own lock too
            conn = duckdb.connect(sys.argv[1], read_only=True)
        print("held", flush=True)
        sys.stdin.read()  # until the test closes stdin (or kills this process)
    """
)


@contextmanager
def held_by_another_process(warehouse: Path, mode: str, *extra: str) -> Iterator[subprocess.Popen]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(warehouse), mode, *extra],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        assert proc.stdout.readline().strip() == "held"
        yield proc
    finally:
        if proc.poll() is None:
            proc.stdin.close()
            proc.wait(timeout=10)


def test_a_writer_in_another_process_keeps_readers_and_writers_out(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    with held_by_another_process(warehouse, "exclusive"):
        for shared in (True, False):
            with (
                pytest.raises(WarehouseBusyError, match=str(warehouse)),
                warehouse_gate(warehouse, shared, 0),
            ):
                pass
    with warehouse_gate(warehouse, shared=False, wait_seconds=0) as waited:
        assert waited < 1.0
    assert gate_path(warehouse).exists()


def test_readers_share_the_gate_and_a_writer_waits_for_them(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    with held_by_another_process(warehouse, "shared") as reader:
        with warehouse_gate(warehouse, shared=True, wait_seconds=0):
            pass
        with pytest.raises(WarehouseBusyError), warehouse_gate(warehouse, shared=False, wait_seconds=0.2):
            pass
        reader.stdin.close()
        reader.wait(timeout=10)
        with warehouse_gate(warehouse, shared=False, wait_seconds=5):
            pass


def test_a_crashed_holder_leaves_the_gate_open(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    with held_by_another_process(warehouse, "exclusive") as holder:
        holder.kill()
        holder.wait(timeout=10)
        with warehouse_gate(warehouse, shared=False, wait_seconds=5):
            pass


def test_one_process_holds_the_gate_once_for_all_its_connections(tmp_path):
    resource = WarehouseResource(home=str(tmp_path))
    warehouse = resource.paths().warehouse
    with resource.connect() as conn:
        conn.execute("create table t as select 1 as x")
        with resource.gate(), warehouse_gate(warehouse, shared=False, wait_seconds=0):
            pass  # nested in the same process: no wait, no error
    with held_by_another_process(warehouse, "exclusive"):
        with pytest.raises(WarehouseBusyError):
            resource.connect(read_only=True, wait=False).__enter__()


def test_a_step_waits_for_a_sensor_instead_of_meeting_duckdbs_lock(tmp_path, caplog):
    """While another process reads the file under the gate (a sensor, here for a second), a step's writer waits
    for the gate and then opens the file: it never meets DuckDB's lock and logs no lock wait."""
    resource = WarehouseResource(home=str(tmp_path))
    warehouse = resource.paths().warehouse
    duckdb.connect(str(warehouse)).close()
    with held_by_another_process(warehouse, "shared", "open") as reader:
        with pytest.raises(duckdb.IOException, match="lock"):
            duckdb.connect(str(warehouse))  # what a writer without the gate meets
        release = threading.Timer(1.0, reader.stdin.close)
        release.start()
        started = time.monotonic()
        with resource.connect() as conn:
            conn.execute("create table written as select 1 as x")
        assert time.monotonic() - started >= 0.9
        release.join()
    assert LOCK_WAIT_MESSAGE not in caplog.text
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        assert conn.execute("select x from written").fetchone() == (1,)


def test_the_retraining_sensor_skips_while_a_step_holds_the_warehouse(tmp_path, monkeypatch):
    monkeypatch.delenv("YUCHI_WAREHOUSE", raising=False)
    resource = WarehouseResource(home=str(tmp_path))
    warehouse = resource.paths().warehouse
    duckdb.connect(str(warehouse)).close()
    with held_by_another_process(warehouse, "exclusive"):
        with dg.build_sensor_context(
            resources={"warehouse": resource}, instance=dg.DagsterInstance.ephemeral()
        ) as context:
            result = retrain_on_new_crm_outcomes(context)
    assert isinstance(result, dg.SkipReason) and "a run is using the warehouse" in result.skip_message
