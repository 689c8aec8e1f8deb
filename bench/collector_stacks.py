"""Which HTTP server stack carries the collector: the same fsync-before-ack handler on four stacks.

Each stack serves POST /v1/track: parse the JSON body, add _received_at, append the line to one file, fsync
(group commit: requests that arrive during an fsync share the next one), then answer 200. The load client runs
in a separate process (bench/http_load.py). Used once to choose the stack (docs/decisions/
2026-11-23-collector-server-stack.md); kept so the choice can be re-measured:

    .venv/bin/python bench/collector_stacks.py --seconds 10 --concurrency 64
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from http_load import Request, percentile, run_load  # noqa: E402

STACKS = ("stdlib-threading", "aiohttp", "starlette-uvicorn", "uvicorn-raw-asgi")


def _line(body: bytes) -> bytes:
    event = json.loads(body)
    event["_received_at"] = datetime.now(UTC).isoformat()
    return json.dumps(event, ensure_ascii=False).encode() + b"\n"


class AsyncGroupCommit:
    """Appends for coroutines: one writer thread writes and fsyncs everything queued since its last fsync."""

    def __init__(self, path: Path) -> None:
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self.pending: list[tuple[bytes, asyncio.Future]] = []
        self.flushing = False
        self.pool = ThreadPoolExecutor(1)

    def _write(self, data: bytes) -> None:
        os.write(self.fd, data)
        os.fsync(self.fd)

    async def append(self, data: bytes) -> None:
        future = asyncio.get_running_loop().create_future()
        self.pending.append((data, future))
        if not self.flushing:
            self.flushing = True
            asyncio.get_running_loop().create_task(self._flush())
        await future

    async def _flush(self) -> None:
        loop = asyncio.get_running_loop()
        while self.pending:
            batch, self.pending = self.pending, []
            await loop.run_in_executor(self.pool, self._write, b"".join(d for d, _ in batch))
            for _, future in batch:
                future.set_result(None)
        self.flushing = False


class ThreadGroupCommit:
    """Appends for threads: the first waiting thread becomes the leader and fsyncs for all who queued."""

    def __init__(self, path: Path) -> None:
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self.cond = threading.Condition()
        self.pending: list[bytes] = []
        self.written = 0
        self.queued = 0
        self.leader = False

    def append(self, data: bytes) -> None:
        with self.cond:
            self.pending.append(data)
            self.queued += 1
            mine = self.queued
            while self.written < mine:
                if not self.leader:
                    self.leader = True
                    batch, self.pending = self.pending, []
                    upto = self.queued
                    self.cond.release()
                    try:
                        os.write(self.fd, b"".join(batch))
                        os.fsync(self.fd)
                    finally:
                        self.cond.acquire()
                    self.written = upto
                    self.leader = False
                    self.cond.notify_all()
                else:
                    self.cond.wait()


def serve(stack: str, port: int, path: Path) -> None:
    ok = b'{"success":true}'
    if stack == "stdlib-threading":
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        log = ThreadGroupCommit(path)

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                log.append(_line(body))
                self.send_response(200)
                self.send_header("Content-Length", str(len(ok)))
                self.end_headers()
                self.wfile.write(ok)

            def log_message(self, *args):
                pass

        ThreadingHTTPServer.request_queue_size = 1024
        ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
    elif stack == "aiohttp":
        from aiohttp import web

        async def track(request: web.Request) -> web.Response:
            await app["log"].append(_line(await request.read()))
            return web.Response(body=ok, content_type="application/json")

        async def start(app_: web.Application) -> None:
            app_["log"] = AsyncGroupCommit(path)

        app = web.Application()
        app.router.add_post("/v1/track", track)
        app.on_startup.append(start)
        web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)
    else:
        import uvicorn

        holder: dict[str, AsyncGroupCommit] = {}
        if stack == "starlette-uvicorn":
            from starlette.applications import Starlette
            from starlette.responses import Response
            from starlette.routing import Route

            async def track_endpoint(request):
                if "log" not in holder:
                    holder["log"] = AsyncGroupCommit(path)
                await holder["log"].append(_line(await request.body()))
                return Response(ok, media_type="application/json")

            asgi = Starlette(routes=[Route("/v1/track", track_endpoint, methods=["POST"])])
        else:

            async def asgi(scope, receive, send):
                if scope["type"] != "http":
                    return
                if "log" not in holder:
                    holder["log"] = AsyncGroupCommit(path)
                body = b""
                while True:
                    message = await receive()
                    body += message.get("body", b"")
                    if not message.get("more_body"):
                        break
                await holder["log"].append(_line(body))
                await send(
                    {
                        "type": "http.response.start",
                        "status": 200,
                        "headers": [(b"content-type", b"application/json"), (b"content-length", b"16")],
                    }
                )
                await send({"type": "http.response.body", "body": ok})

        uvicorn.run(
            asgi,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            access_log=False,
            loop="uvloop",
            http="httptools",
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_listening(port: int, timeout: float = 20.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"server on port {port} did not start")


def client(port: int, seconds: float, concurrency: int) -> dict:
    body = json.dumps(
        {"type": "track", "event": "Signed Up", "anonymousId": "a1b2c3", "properties": {"plan": "pro"}}
    ).encode()
    req = Request("POST", "/v1/track", {"Content-Type": "application/json"}, body)
    result = asyncio.run(run_load("127.0.0.1", port, lambda: req, concurrency, time.perf_counter() + seconds))
    accepted = len(result.accepted_tags)
    return {
        "accepted_per_s": round(accepted / result.seconds),
        "p50_ms": round(percentile(result.latencies, 0.5) * 1000, 2),
        "p99_ms": round(percentile(result.latencies, 0.99) * 1000, 2),
        "errors": result.connection_errors,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stacks", nargs="*", default=list(STACKS))
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--client", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port, Path(args.file))
        return
    if args.client:
        print(json.dumps(client(args.port, args.seconds, args.concurrency)))
        return
    for stack in args.stacks:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "events.jsonl"
            port = free_port()
            server = subprocess.Popen(
                [sys.executable, __file__, "--serve", stack, "--port", str(port), "--file", str(path)]
            )
            try:
                wait_listening(port)
                out = subprocess.run(
                    [
                        sys.executable,
                        __file__,
                        "--client",
                        "--port",
                        str(port),
                        "--seconds",
                        str(args.seconds),
                        "--concurrency",
                        str(args.concurrency),
                    ],
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout
            finally:
                server.terminate()
                server.wait(10)
            figures = json.loads(out)
            lines = sum(1 for _ in path.open("rb"))
            print(json.dumps({"stack": stack, **figures, "lines_in_file": lines}))


if __name__ == "__main__":
    main()
