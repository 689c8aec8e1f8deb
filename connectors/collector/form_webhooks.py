"""POST /webhooks/forms/<source>: form submissions signed in the Standard Webhooks style, landed as JSON lines.

Files: landing/web_forms/webhook-<UTC stamp>.jsonl, one line per submission: the body as received plus
"_webhook_id", "_webhook_source" and "_received_at". A webhook-id already landed for this source is answered 200
without landing it again; so is a retry that arrives while the first delivery is still being written.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import TYPE_CHECKING

from connectors.collector import standard_webhooks
from connectors.collector.asgi import HttpRequest, HttpResponse
from connectors.collector.credentials import NAME_PATTERN, env_suffix
from connectors.collector.record_formats import JSONL, received_at
from connectors.collector.request_checks import Malformed, MethodNotAllowed, NotFound, parse_json_object
from connectors.sources.web_forms import SUBMISSIONS

if TYPE_CHECKING:
    from connectors.collector.app import Collector

CHANNEL = "web_forms"
REQUIRED_FIELDS = tuple(f.name for f in SUBMISSIONS.fields if f.required)


def parse_submission(body: bytes) -> dict:
    """Gives the submission object; Malformed when it is not JSON or lacks a field the landing contract needs."""
    payload = parse_json_object(body)
    missing = [name for name in REQUIRED_FIELDS if payload.get(name) in (None, "")]
    if missing:
        raise Malformed(f"submission lacks required field(s) {', '.join(missing)}")
    return payload


async def handle(collector: Collector, request: HttpRequest, source: str) -> HttpResponse:
    """Lands a verified submission once per webhook-id and answers 200."""
    if request.method != "POST":
        raise MethodNotAllowed("form webhooks are POSTed")
    keys = collector.credentials.webhook_secrets(source) if NAME_PATTERN.match(source) else ()
    if not keys:
        raise NotFound(
            f"no webhook secret is configured for form source {source!r} "
            f"(YUCHI_WEBHOOK_SECRET_{env_suffix(source)})"
        )
    body = await request.body(collector.config.max_body_bytes)
    webhook_id = standard_webhooks.verify(
        request.headers, body, keys, time.time(), collector.config.replay_window_seconds
    )
    key = (source, webhook_id)
    if collector.ledger.seen(source, webhook_id):
        return HttpResponse.json(200, {"status": "duplicate", "webhook_id": webhook_id})
    first = collector.inflight_webhooks.get(key)
    if first is not None:
        await asyncio.shield(first)
        return HttpResponse.json(200, {"status": "duplicate", "webhook_id": webhook_id})
    submission = parse_submission(body)
    record = {
        **submission,
        "_webhook_id": webhook_id,
        "_webhook_source": source,
        "_received_at": received_at(),
    }
    line = json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"
    done = asyncio.get_running_loop().create_future()
    collector.inflight_webhooks[key] = done
    try:
        await collector.stream("web_forms", CHANNEL, "webhook-", JSONL).append(line, keys=[key])
        done.set_result(None)
    except BaseException as exc:
        done.set_exception(exc)
        done.exception()  # a retry waiting on it sees the failure; nobody waiting is fine too
        raise
    finally:
        del collector.inflight_webhooks[key]
    return HttpResponse.json(200, {"status": "accepted", "webhook_id": webhook_id})
