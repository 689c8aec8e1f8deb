"""Durable landing files: group commit with fsync before acknowledging, rotation, and recovery at start-up.

A `LandingStream` is one series of files (WeChat pushes of one app id, form webhooks, tracking events). Requests
hand it their records and wait; one writer step at a time writes everything queued since the previous step and
fsyncs once, so concurrent requests share an fsync (group commit) and each request is answered only after its
records are on disk. The current file is named '<final name>.open' and renamed to its final name on rotation (by
size or age), on shutdown, or by the next start-up's recovery; the loader only ever sees final names.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from connectors.collector.record_formats import RecordFormat

OPEN_SUFFIX = ".open"
log = logging.getLogger("yuchi.collector")


class LandingWriteError(OSError):
    """The records could not be made durable; the request must not be acknowledged."""


def fsync_directory(folder: Path) -> None:
    """Makes a create, rename or unlink in `folder` durable."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


@dataclass
class _Pending:
    data: bytes
    keys: Sequence[object]
    future: asyncio.Future


class LandingStream:
    """One series of landing files '<folder>/<prefix><UTC stamp><suffix>', appended with group commit."""

    def __init__(
        self,
        folder: Path,
        prefix: str,
        fmt: RecordFormat,
        executor: Executor,
        rotate_bytes: int,
        rotate_seconds: float,
        on_durable: Callable[[list[object]], None] | None = None,
    ) -> None:
        self.folder, self.prefix, self.fmt = folder, prefix, fmt
        self.rotate_bytes, self.rotate_seconds = rotate_bytes, rotate_seconds
        self._executor = executor
        self._on_durable = on_durable
        self._pending: list[_Pending] = []
        self._flusher: asyncio.Task | None = None
        self._io = asyncio.Lock()
        self._fd: int | None = None
        self._open_path: Path | None = None
        self._size = 0
        self._opened_at = 0.0
        self._last_moment: datetime | None = None
        self.records_appended = 0
        self.files_closed = 0
        self.fsyncs = 0

    async def append(self, data: bytes, keys: Sequence[object] = ()) -> None:
        """Returns once `data` (whole records with terminators) is written and fsynced; raises LandingWriteError."""
        future = asyncio.get_running_loop().create_future()
        self._pending.append(_Pending(data, keys, future))
        if self._flusher is None:
            self._flusher = asyncio.get_running_loop().create_task(self._flush())
        await future

    async def _flush(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._pending:
                batch, self._pending = self._pending, []
                async with self._io:
                    try:
                        await loop.run_in_executor(self._executor, self._write_batch, batch)
                    except OSError as exc:
                        log.error(
                            "landing write failed",
                            extra={
                                "fields": {"stream": self.prefix, "error": str(exc), "requests": len(batch)}
                            },
                        )
                        for item in batch:
                            if not item.future.done():
                                item.future.set_exception(LandingWriteError(str(exc)))
                        continue
                for item in batch:
                    if not item.future.done():
                        item.future.set_result(None)
        finally:
            self._flusher = None

    def _write_batch(self, batch: list[_Pending]) -> None:
        if self._fd is None:
            self._create_file()
        assert self._fd is not None
        data = b"".join(item.data for item in batch)
        try:
            _write_all(self._fd, data)
            os.fsync(self._fd)
        except OSError:
            # What the kernel did with a failed write is unknown: cut back to the last acknowledged byte and
            # close this file; the next batch starts a new one.
            try:
                os.ftruncate(self._fd, self._size)
                os.fsync(self._fd)
            except OSError:
                pass
            self._close_file()
            raise
        self.fsyncs += 1
        self._size += len(data)
        self.records_appended += len(batch)
        keys = [key for item in batch for key in item.keys]
        if keys and self._on_durable is not None:
            try:
                self._on_durable(keys)
            except Exception as exc:  # the records are durable: acknowledge them, but say what failed
                log.error(
                    "recording delivered ids failed",
                    extra={"fields": {"stream": self.prefix, "error": str(exc)}},
                )
        if self._size >= self.rotate_bytes:
            self._close_file()

    def _stamp(self) -> str:
        """Gives a UTC stamp later than this stream's previous one and not used by any file in the folder."""
        moment = datetime.now(UTC)
        if self._last_moment is not None and moment <= self._last_moment:
            moment = self._last_moment + timedelta(microseconds=1)
        while True:
            stamp = moment.strftime("%Y%m%dT%H%M%S%f")
            if not self._final_path(stamp).exists() and not self._open_of(stamp).exists():
                break
            moment += timedelta(microseconds=1)
        self._last_moment = moment
        return stamp

    def _final_path(self, stamp: str) -> Path:
        return self.folder / f"{self.prefix}{stamp}{self.fmt.suffix}"

    def _open_of(self, stamp: str) -> Path:
        return self.folder / f"{self.prefix}{stamp}{self.fmt.suffix}{OPEN_SUFFIX}"

    def _create_file(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self._open_of(self._stamp())
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND | os.O_CLOEXEC, 0o644)
        fsync_directory(self.folder)
        self._open_path, self._size, self._opened_at = path, 0, time.monotonic()

    def _close_file(self) -> None:
        """Closes the current file and gives it its final name (it was fsynced after its last write)."""
        if self._fd is None or self._open_path is None:
            return
        os.close(self._fd)
        final = self._open_path.with_name(self._open_path.name[: -len(OPEN_SUFFIX)])
        if self._size == 0:
            self._open_path.unlink()
        else:
            os.rename(self._open_path, final)
            self.files_closed += 1
            log.info("landing file closed", extra={"fields": {"file": str(final), "bytes": self._size}})
        fsync_directory(self.folder)
        self._fd, self._open_path, self._size = None, None, 0

    async def rotate_if_due(self) -> bool:
        """Closes the current file when it is older than rotate_seconds; tells whether it did."""
        if self._fd is None or time.monotonic() - self._opened_at < self.rotate_seconds:
            return False
        async with self._io:
            if self._fd is None or time.monotonic() - self._opened_at < self.rotate_seconds:
                return False
            await asyncio.get_running_loop().run_in_executor(self._executor, self._close_file)
        return True

    async def close(self) -> None:
        """Waits for queued records to be written, then closes the current file under its final name."""
        while self._flusher is not None:
            await asyncio.shield(self._flusher)
        async with self._io:
            await asyncio.get_running_loop().run_in_executor(self._executor, self._close_file)

    @property
    def open_file(self) -> Path | None:
        return self._open_path
