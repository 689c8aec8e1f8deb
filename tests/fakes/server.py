"""A loopback HTTP server for fake vendor APIs: routing, a vendor-style rate limit and fault injection.

Each fake (HubSpot, Salesforce, Twilio, Aliyun SMS, WeChat, a webhook receiver) subclasses FakeVendor and
answers with the vendor's documented status codes and error bodies. Faults are drawn from a seeded RNG:
- "429": rate limited with Retry-After (the vendor's 429 body);
- "500": a server error before the request is processed;
- "500_after": the request IS processed, then answered with 500 (the answer is lost: a retry must not duplicate);
- "timeout": the answer is delayed past the client's timeout, before processing;
- "timeout_after": processed, then the answer is delayed past the client's timeout.
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Faults:
    """Which faults to inject and how often (`rate` of requests get one of `kinds`, chosen uniformly)."""

    rate: float = 0.0
    kinds: tuple[str, ...] = ("429", "500")
    retry_after: float = 1.0
    delay: float = 3.0  # how long a "timeout" answer is held back
    seed: int = 7
    only_paths: str | None = None  # regex: inject only on matching paths


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def form(self) -> dict[str, str]:
        return {k: v[-1] for k, v in parse_qs(self.body.decode()).items()}


@dataclass
class Response:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None


class FakeVendor:
    """Base of the fake vendor servers: subclasses register routes and keep the vendor's state."""

    name = "fake"

    def __init__(
        self, faults: Faults | None = None, rate_limit: tuple[int, float] | None = None, latency: float = 0.0
    ):
        self.faults = faults or Faults()
        self.latency = latency  # seconds each answer takes, as a vendor across the internet would
        self.rate_limit = rate_limit
        self.lock = threading.RLock()
        self._rng = random.Random(self.faults.seed)
        self._starts: deque[float] = deque()
        self.routes: list[tuple[str, re.Pattern, Callable[..., Response]]] = []
        self.log: list[dict] = []  # every request: time, method, path, answer status, injected fault
        self.requests = 0  # requests received so far (counted on arrival, for quotas)
        self.changed = threading.Condition()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.hold_after: int | None = None  # requests after this many wait for `release` (a hung vendor)
        self.release = threading.Event()
        self.held = 0

    # -- lifecycle ------------------------------------------------------------------------------------------

    def start(self) -> FakeVendor:
        vendor = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                request = Request(self.command, parts.path, parse_qs(parts.query), dict(self.headers), body)
                response = vendor.dispatch(request)
                if response is None:  # the connection is dropped without an answer
                    self.close_connection = True
                    return
                data = response.raw if response.raw is not None else (
                    b"" if response.body is None else json.dumps(response.body, ensure_ascii=False).encode()
                )  # fmt: skip
                self.send_response(response.status)
                headers = {"Content-Type": "application/json;charset=utf-8", **response.headers}
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                try:
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    @property
    def url(self) -> str:
        host, port = self._server.server_address
        return f"http://{host}:{port}"

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -- routing --------------------------------------------------------------------------------------------

    def route(self, method: str, pattern: str, handler: Callable[..., Response]) -> None:
        self.routes.append((method, re.compile(f"^{pattern}$"), handler))

    def dispatch(self, request: Request) -> Response | None:
        if self.hold_after is not None and len(self.log) >= self.hold_after:
            with self.changed:
                self.held += 1
                self.changed.notify_all()
            self.release.wait()
        with self.lock:
            self.requests += 1
            number = self.requests
        entry = {
            "at": time.monotonic(),
            "method": request.method,
            "path": request.path,
            "fault": None,
            "n": number,
        }
        try:
            denied = self.authenticate(request, number)
            if denied is not None:
                return self._logged(entry, denied)
            if self.rate_limit and not self._admit():
                entry["fault"] = "rate_limit"
                return self._logged(entry, self.rate_limited(self.faults.retry_after))
            fault = self._draw_fault(request)
            entry["fault"] = fault
            if fault == "429":
                return self._logged(entry, self.rate_limited(self.faults.retry_after))
            if fault == "500":
                return self._logged(entry, self.server_error())
            if fault == "timeout":
                time.sleep(self.faults.delay)
                return self._logged(entry, self.server_error())
            if self.latency:
                time.sleep(self.latency)
            for method, pattern, handler in self.routes:
                match = pattern.match(request.path)
                if method == request.method and match:
                    with self.lock:
                        response = handler(request, **match.groupdict())
                    if fault == "500_after":
                        return self._logged(entry, self.server_error())
                    if fault == "timeout_after":
                        time.sleep(self.faults.delay)
                    return self._logged(entry, response)
            return self._logged(
                entry, Response(404, {"message": f"no route {request.method} {request.path}"})
            )
        finally:
            with self.changed:
                self.changed.notify_all()

    def _logged(self, entry: dict, response: Response | None) -> Response | None:
        entry["status"] = response.status if response else None
        entry["retry_after"] = response.headers.get("Retry-After") if response else None
        with self.lock:
            self.log.append(entry)
        return response

    def _admit(self) -> bool:
        limit, window = self.rate_limit
        now = time.monotonic()
        with self.lock:
            while self._starts and self._starts[0] <= now - window:
                self._starts.popleft()
            if len(self._starts) >= limit:
                return False
            self._starts.append(now)
            return True

    def _draw_fault(self, request: Request) -> str | None:
        faults = self.faults
        if not faults.rate or (faults.only_paths and not re.search(faults.only_paths, request.path)):
            return None
        with self.lock:
            if self._rng.random() >= faults.rate:
                return None
            return self._rng.choice(faults.kinds)

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 30.0) -> None:
        """Blocks a test until the predicate over the vendor's state holds."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while not predicate():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"{self.name}: condition not met in {timeout}s")
                self.changed.wait(remaining)

    # -- vendor specifics (overridden) ----------------------------------------------------------------------

    def authenticate(self, request: Request, number: int) -> Response | None:
        """Gives the vendor's refusal of request number `number` (bad credentials, quota), or None."""
        return None

    def rate_limited(self, retry_after: float) -> Response:
        return Response(429, {"message": "Too Many Requests"}, {"Retry-After": _seconds(retry_after)})

    def server_error(self) -> Response:
        return Response(500, {"message": "internal error"})

    def statuses(self) -> dict[Any, int]:
        counts: dict[Any, int] = {}
        for entry in self.log:
            counts[entry["status"]] = counts.get(entry["status"], 0) + 1
        return counts


def _seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
