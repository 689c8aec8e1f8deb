"""Standard Webhooks signatures: webhook-id, webhook-timestamp, webhook-signature ("v1,<base64 HMAC-SHA256>").

The signed content is '<id>.<timestamp>.<body>'; the signature header may hold several space-separated
signatures (the sender signs with old and new secrets while rotating), and any one matching any configured secret
passes. A timestamp outside the replay window is refused, as the specification requires.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping, Sequence

from connectors.collector.request_checks import Unauthorized, require_fresh


def sign(key: bytes, webhook_id: str, timestamp: int | str, body: bytes) -> str:
    """Gives the 'v1,<base64>' signature of a webhook (how a sender signs)."""
    content = f"{webhook_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode("ascii")


def verify(
    headers: Mapping[str, str], body: bytes, keys: Sequence[bytes], now: float, window_seconds: int
) -> str:
    """Gives the webhook id when the signature and timestamp hold; raises Unauthorized saying what failed."""
    webhook_id = headers.get("webhook-id", "").strip()
    if not webhook_id:
        raise Unauthorized("webhook-id header is missing")
    if len(webhook_id) > 256:
        raise Unauthorized("webhook-id header is longer than 256 characters")
    timestamp = headers.get("webhook-timestamp", "").strip()
    require_fresh(timestamp, now, window_seconds, "webhook-timestamp")
    given = headers.get("webhook-signature", "").split()
    if not given:
        raise Unauthorized("webhook-signature header is missing")
    expected = {sign(key, webhook_id, timestamp, body).encode() for key in keys}
    for candidate in given:
        version, _, _ = candidate.partition(",")
        if version != "v1":
            continue
        if any(hmac.compare_digest(candidate.encode(), e) for e in expected):
            return webhook_id
    raise Unauthorized(
        "webhook-signature does not match any configured secret (wrong secret, or altered body)"
    )
