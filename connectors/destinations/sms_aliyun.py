"""SMS through Alibaba Cloud's Dysmsapi (2017-05-25): SendSms with an approved template, one number per call.

RPC style: every parameter in the query, signed with HMAC-SHA1 (SignatureVersion 1.0) over the canonicalised
query. Answers are JSON {"Code": "OK", "BizId": ..., "RequestId": ...}; business errors come as other Codes
(isv.MOBILE_NUMBER_ILLEGAL, isv.BUSINESS_LIMIT_CONTROL, isv.AMOUNT_NOT_ENOUGH, Throttling.User ...).
SendSms has no idempotency; Alibaba's guidance is to check the delivery record before retrying, which Yuchi does
with QuerySendDetails, matching the OutId it set to the idempotency key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from connectors.destinations.http import HttpClient
from connectors.destinations.profile import template_values
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
    RateLimited,
    Status,
    TransientError,
)

API_VERSION = "2017-05-25"
QUOTA_CODES = {
    "isv.AMOUNT_NOT_ENOUGH",
    "isv.DAY_LIMIT_CONTROL",
    "isv.MONTH_LIMIT_CONTROL",
    "isv.OUT_OF_SERVICE",
}
CREDENTIAL_CODES = {
    "InvalidAccessKeyId.NotFound",
    "SignatureDoesNotMatch",
    "isp.RAM_PERMISSION_DENY",
    "Forbidden.RAM",
}
THROTTLING_CODES = {"Throttling.User", "Throttling", "Throttling.Api", "ServiceUnavailable"}


@dataclass(frozen=True)
class AliyunSmsConfig:
    """An Alibaba Cloud AccessKey (secret from the environment), the approved signature and the endpoint."""

    access_key_id: str
    access_key_secret: str
    sign_name: str
    endpoint: str = "https://dysmsapi.aliyuncs.com"
    region_id: str = "cn-hangzhou"
    requests_per_second: float = 50.0
    max_in_flight: int = 2
    timeout: float = 10.0


def percent_encode(value: str) -> str:
    """Percent-encodes as the RPC signature requires (RFC 3986: only A-Z a-z 0-9 - _ . ~ stay)."""
    return quote(str(value), safe="-_.~")


def signed_query(params: Mapping[str, str], secret: str, method: str = "POST") -> dict[str, str]:
    """Gives the parameters with Signature added (HMAC-SHA1, SignatureVersion 1.0)."""
    canonical = "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()))
    to_sign = f"{method}&{percent_encode('/')}&{percent_encode(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return {**params, "Signature": base64.b64encode(digest).decode()}


def mainland_number(e164: str) -> str:
    """Gives the number as Dysmsapi expects it: 11 digits for +86, country code without '+' otherwise."""
    return e164[3:] if e164.startswith("+86") else e164.lstrip("+")


class AliyunSms(OneRequestPerRecord):
    """A template SMS (approved TemplateCode, variables from the profile) to each new member of a segment."""

    kind = "sms_aliyun"
    modes = frozenset({Mode.INSERT_ONLY})
    consent_channel = "sms"
    reads_back = True
    guarantee = (
        "exactly once within 30 days: OutId carries the idempotency key and QuerySendDetails is read before "
        "any resend of a message whose answer was lost"
    )

    def __init__(
        self,
        config: AliyunSmsConfig,
        template_code: str,
        template_params: Mapping[str, str],
        campaign: str,
        name: str = "sms_aliyun",
    ):
        self.config = config
        self.name = name
        self.template_code = template_code
        self.template_params = dict(template_params)  # template variable -> profile field
        self.campaign = campaign
        self.batch_size = 50
        self.max_in_flight = config.max_in_flight
        self.rate_limit = RateLimit.every_second(config.requests_per_second)
        self.client = HttpClient(
            config.endpoint, "Aliyun SMS", secrets=[config.access_key_secret], timeout=config.timeout
        )

    def payload(self, profile: Mapping[str, Any]) -> dict[str, Any]:
        phone = profile.get("phone")
        if not phone:
            raise InvalidRecord("no mobile number")
        params = template_values(profile, self.template_params, "variable")
        return {"to": mainland_number(str(phone)), "template_params": params, "campaign": self.campaign}

    def send_one(self, action: Action, change: Change) -> Outcome:
        body = self._call(
            "SendSms",
            {
                "PhoneNumbers": change.payload["to"],
                "SignName": self.config.sign_name,
                "TemplateCode": self.template_code,
                "TemplateParam": json.dumps(change.payload["template_params"], ensure_ascii=False),
                "OutId": change.idempotency_key,
            },
        )
        return Outcome(change.record_key, Status.DELIVERED, body.get("BizId"))

    def read_back(self, changes: Sequence[Change]) -> dict[str, str | None] | None:
        """Gives the changes whose OutId is among today's delivery records of their number."""
        today = datetime.now(UTC).strftime("%Y%m%d")
        found: dict[str, str | None] = {}
        for change in changes:
            if not change.payload:
                continue
            body = self._call(
                "QuerySendDetails",
                {
                    "PhoneNumber": change.payload["to"],
                    "SendDate": today,
                    "PageSize": "50",
                    "CurrentPage": "1",
                },
            )
            details = (body.get("SmsSendDetailDTOs") or {}).get("SmsSendDetailDTO") or []
            for detail in details:
                if detail.get("OutId") == change.idempotency_key:
                    found[change.record_key] = detail.get("BizId") or detail.get("OutId")
                    break
        return found

    def _call(self, action: str, params: Mapping[str, str]) -> dict:
        common = {
            "AccessKeyId": self.config.access_key_id,
            "Action": action,
            "Format": "JSON",
            "RegionId": self.config.region_id,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": API_VERSION,
        }
        query = signed_query({**common, **params}, self.config.access_key_secret)
        response = self.client.request("POST", "/", data=query)
        try:
            body = response.json()
        except ValueError:
            body = {}
        code = str(body.get("Code", ""))
        if response.status_code == 200 and code == "OK":
            return body
        detail = self.client.redact(
            f"Aliyun {code or response.status_code}: {body.get('Message', response.text[:200])}"
        )
        if code in THROTTLING_CODES or response.status_code == 429:
            raise RateLimited(detail, retry_after=1.0)
        if code in QUOTA_CODES:
            raise QuotaExhausted(detail)
        if code in CREDENTIAL_CODES or response.status_code in (401, 403):
            raise DestinationMisconfigured(detail)
        if response.status_code >= 500 or code.startswith("isp.") or code == "InternalError":
            raise TransientError(detail, ambiguous=True, http_status=response.status_code)
        raise BatchRejected(detail, http_status=response.status_code)

    def close(self) -> None:
        self.client.close()
