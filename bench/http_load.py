"""A small keep-alive HTTP/1.1 load client on asyncio, for loopback benchmarks of Yuchi's servers.

Each connection sends one request at a time and reads the answer before the next; `concurrency` connections run
at once. Kept dependency-free (no aiohttp/httpx) so the client costs as little CPU as possible: on a 2-core
machine the client shares the cores with the server it measures.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Request:
    """One request: method, path, headers, body, and an opaque tag the caller gets back with the answer."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes = b""
    tag: object = None


@dataclass
class LoadResult:
    """What a load run saw: answers by status, the tags of 2xx answers, latencies, errors."""

    statuses: dict[int, int] = field(default_factory=dict)
    accepted_tags: list[object] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    connection_errors: int = 0
    seconds: float = 0.0


def encode(request: Request, host: str) -> bytes:
    head = [f"{request.method} {request.path} HTTP/1.1", f"Host: {host}"]
    head += [f"{name}: {value}" for name, value in request.headers.items()]
    head.append(f"Content-Length: {len(request.body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + request.body


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    body = await reader.readexactly(length) if length else b""
    return status, body


async def run_load(
    host: str,
    port: int,
    next_request: Callable[[], Request | None],
    concurrency: int,
    deadline: float | None = None,
) -> LoadResult:
    """Sends requests from `next_request` (None ends) over `concurrency` connections until done or deadline."""
    result = LoadResult()
    started = time.perf_counter()

    async def worker() -> None:
        reader = writer = None
        while deadline is None or time.perf_counter() < deadline:
            request = next_request()
            if request is None:
                break
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection(host, port)
                sent = time.perf_counter()
                writer.write(encode(request, f"{host}:{port}"))
                status, _ = await _read_response(reader)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                result.connection_errors += 1
                if writer is not None:
                    writer.close()
                reader = writer = None
                await asyncio.sleep(0.01)
                continue
            result.latencies.append(time.perf_counter() - sent)
            result.statuses[status] = result.statuses.get(status, 0) + 1
            if 200 <= status < 300:
                result.accepted_tags.append(request.tag)
        if writer is not None:
            writer.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    result.seconds = time.perf_counter() - started
    return result


def percentile(values: list[float], share: float) -> float:
    """Gives the value below which `share` of the values fall (nearest rank); 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]
