"""The warehouse gate: an OS file lock that every Yuchi process takes before it opens the embedded DuckDB file.

DuckDB locks its file per process and answers a conflicting open with an error, not a wait: a sensor reading
the file for a few milliseconds makes a run's writer (or dbt, which does not retry) fail. The gate mirrors
DuckDB's rule, so that conflicts are decided here instead:
- a writer takes it exclusively, a reader shares it with other readers;
- a step waits for it (the holder is another step or a sensor, both short), a sensor does not wait and skips.

It is `flock` on `<warehouse>.gate` next to the file: released by the kernel when the holder exits, however it
exits, so a crashed run never leaves it taken. Within one process the gate is held once and counted, since
DuckDB shares one database instance between the connections of a process.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


class WarehouseBusyError(RuntimeError):
    """The gate is held by another process and the caller chose not to wait (or waited too long)."""


@dataclass
class _Hold:
    fd: int
    shared: bool
    count: int


_holds: dict[str, _Hold] = {}
_holds_lock = threading.Lock()


def gate_path(warehouse: Path) -> Path:
    """Gives the gate file of a warehouse file."""
    return warehouse.with_name(warehouse.name + ".gate")


@contextmanager
def warehouse_gate(warehouse: Path, shared: bool, wait_seconds: float | None = None) -> Iterator[float]:
    """Holds the gate of `warehouse` (shared for readers, exclusive for writers) and gives the seconds waited.

    wait_seconds None waits as long as it takes, 0 raises WarehouseBusyError at once if another process holds
    the gate in a conflicting mode, a positive number raises after that long.
    """
    key = str(warehouse.resolve())
    with _holds_lock:
        hold = _holds.get(key)
        if hold is not None:
            hold.count += 1
    if hold is not None:
        try:
            yield 0.0
        finally:
            _release(key)
        return
    fd = os.open(gate_path(warehouse), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        waited = _acquire(fd, shared, wait_seconds, warehouse)
    except BaseException:
        os.close(fd)
        raise
    with _holds_lock:
        _holds[key] = _Hold(fd, shared, 1)
    try:
        yield waited
    finally:
        _release(key)


def _acquire(fd: int, shared: bool, wait_seconds: float | None, warehouse: Path) -> float:
    mode = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
    started = time.monotonic()
    if wait_seconds is None:
        fcntl.flock(fd, mode)
        return time.monotonic() - started
    delay = 0.01
    while True:
        try:
            fcntl.flock(fd, mode | fcntl.LOCK_NB)
            return time.monotonic() - started
        except BlockingIOError:
            waited = time.monotonic() - started
            if waited >= wait_seconds:
                raise WarehouseBusyError(
                    f"{warehouse} is held by another Yuchi process (a run's step, a sensor or a command); "
                    f"waited {waited:.0f}s"
                ) from None
            time.sleep(min(delay, wait_seconds - waited))
            delay = min(delay * 2, 1.0)


def _release(key: str) -> None:
    with _holds_lock:
        hold = _holds[key]
        hold.count -= 1
        if hold.count:
            return
        del _holds[key]
    os.close(hold.fd)  # closing the descriptor releases the flock
