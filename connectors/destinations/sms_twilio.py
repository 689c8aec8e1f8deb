"""SMS through a Twilio-style HTTP API: POST /2010-04-01/Accounts/{AccountSid}/Messages.json, one per message.

Twilio answers 201 with the Message resource ({"sid": "SM...", "status": "queued"}), and errors as
{"code": 21211, "message": ..., "more_info": ..., "status": 400}; 429 (code 20429) when sending too fast.
The API has no idempotency key, so after a lost answer Yuchi lists the Messages sent to that number today and
looks for the exact body before deciding whether to resend.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from connectors.destinations.http import HttpClient
from connectors.destinations.messages import Templates
from connectors.destinations.profile import extra_fields
from connectors.destinations.sync.destination import OneRequestPerRecord, RateLimit
from connectors.destinations.sync.model import (
    Action,
    BatchRejected,
    Change,
    InvalidRecord,
    Mode,
    Outcome,
    Status,
)

UNSUBSCRIBED_RECIPIENT = 21610  # Twilio: the recipient replied STOP


@dataclass(frozen=True)
class TwilioConfig:
    """A Twilio account (auth token from the environment) and the sender."""

    account_sid: str
    auth_token: str
    sender: str  # a phone number (From) or a Messaging Service SID (MG...)
    base_url: str = "https://api.twilio.com"
    messages_per_second: float = 10.0
    max_in_flight: int = 2
    templates: str | None = None
    timeout: float = 30.0


class TwilioSms(OneRequestPerRecord):
    """A templated SMS to each new member of a segment."""

    kind = "sms_twilio"
    modes = frozenset({Mode.INSERT_ONLY})
    consent_channel = "sms"
    reads_back = True
    guarantee = (
        "exactly once where the Messages list can be read: after a lost answer Yuchi looks for the same body "
        "sent to the same number today and resends only if it is not there"
    )

    def __init__(self, config: TwilioConfig, template: str, campaign: str, name: str = "sms_twilio"):
        self.config = config
        self.name = name
        self.template = template
        self.campaign = campaign
        self.templates = Templates(config.templates)
        self.templates.require(template, "sms.txt")
        self.batch_size = 50
        self.max_in_flight = config.max_in_flight
        self.rate_limit = RateLimit.every_second(config.messages_per_second)
        self.client = HttpClient(
            config.base_url,
            "Twilio",
            secrets=[config.auth_token],
            auth=(config.account_sid, config.auth_token),
            timeout=config.timeout,
        )
        self.messages_path = f"/2010-04-01/Accounts/{config.account_sid}/Messages.json"

    def payload(self, profile: Mapping[str, Any]) -> dict[str, Any]:
        phone = profile.get("phone")
        if not phone:
            raise InvalidRecord("no mobile number")
        body = self.templates.render(self.template, "sms.txt", {**profile, **extra_fields(profile)})
        return {"to": phone, "body": body, "campaign": self.campaign}

    def send_one(self, action: Action, change: Change) -> Outcome:
        sender_field = "MessagingServiceSid" if self.config.sender.startswith("MG") else "From"
        form = {"To": change.payload["to"], sender_field: self.config.sender, "Body": change.payload["body"]}
        response = self.client.request("POST", self.messages_path, data=form)
        if response.status_code == 400:
            error = _json(response)
            reason = f"Twilio {error.get('code')}: {error.get('message')}"
            raise BatchRejected(reason, http_status=400)
        self.client.raise_for_status(response)
        return Outcome(change.record_key, Status.DELIVERED, _json(response).get("sid"))

    def read_back(self, changes: Sequence[Change]) -> dict[str, str | None] | None:
        """Gives the changes whose exact body went to the same number today (Messages list, DateSent>=)."""
        today = datetime.now(UTC).strftime("%Y-%m-%d")
        found: dict[str, str | None] = {}
        for change in changes:
            if not change.payload:
                continue
            params = {"To": change.payload["to"], "DateSent>": today, "PageSize": 100}
            response = self.client.request("GET", self.messages_path, params=params)
            self.client.raise_for_status(response)
            for message in _json(response).get("messages") or []:
                if message.get("body") == change.payload["body"] and message.get("status") != "failed":
                    found[change.record_key] = message.get("sid")
                    break
        return found

    def close(self) -> None:
        self.client.close()


def _json(response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
