"""POST /v1/<call>: tracking events in the Segment HTTP API shapes, landed as JSON lines.

Files: landing/web_tracking/collector-<UTC stamp>.jsonl, one event per line as received plus "_received_at". The
write key comes as HTTP basic auth (the key as user name, no password), as Segment's senders send it, or as
"writeKey" in the body (then removed from what is landed).
"""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING

from connectors.collector.asgi import HttpRequest, HttpResponse
from connectors.collector.record_formats import JSONL, received_at
from connectors.collector.request_checks import MethodNotAllowed, NotFound, Unauthorized
from connectors.collector.segment_api import EVENT_TYPES, landed_lines, parse_calls, write_key_from_basic_auth

if TYPE_CHECKING:
    from connectors.collector.app import Collector

CHANNEL = "web_tracking"
ENDPOINTS = ("batch", "import", *EVENT_TYPES)


def _authorised(collector: Collector, key: str | None) -> None:
    if not collector.credentials.write_keys:
        raise Unauthorized("no tracking write key is configured (YUCHI_TRACKING_WRITE_KEYS)")
    if not key:
        raise Unauthorized("a write key is needed: HTTP basic auth with the write key as user name")
    if not any(hmac.compare_digest(key.encode(), k.encode()) for k in collector.credentials.write_keys):
        raise Unauthorized("the write key is not one of the configured keys")


async def handle(collector: Collector, request: HttpRequest, endpoint: str) -> HttpResponse:
    """Lands the call's events and answers {"success": true}."""
    if endpoint not in ENDPOINTS:
        raise NotFound(f"no endpoint /v1/{endpoint} (known: {', '.join(ENDPOINTS)})")
    if request.method != "POST":
        raise MethodNotAllowed("tracking calls are POSTed")
    header_key = write_key_from_basic_auth(request.headers.get("authorization"))
    batch = endpoint in ("batch", "import")
    limit = collector.config.max_batch_bytes if batch else collector.config.max_event_bytes
    body = await request.body(limit)
    if header_key is not None:
        _authorised(collector, header_key)
    events, body_key = parse_calls(endpoint, body)
    if header_key is None:
        _authorised(collector, body_key if isinstance(body_key, str) else None)
    if events:
        data = landed_lines(events, received_at(), collector.config.max_event_bytes)
        await collector.stream("web_tracking", CHANNEL, "collector-", JSONL).append(data)
    return HttpResponse.json(200, {"success": True})
