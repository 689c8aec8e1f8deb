"""POST/GET /wechat/<app_id>: the official account's server handshake and its pushes, landed as XML.

Files: landing/wechat/pushes-<app_id>-<UTC stamp>.xml, the pushed <xml> documents one after another, each followed
by a newline. Plain-text mode authenticates the sender (signature over token, timestamp, nonce) but not the body;
safe mode (encrypt_type=aes) also protects the body, and the decrypted message is what is landed.
"""

from __future__ import annotations

import time
from functools import cache
from typing import TYPE_CHECKING

from connectors.collector.asgi import HttpRequest, HttpResponse
from connectors.collector.credentials import NAME_PATTERN, env_suffix
from connectors.collector.record_formats import WECHAT_XML
from connectors.collector.request_checks import (
    Malformed,
    MethodNotAllowed,
    NotFound,
    Unauthorized,
    require_fresh,
)
from connectors.collector.wechat_crypto import WeChatCrypto
from connectors.collector.wechat_official_account import check_push, parse_xml, verify_signature

if TYPE_CHECKING:
    from connectors.collector.app import Collector

CHANNEL = "wechat"
FORMAT = WECHAT_XML


@cache
def _crypto(encoding_aes_key: str, app_id: str) -> WeChatCrypto:
    return WeChatCrypto(encoding_aes_key, app_id)


async def handle(collector: Collector, request: HttpRequest, app_id: str) -> HttpResponse:
    """Answers the handshake with echostr, or lands a verified push and answers "success"."""
    if request.method not in ("GET", "POST"):
        raise MethodNotAllowed(
            f"{request.method} is not used by WeChat callbacks (GET handshake, POST pushes)"
        )
    app = collector.credentials.wechat_app(app_id) if NAME_PATTERN.match(app_id) else None
    if app is None:
        raise NotFound(
            f"no token is configured for WeChat app id {app_id!r} (YUCHI_WECHAT_TOKEN_{env_suffix(app_id)})"
        )
    query = request.query
    timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
    require_fresh(timestamp, time.time(), collector.config.replay_window_seconds, "timestamp")
    if request.method == "GET":
        verify_signature(query.get("signature"), app.token, timestamp, nonce)
        echostr = query.get("echostr")
        if echostr is None:
            raise Malformed("the handshake needs echostr in the query string")
        return HttpResponse.text(200, echostr)
    body = await request.body(collector.config.max_body_bytes)
    if query.get("encrypt_type", "raw") == "aes":
        if not app.encoding_aes_key:
            raise Unauthorized(
                f"safe-mode push for {app_id!r} but no EncodingAESKey is configured "
                f"(YUCHI_WECHAT_AES_KEY_{env_suffix(app_id)})"
            )
        encrypted = (parse_xml(body).findtext("Encrypt") or "").strip()
        if not encrypted:
            raise Malformed("a safe-mode push needs an <Encrypt> element")
        verify_signature(
            query.get("msg_signature"), app.token, timestamp, nonce, encrypted, what="msg_signature"
        )
        try:
            crypto = _crypto(app.encoding_aes_key, app_id)
        except ValueError as exc:
            raise Unauthorized(f"the EncodingAESKey configured for {app_id!r} is unusable: {exc}") from None
        document = crypto.decrypt(encrypted).strip()
        check_push(parse_xml(document, "decrypted message"))
    else:
        verify_signature(query.get("signature"), app.token, timestamp, nonce)
        document = body.strip()
        check_push(parse_xml(document))
    stream = collector.stream(f"wechat:{app_id}", CHANNEL, f"pushes-{app_id}-", FORMAT)
    await stream.append(document + b"\n")
    return HttpResponse.text(200, "success")
