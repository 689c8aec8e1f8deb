"""The collector as an ASGI application: routes, the three channels' handlers, start-up recovery, shutdown.

    GET  /health                    liveness and what the collector is writing
    GET  /wechat/<app_id>           WeChat server-verification handshake (answers echostr)
    POST /wechat/<app_id>           WeChat pushes (plain text or safe mode), answered "success"
    POST /webhooks/forms/<source>   form submissions signed in the Standard Webhooks style
    POST /v1/batch, /v1/track, ...  tracking calls in the Segment HTTP API shapes

Every 2xx to a push is sent only after its records are fsynced into the landing folder.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor

from connectors.collector import form_webhooks, tracking_calls, wechat_callbacks
from connectors.collector.asgi import HttpRequest, HttpResponse, Receive, Scope, Send
from connectors.collector.config import CollectorConfig
from connectors.collector.credentials import Credentials
from connectors.collector.landing_recovery import recover_open_files
from connectors.collector.landing_stream import LandingStream, LandingWriteError
from connectors.collector.record_formats import JSONL, RecordFormat
from connectors.collector.request_checks import NotFound, Rejected
from connectors.collector.webhook_ledger import WebhookLedger

log = logging.getLogger("yuchi.collector")


class Collector:
    """The service: owns the landing streams, the webhook ledger and the single-writer lock on the landing folder."""

    def __init__(self, config: CollectorConfig, credentials: Credentials) -> None:
        self.config, self.credentials = config, credentials
        self.started = time.monotonic()
        self._executor = ThreadPoolExecutor(max_workers=8, thread_name_prefix="landing")
        self._streams: dict[str, LandingStream] = {}
        self._ledger: WebhookLedger | None = None
        self._lock_fd: int | None = None
        self._housekeeping: asyncio.Task | None = None
        self.inflight_webhooks: dict[tuple[str, str], asyncio.Future] = {}
        self.rejected = 0

    @property
    def ledger(self) -> WebhookLedger:
        assert self._ledger is not None, "the collector has not started"
        return self._ledger

    def stream(self, name: str, channel: str, prefix: str, fmt: RecordFormat) -> LandingStream:
        """Gives the landing stream `name`, creating it on first use."""
        if name not in self._streams:
            on_durable = self.ledger.remember if channel == form_webhooks.CHANNEL else None
            self._streams[name] = LandingStream(
                self.config.landing / channel,
                prefix,
                fmt,
                self._executor,
                self.config.rotate_bytes,
                self.config.rotate_seconds,
                on_durable=on_durable,
            )
        return self._streams[name]

    # -- lifecycle -------------------------------------------------------------------------------------------

    def start(self) -> None:
        """Takes the landing folder's lock, opens the ledger and closes files a previous run left open."""
        self.config.landing.mkdir(parents=True, exist_ok=True)
        lock_path = self.config.landing / ".collector.lock"
        self._lock_fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._lock_fd)
            self._lock_fd = None
            raise RuntimeError(
                f"another collector is writing {self.config.landing} (it holds {lock_path})"
            ) from None
        retention = self.config.webhook_id_retention_days * 86400
        self._ledger = WebhookLedger(self.config.state / "webhook_ids.sqlite", retention)
        self._recover()
        log.info(
            "collector started",
            extra={"fields": {"landing": str(self.config.landing), **self.credentials.describe()}},
        )

    def _recover(self) -> None:
        webhook_keys: list[tuple[str, str]] = []

        def remember(record: bytes) -> None:
            if key := WebhookLedger.key_of_record(record):
                webhook_keys.append(key)

        for channel, pattern, fmt, on_record in (
            (wechat_callbacks.CHANNEL, "pushes-*.xml", wechat_callbacks.FORMAT, None),
            (form_webhooks.CHANNEL, "webhook-*.jsonl", JSONL, remember),
            (tracking_calls.CHANNEL, "collector-*.jsonl", JSONL, None),
        ):
            for item in recover_open_files(self.config.landing / channel, pattern, fmt, on_record):
                fields = {
                    "file": str(item.final or item.path),
                    "records": item.records,
                    "torn_bytes_cut": item.bytes_cut,
                }
                log.warning("closed a landing file left open by the previous run", extra={"fields": fields})
        if webhook_keys:
            self.ledger.remember(webhook_keys)

    async def _housekeep(self) -> None:
        last_prune = 0.0
        while True:
            await asyncio.sleep(1.0)
            for stream in list(self._streams.values()):
                try:
                    await stream.rotate_if_due()
                except Exception as exc:  # keep rotating the other streams; say what failed
                    log.error(
                        "rotation failed", extra={"fields": {"stream": stream.prefix, "error": str(exc)}}
                    )
            if time.monotonic() - last_prune > 3600:
                last_prune = time.monotonic()
                loop = asyncio.get_running_loop()
                forgotten = await loop.run_in_executor(self._executor, self.ledger.prune)
                log.info("webhook ledger pruned", extra={"fields": {"forgotten": forgotten}})

    async def stop(self) -> None:
        """Lands what is queued, closes every file under its final name, releases the lock."""
        if self._housekeeping is not None:
            self._housekeeping.cancel()
        for stream in self._streams.values():
            await stream.close()
        if self._ledger is not None:
            self._ledger.close()
        self._executor.shutdown(wait=True)
        if self._lock_fd is not None:
            os.close(self._lock_fd)
        log.info("collector stopped", extra={"fields": {"files_closed": self.files_closed()}})

    def files_closed(self) -> int:
        return sum(s.files_closed for s in self._streams.values())

    # -- ASGI ------------------------------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            request = HttpRequest.from_scope(scope, receive)
            response = await self.handle(request)
            await response.send(send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    self.start()
                except Exception as exc:
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                self._housekeeping = asyncio.get_running_loop().create_task(self._housekeep())
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.stop()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def handle(self, request: HttpRequest) -> HttpResponse:
        """Gives the answer to one request; refusals carry their status and reason."""
        try:
            return await self._route(request)
        except Rejected as exc:
            self.rejected += 1
            log.warning(
                "request refused",
                extra={
                    "fields": {
                        "path": request.path,
                        "status": exc.status,
                        "reason": exc.reason,
                        "client": request.client,
                    }
                },
            )
            headers = (
                (("WWW-Authenticate", 'Basic realm="yuchi"'),)
                if exc.status == 401 and (request.path.startswith("/v1/"))
                else ()
            )
            return HttpResponse.json(exc.status, {"error": exc.reason}, headers)
        except LandingWriteError:
            return HttpResponse.json(
                503, {"error": "the record could not be stored durably; retry later"}, (("Retry-After", "5"),)
            )
        except ConnectionResetError:
            return HttpResponse.json(400, {"error": "the body was not received in full"})

    async def _route(self, request: HttpRequest) -> HttpResponse:
        parts = [p for p in request.path.split("/") if p]
        if parts == ["health"]:
            return self.health()
        if len(parts) == 2 and parts[0] == "wechat":
            return await wechat_callbacks.handle(self, request, parts[1])
        if len(parts) == 3 and parts[:2] == ["webhooks", "forms"]:
            return await form_webhooks.handle(self, request, parts[2])
        if len(parts) == 2 and parts[0] == "v1":
            return await tracking_calls.handle(self, request, parts[1])
        raise NotFound(f"no endpoint at {request.path}")

    def health(self) -> HttpResponse:
        writable = os.access(self.config.landing, os.W_OK)
        streams = {
            name: {
                "open_file": str(s.open_file) if s.open_file else None,
                "requests_landed": s.records_appended,
                "fsyncs": s.fsyncs,
                "files_closed": s.files_closed,
            }
            for name, s in self._streams.items()
        }
        return HttpResponse.json(
            200 if writable else 503,
            {
                "status": "ok" if writable else "landing folder is not writable",
                "landing": str(self.config.landing),
                "uptime_seconds": round(time.monotonic() - self.started, 1),
                "requests_refused": self.rejected,
                "streams": streams,
            },
        )
