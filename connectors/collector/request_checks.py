"""Why a push is refused: each refusal carries the HTTP status and a reason the sender can act on."""

from __future__ import annotations

import json
from typing import Any


class Rejected(Exception):
    """A request the collector refuses; `reason` goes back to the sender (it never holds a secret)."""

    status = 400

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Malformed(Rejected):
    status = 400


class Unauthorized(Rejected):
    status = 401


class NotFound(Rejected):
    status = 404


class MethodNotAllowed(Rejected):
    status = 405


class TooLarge(Rejected):
    status = 413


def require_fresh(timestamp: str | None, now: float, window_seconds: int, what: str) -> int:
    """Gives the timestamp (seconds since 1970) when it is within `window_seconds` of now; else Unauthorized."""
    if not timestamp:
        raise Unauthorized(f"{what} is missing")
    try:
        value = int(timestamp)
    except ValueError:
        raise Unauthorized(f"{what} {timestamp!r} is not a whole number of seconds since 1970") from None
    if abs(now - value) > window_seconds:
        raise Unauthorized(
            f"{what} is {int(now - value)} s from the collector's clock; at most {window_seconds} s is accepted "
            "(a replay, or a clock out of sync)"
        )
    return value


def parse_json_object(body: bytes) -> dict[str, Any]:
    """Gives the JSON object a body holds; Malformed saying where the JSON breaks or what it holds instead."""
    try:
        payload = json.loads(body)
    except json.JSONDecodeError as exc:
        raise Malformed(
            f"body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    except UnicodeDecodeError:
        raise Malformed("body is not UTF-8 text") from None
    if not isinstance(payload, dict):
        raise Malformed(f"body is JSON {type(payload).__name__}, expected an object")
    return payload
