"""A generic webhook: one signed JSON event per record, following the Standard Webhooks specification.

Headers (standardwebhooks.com): `webhook-id` (the same on every retry of a message, so the receiver can drop
duplicates), `webhook-timestamp` (Unix seconds) and `webhook-signature` ('v1,' + base64 HMAC-SHA256 of
'<id>.<timestamp>.<body>' with the base64 key after 'whsec_').
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from connectors.destinations.http import HttpClient
from connectors.destinations.profile import PROFILE_FIELDS, extra_fields
from connectors.destinations.sync.destination import Destination, ErasureSubject, RateLimit
from connectors.destinations.sync.model import (
    Action,
    Change,
    DestinationMisconfigured,
    Mode,
    Outcome,
    Status,
    canonical_json,
)

EVENT_TYPES = {
    (Mode.MIRROR, Action.CREATE): "segment.member_added",
    (Mode.MIRROR, Action.UPDATE): "segment.member_updated",
    (Mode.MIRROR, Action.REMOVE): "segment.member_removed",
    (Mode.DELETE, Action.DELETE): "contact.deleted",
}


@dataclass(frozen=True)
class WebhookConfig:
    """Where events go and the endpoint's signing secret ('whsec_' + base64), from the environment."""

    url: str
    secret: str
    requests_per_second: float | None = None
    max_in_flight: int = 4
    timeout: float = 15.0


def signing_key(secret: str) -> bytes:
    """Gives the HMAC key of a Standard Webhooks secret ('whsec_<base64>')."""
    return base64.b64decode(secret.removeprefix("whsec_"))


def sign(secret: str, message_id: str, timestamp: int, body: str) -> str:
    """Gives the webhook-signature header value for one message."""
    signed = f"{message_id}.{timestamp}.{body}".encode()
    digest = hmac.new(signing_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


class SignedWebhook(Destination):
    """Events about a segment's members POSTed to one endpoint."""

    kind = "webhook"
    modes = frozenset({Mode.UPSERT, Mode.INSERT_ONLY, Mode.MIRROR, Mode.DELETE})
    resend_is_safe = True
    guarantee = (
        "at least once, with the same webhook-id on every retry and rerun: exactly once for a receiver that "
        "drops repeated webhook-ids, as Standard Webhooks requires of receivers"
    )

    def __init__(
        self, config: WebhookConfig, name: str = "webhook", mode: Mode = Mode.UPSERT, segment: str = ""
    ):
        if not config.secret.startswith("whsec_"):
            raise ValueError(f"{name}: the signing secret must look like whsec_<base64>")
        signing_key(config.secret)  # fails early on a secret that is not base64
        self.config = config
        self.name = name
        self.mode = mode
        self.segment = segment
        self.batch_size = 1
        self.max_in_flight = config.max_in_flight
        if config.requests_per_second:
            self.rate_limit = RateLimit.every_second(config.requests_per_second)
        self.client = HttpClient(
            config.url, "webhook", headers={"Content-Type": "application/json"}, secrets=[config.secret],
            timeout=config.timeout,
        )  # fmt: skip

    def payload(self, profile: Mapping[str, Any]) -> dict[str, Any]:
        data = {k: profile.get(k) for k in PROFILE_FIELDS if profile.get(k) is not None}
        return data | extra_fields(profile)

    def event_type(self, action: Action) -> str:
        if (self.mode, action) in EVENT_TYPES:
            return EVENT_TYPES[(self.mode, action)]
        return "contact.created" if action == Action.CREATE else "contact.updated"

    def send(self, action: Action, changes: Sequence[Change]) -> list[Outcome]:
        outcomes = []
        for change in changes:
            data = dict(change.payload) | {"contact_id": change.record_key, "segment": self.segment}
            self._post(f"msg_{change.idempotency_key}", self.event_type(action), data)
            outcomes.append(Outcome(change.record_key, Status.DELIVERED, f"msg_{change.idempotency_key}"))
        return outcomes

    def _post(self, message_id: str, event_type: str, data: Mapping[str, Any]) -> None:
        timestamp = int(time.time())
        body = canonical_json({"type": event_type, "timestamp": timestamp, "data": data})
        headers = {
            "webhook-id": message_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(self.config.secret, message_id, timestamp, body),
        }
        response = self.client.request("POST", "", data=body.encode("utf-8"), headers=headers)
        if response.status_code == 410:
            raise DestinationMisconfigured(f"webhook endpoint gone (410): {self.client.error_text(response)}")
        self.client.raise_for_status(response)

    def erase(self, subject: ErasureSubject) -> str:
        """Tells the receiver to delete the person: a contact.erased event naming only the contact id."""
        message_id = f"msg_erase_{subject.request_id}"
        self._post(
            message_id, "contact.erased", {"contact_id": subject.contact_id, "request_id": subject.request_id}
        )
        return f"webhook acknowledged contact.erased ({message_id})"

    def close(self) -> None:
        self.client.close()
