"""Website tracking in the Segment HTTP tracking API shapes: /v1/batch and the single-call endpoints.

Senders built for Segment (analytics.js, analytics-python, server libraries) work unchanged: a call is a JSON
object with a type, a userId or anonymousId, and the fields its type needs; /v1/batch carries up to 500 KiB of
them in {"batch": [...]}. Each event is landed as one JSON line, as received, plus "_received_at".
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from typing import Any

from connectors.collector.request_checks import Malformed, TooLarge, Unauthorized, parse_json_object

EVENT_TYPES = ("track", "page", "identify", "screen", "group", "alias")
REQUIRED_BY_TYPE = {"track": ("event",), "group": ("groupId",), "alias": ("previousId", "userId")}


def write_key_from_basic_auth(header: str | None) -> str | None:
    """Gives the write key of 'Authorization: Basic base64(<write key>:)', or None when there is none."""
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, _, _ = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, ValueError):
        raise Unauthorized("Authorization header is not valid HTTP basic credentials") from None
    return user or None


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _check_event(event: Any, where: str) -> dict:
    if not isinstance(event, dict):
        raise Malformed(f"{where} is JSON {type(event).__name__}, expected an object")
    kind = event.get("type")
    if kind not in EVENT_TYPES:
        raise Malformed(f"{where}: type {kind!r} is not one of {', '.join(EVENT_TYPES)}")
    if _blank(event.get("userId")) and _blank(event.get("anonymousId")):
        raise Malformed(f"{where}: a {kind} call needs userId or anonymousId")
    for name in REQUIRED_BY_TYPE.get(kind, ()):
        if _blank(event.get(name)):
            raise Malformed(f"{where}: a {kind} call needs {name}")
    for name in ("properties", "traits", "context"):
        if name in event and event[name] is not None and not isinstance(event[name], dict):
            raise Malformed(f"{where}: {name} must be an object")
    if _blank(event.get("messageId")):
        # Staging deduplicates on messageId; Segment's libraries always set one, bare HTTP senders may not.
        event["messageId"] = f"yuchi-{uuid.uuid4()}"
    return event


def parse_calls(endpoint: str, body: bytes) -> tuple[list[dict], str | None]:
    """Gives the events of a /v1/<endpoint> body and the writeKey it carried, if any; Malformed otherwise.

    A batch is all or nothing: one bad event refuses the whole request, naming it (batch[3]: ...).
    """
    payload = parse_json_object(body)
    write_key = payload.pop("writeKey", None)
    if endpoint not in ("batch", "import"):
        payload["type"] = endpoint
        return [_check_event(payload, "body")], write_key
    batch = payload.get("batch")
    if not isinstance(batch, list):
        raise Malformed(
            "a batch body is an object whose 'batch' is a list of calls; 'batch' is missing or not a list"
        )
    shared_context = payload.get("context") if isinstance(payload.get("context"), dict) else {}
    events = []
    for index, event in enumerate(batch):
        if isinstance(event, dict):
            event.pop("writeKey", None)
            own = event.get("context")
            if shared_context and (own is None or isinstance(own, dict)):
                event["context"] = {**shared_context, **(own or {})}
            if "sentAt" in payload and "sentAt" not in event:
                event["sentAt"] = payload["sentAt"]
        events.append(_check_event(event, f"batch[{index}]"))
    return events, write_key


def landed_lines(events: list[dict], received_at: str, max_event_bytes: int) -> bytes:
    """Gives the JSON lines to land (each event plus "_received_at"); TooLarge naming an event over the limit."""
    lines = []
    for index, event in enumerate(events):
        line = json.dumps({**event, "_received_at": received_at}, ensure_ascii=False, separators=(",", ":"))
        data = line.encode("utf-8")
        if len(data) - len(received_at) - 18 > max_event_bytes:  # 18: ',"_received_at":""'
            where = f"batch[{index}]" if len(events) > 1 else "the call"
            raise TooLarge(f"{where} is {len(data)} bytes; one call may be at most {max_event_bytes} bytes")
        lines.append(data + b"\n")
    return b"".join(lines)
