"""Start-up recovery of landing files a crashed run left open: cut the torn tail, then close them.

The tail past the last complete record is the part of a group commit that was being written when the process
died; none of it was acknowledged, so cutting it loses nothing that was promised.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from connectors.collector.landing_stream import OPEN_SUFFIX, fsync_directory
from connectors.collector.record_formats import RecordFormat


@dataclass(frozen=True)
class Recovered:
    """What start-up recovery did with one leftover '.open' file."""

    path: Path
    final: Path | None
    records: int
    bytes_cut: int


def recover_open_files(
    folder: Path, pattern: str, fmt: RecordFormat, on_record: Callable[[bytes], None] | None = None
) -> list[Recovered]:
    """Closes leftover '<pattern>.open' files of a previous run: cuts a torn tail, renames to the final name.

    `on_record` sees every complete record kept (the webhook ledger re-learns ids a crash kept it from storing).
    """
    done: list[Recovered] = []
    if not folder.exists():
        return done
    for path in sorted(folder.glob(pattern + OPEN_SUFFIX)):
        data = path.read_bytes()
        keep = fmt.complete_length(data)
        if keep < len(data):
            with path.open("r+b") as handle:
                handle.truncate(keep)
                handle.flush()
                os.fsync(handle.fileno())
        records = 0
        for record in fmt.records(data[:keep]):
            records += 1
            if on_record is not None:
                on_record(record)
        final: Path | None = path.with_name(path.name[: -len(OPEN_SUFFIX)])
        if keep == 0:
            path.unlink()
            final = None
        else:
            os.rename(path, final)
        fsync_directory(folder)
        done.append(Recovered(path=path, final=final, records=records, bytes_cut=len(data) - keep))
    return done
