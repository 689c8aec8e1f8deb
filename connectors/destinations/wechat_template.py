"""WeChat official-account template messages, deduplicated by client_msg_id.

Endpoints (developers.weixin.qq.com, 公众号): POST /cgi-bin/stable_token gives an access_token valid for
expires_in seconds; POST /cgi-bin/message/template/send?access_token=... sends one message and answers
{"errcode": 0, "errmsg": "ok", "msgid": ...}. WeChat sends one message per openid + client_msg_id within
10 minutes. errcode 40001/40014/42001: token invalid or expired (refresh and retry); 43004: the follower
unsubscribed; 45009: the daily quota is used; -1: system busy. An OpenID belongs to one official account, so
the contact's OpenID for this app id is the only one used.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from connectors.destinations.http import HttpClient
from connectors.destinations.profile import openid_for_app, template_values
from connectors.destinations.sync.destination import OneRequestPerRecord, RateLimit
from connectors.destinations.sync.model import (
    Action,
    BatchRejected,
    Change,
    DestinationMisconfigured,
    InvalidRecord,
    Mode,
    Outcome,
    QuotaExhausted,
    Status,
    TransientError,
)

TOKEN_ERRORS = {40001, 40014, 42001}
CREDENTIAL_ERRORS = {40013, 40125, 40164, 41002, 41004, 61024}  # bad appid/secret, IP not whitelisted
QUOTA_ERRORS = {45009, 45047}
BUSY = {-1, 45011}
NOT_FOLLOWING = 43004
TOKEN_MARGIN = 300.0  # refresh five minutes before WeChat says the token expires


@dataclass(frozen=True)
class WeChatConfig:
    """One official account: app id and app secret (from the environment)."""

    app_id: str
    app_secret: str
    base_url: str = "https://api.weixin.qq.com"
    requests_per_second: float = 20.0
    max_in_flight: int = 2
    timeout: float = 10.0


class WeChatTemplateMessages(OneRequestPerRecord):
    """A template message from one official account to each new member who follows it."""

    kind = "wechat_template"
    modes = frozenset({Mode.INSERT_ONLY})
    consent_channel = "wechat"
    resend_is_safe = True
    resend_window_seconds = 600.0
    guarantee = (
        "exactly once within 10 minutes: client_msg_id is the idempotency key and WeChat drops a repeat for "
        "the same OpenID; an answer lost for longer is recorded as unknown and not resent"
    )

    def __init__(
        self,
        config: WeChatConfig,
        template_id: str,
        fields: Mapping[str, str],
        campaign: str,
        url: str | None = None,
        name: str = "wechat",
    ):
        self.config = config
        self.name = name
        self.template_id = template_id
        self.fields = dict(fields)  # template keyword -> profile field
        self.campaign = campaign
        self.url = url
        self.batch_size = 50
        self.max_in_flight = config.max_in_flight
        self.rate_limit = RateLimit.every_second(config.requests_per_second)
        self.client = HttpClient(
            config.base_url, "WeChat", secrets=[config.app_secret], timeout=config.timeout
        )
        self._token: str | None = None
        self._token_expires = 0.0
        self._token_lock = threading.Lock()

    def payload(self, profile: Mapping[str, Any]) -> dict[str, Any]:
        openid = openid_for_app(profile, self.config.app_id)
        if not openid:
            raise InvalidRecord(f"no OpenID in official account {self.config.app_id} (never followed it)")
        values = template_values(profile, self.fields, "keyword")
        data = {keyword: {"value": value[:200]} for keyword, value in values.items()}
        message = {"touser": openid, "template_id": self.template_id, "data": data, "campaign": self.campaign}
        if self.url:
            message["url"] = self.url
        return message

    def send_one(self, action: Action, change: Change) -> Outcome:
        body = {k: v for k, v in change.payload.items() if k != "campaign"}
        body["client_msg_id"] = change.idempotency_key
        for attempt in (1, 2):
            token = self._access_token(force=attempt == 2)
            response = self.client.request(
                "POST", "/cgi-bin/message/template/send", params={"access_token": token}, json=body
            )
            self.client.raise_for_status(response)
            answer = response.json()
            code = int(answer.get("errcode", 0))
            if code == 0:
                return Outcome(change.record_key, Status.DELIVERED, str(answer.get("msgid")))
            if code == NOT_FOLLOWING:
                reason = f"WeChat 43004: the OpenID no longer follows {self.config.app_id}"
                return Outcome(change.record_key, Status.SKIPPED, reason=reason)
            if code not in TOKEN_ERRORS:
                break
        self._raise(code, answer)
        raise AssertionError("unreachable")

    def _raise(self, code: int, answer: Mapping[str, Any]) -> None:
        detail = self.client.redact(f"WeChat errcode {code}: {answer.get('errmsg')}")
        if code in QUOTA_ERRORS:
            raise QuotaExhausted(detail)
        if code in CREDENTIAL_ERRORS or code in TOKEN_ERRORS:
            raise DestinationMisconfigured(detail)
        if code in BUSY:
            raise TransientError(detail, ambiguous=True)
        raise BatchRejected(detail)

    def _access_token(self, force: bool = False) -> str:
        with self._token_lock:
            if force or not self._token or time.monotonic() >= self._token_expires:
                response = self.client.request(
                    "POST",
                    "/cgi-bin/stable_token",
                    json={
                        "grant_type": "client_credential",
                        "appid": self.config.app_id,
                        "secret": self.config.app_secret,
                        "force_refresh": force,
                    },
                )
                self.client.raise_for_status(response)
                answer = response.json()
                if "access_token" not in answer:
                    self._raise(int(answer.get("errcode", -1)), answer)
                self._token = answer["access_token"]
                self.client.add_secret(self._token)
                self._token_expires = time.monotonic() + float(answer.get("expires_in", 7200)) - TOKEN_MARGIN
            return self._token

    def close(self) -> None:
        self.client.close()
