"""Fake messaging vendors on loopback: Twilio Messages, Aliyun Dysmsapi, WeChat template messages, a webhook
receiver that verifies Standard Webhooks signatures, and an SMTP server (aiosmtpd) that keeps what it receives.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import time
import uuid
from datetime import UTC, datetime
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller

from connectors.destinations.sms_aliyun import signed_query
from connectors.destinations.webhook import signing_key
from tests.fakes.server import FakeVendor, Faults, Request, Response, _seconds


class FakeTwilio(FakeVendor):
    """POST/GET /2010-04-01/Accounts/{AccountSid}/Messages.json with HTTP Basic auth (AccountSid:AuthToken)."""

    name = "twilio"

    def __init__(self, account_sid="AC" + "0" * 32, auth_token="twilio-token", faults: Faults | None = None):
        super().__init__(faults)
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.messages: list[dict] = []
        self.opted_out: set[str] = set()
        self._sids = itertools.count(1)
        self.route("POST", r"/2010-04-01/Accounts/(?P<sid>\w+)/Messages\.json", self.create)
        self.route("GET", r"/2010-04-01/Accounts/(?P<sid>\w+)/Messages\.json", self.list)

    def authenticate(self, request: Request, number: int) -> Response | None:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if request.headers.get("Authorization") != f"Basic {expected}":
            return Response(401, {"code": 20003, "message": "Authenticate", "more_info":
                                  "https://www.twilio.com/docs/errors/20003", "status": 401})  # fmt: skip
        return None

    def rate_limited(self, retry_after: float) -> Response:
        return Response(429, {"code": 20429, "message": "Too Many Requests",
                              "more_info": "https://www.twilio.com/docs/errors/20429", "status": 429},
                        {"Retry-After": _seconds(retry_after)})  # fmt: skip

    def server_error(self) -> Response:
        return Response(500, {"code": 20500, "message": "Internal Server Error", "status": 500})

    def create(self, request: Request, sid: str) -> Response:
        form = request.form()
        to = form.get("To", "")
        if not to.startswith("+") or not to[1:].isdigit():
            return Response(400, {"code": 21211, "message": f"The 'To' number {to} is not a valid phone number.",
                                  "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400})  # fmt: skip
        if to in self.opted_out:
            return Response(400, {"code": 21610, "message": "Attempt to send to unsubscribed recipient",
                                  "more_info": "https://www.twilio.com/docs/errors/21610", "status": 400})  # fmt: skip
        message = {"sid": f"SM{next(self._sids):032d}", "to": to, "from": form.get("From"), "body": form.get("Body"),
                   "status": "queued", "date_created": datetime.now(UTC).isoformat(), "account_sid": sid}  # fmt: skip
        self.messages.append(message)
        return Response(201, message)

    def list(self, request: Request, sid: str) -> Response:
        to = request.query.get("To", [None])[0]
        found = [m for m in self.messages if to is None or m["to"] == to]
        return Response(200, {"messages": found, "page": 0, "page_size": len(found)})


class FakeAliyunSms(FakeVendor):
    """Dysmsapi RPC (SendSms, QuerySendDetails) with the HMAC-SHA1 signature checked on every call."""

    name = "aliyun_sms"

    def __init__(
        self, access_key_id="LTAItest", access_key_secret="aliyun-secret", faults: Faults | None = None
    ):
        super().__init__(faults)
        self.access_key_id = access_key_id
        self.access_key_secret = access_key_secret
        self.sent: list[dict] = []
        self.route("POST", "/", self.rpc)

    def rate_limited(self, retry_after: float) -> Response:
        return Response(400, {"Code": "Throttling.User", "Message": "Request was denied due to user flow control.",
                              "RequestId": str(uuid.uuid4())})  # fmt: skip

    def server_error(self) -> Response:
        return Response(500, {"Code": "InternalError", "Message": "The request processing has failed due to some "
                              "unknown error.", "RequestId": str(uuid.uuid4())})  # fmt: skip

    def rpc(self, request: Request) -> Response:
        params = request.form()
        signature = params.pop("Signature", "")
        if params.get("AccessKeyId") != self.access_key_id:
            return Response(
                404, {"Code": "InvalidAccessKeyId.NotFound", "Message": "Specified access key is not found."}
            )
        if signed_query(params, self.access_key_secret)["Signature"] != signature:
            return Response(400, {"Code": "SignatureDoesNotMatch", "Message": "Specified signature is not matched "
                                  "with our calculation."})  # fmt: skip
        if params.get("Action") == "SendSms":
            phone = params.get("PhoneNumbers", "")
            if not (phone.isdigit() and len(phone) >= 11):
                return Response(200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": f"{phone}invalid",
                                      "RequestId": str(uuid.uuid4())})  # fmt: skip
            biz_id = f"{int(time.time() * 1000)}^{len(self.sent)}"
            self.sent.append({"PhoneNum": phone, "OutId": params.get("OutId"), "BizId": biz_id,
                              "TemplateCode": params.get("TemplateCode"), "SignName": params.get("SignName"),
                              "TemplateParam": json.loads(params.get("TemplateParam") or "{}"), "SendStatus": 3,
                              "SendDate": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")})  # fmt: skip
            return Response(
                200, {"Code": "OK", "Message": "OK", "BizId": biz_id, "RequestId": str(uuid.uuid4())}
            )
        if params.get("Action") == "QuerySendDetails":
            found = [s for s in self.sent if s["PhoneNum"] == params.get("PhoneNumber")]
            return Response(200, {"Code": "OK", "Message": "OK", "TotalCount": len(found),
                                  "SmsSendDetailDTOs": {"SmsSendDetailDTO": found}})  # fmt: skip
        return Response(400, {"Code": "InvalidAction.NotFound", "Message": "Specified api is not found"})


class FakeWeChat(FakeVendor):
    """stable_token and template/send; the same openid + client_msg_id within 10 minutes is sent once."""

    name = "wechat"

    def __init__(
        self,
        app_id="wx0123456789abcdef",
        app_secret="wechat-secret",
        followers=(),
        faults: Faults | None = None,
        expire_tokens_after_sends: int | None = None,
    ):
        super().__init__(faults)
        # at this send, every token issued so far dies (once)
        self.expire_tokens_after_sends = expire_tokens_after_sends
        self.sends = 0
        self.app_id = app_id
        self.app_secret = app_secret
        self.followers = set(followers)
        self.tokens: dict[str, float] = {}
        self.delivered: list[dict] = []
        self.deduplicated = 0
        self._seen: dict[tuple[str, str], tuple[int, float]] = {}
        self._msgids = itertools.count(200228332)
        self.route("POST", "/cgi-bin/stable_token", self.token)
        self.route("POST", "/cgi-bin/message/template/send", self.send)

    def rate_limited(self, retry_after: float) -> Response:
        return Response(200, {"errcode": 45009, "errmsg": "reach max api daily quota limit"})

    def server_error(self) -> Response:
        return Response(200, {"errcode": -1, "errmsg": "system error"})

    def expire_tokens(self) -> None:
        with self.lock:
            self.tokens.clear()

    def token(self, request: Request) -> Response:
        body = request.json()
        if body.get("appid") != self.app_id or body.get("secret") != self.app_secret:
            return Response(200, {"errcode": 40125, "errmsg": "invalid appsecret"})
        token = uuid.uuid4().hex
        self.tokens[token] = time.monotonic() + 7200
        return Response(200, {"access_token": token, "expires_in": 7200})

    def send(self, request: Request) -> Response:
        token = request.query.get("access_token", [""])[0]
        with self.lock:
            self.sends += 1
            if self.sends == self.expire_tokens_after_sends:
                self.tokens.clear()
        if self.tokens.get(token, 0) < time.monotonic():
            return Response(200, {"errcode": 42001, "errmsg": "access_token expired"})
        body = request.json()
        if body.get("touser") not in self.followers:
            return Response(200, {"errcode": 43004, "errmsg": "require subscribe hint: [xgS360913age7]"})
        key = (body["touser"], body.get("client_msg_id") or uuid.uuid4().hex)
        seen = self._seen.get(key)
        if seen and time.monotonic() - seen[1] < 600:
            self.deduplicated += 1
            return Response(200, {"errcode": 0, "errmsg": "ok", "msgid": seen[0]})
        msgid = next(self._msgids)
        self._seen[key] = (msgid, time.monotonic())
        self.delivered.append(body)
        return Response(200, {"errcode": 0, "errmsg": "ok", "msgid": msgid})


class WebhookReceiver(FakeVendor):
    """A receiver that does what Standard Webhooks asks: verify the signature and drop repeated webhook-ids."""

    name = "webhook_receiver"

    def __init__(self, secret: str, faults: Faults | None = None, tolerance: float = 300.0):
        super().__init__(faults)
        self.secret = secret
        self.tolerance = tolerance
        self.received: dict[str, dict] = {}  # webhook-id -> event, first delivery
        self.deliveries: list[str] = []  # every accepted delivery's webhook-id, duplicates included
        self.rejected: list[str] = []
        self.route("POST", "/(?P<path>.*)", self.receive)

    def receive(self, request: Request, path: str) -> Response:
        message_id = request.headers.get("webhook-id", "")
        timestamp = request.headers.get("webhook-timestamp", "0")
        signed = f"{message_id}.{timestamp}.{request.body.decode()}".encode()
        expected = base64.b64encode(
            hmac.new(signing_key(self.secret), signed, hashlib.sha256).digest()
        ).decode()
        signatures = [s.partition(",")[2] for s in request.headers.get("webhook-signature", "").split()]
        if not any(hmac.compare_digest(expected, s) for s in signatures):
            self.rejected.append(message_id)
            return Response(401, {"error": "invalid signature"})
        if abs(time.time() - int(timestamp)) > self.tolerance:
            self.rejected.append(message_id)
            return Response(401, {"error": "timestamp outside tolerance"})
        self.deliveries.append(message_id)
        self.received.setdefault(message_id, json.loads(request.body))
        return Response(204)


class FakeSmtp:
    """An SMTP server on loopback (aiosmtpd) that keeps every message it accepts, parsed."""

    def __init__(self, port: int, refuse: set[str] | None = None):
        self.messages = []
        self.refuse = refuse or set()
        outer = self

        class Handler:
            async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
                if address in outer.refuse:
                    return "550 5.1.1 mailbox unavailable"
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, server, session, envelope):
                outer.messages.append(message_from_bytes(envelope.content, policy=policy.default))
                return "250 Message accepted for delivery"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=port)

    def start(self) -> FakeSmtp:
        self.controller.start()
        return self

    @property
    def port(self) -> int:
        return self.controller.port

    def stop(self) -> None:
        self.controller.stop()
