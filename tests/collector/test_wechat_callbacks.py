"""WeChat official-account callbacks against a real collector: handshake, signed pushes, safe mode, refusals."""

from __future__ import annotations

import hashlib
import time
from urllib.parse import urlencode

from connectors.collector.wechat_crypto import WeChatCrypto
from tests.collector.conftest import AES_KEY, APP_ID, SAFE_APP_ID, SAFE_TOKEN, TOKEN
from tests.collector.landing_reader import closed_files

SUBSCRIBE = (
    "<xml><ToUserName><![CDATA[gh_yuchi]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
    "<CreateTime>{ts}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event>"
    "<EventKey><![CDATA[qrscene_expo2026]]></EventKey></xml>"
)


def wechat_signature(*parts: str) -> str:
    # Written from WeChat's documentation, apart from the collector's code: SHA1 of the sorted, joined parts.
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def signed_query(token: str = TOKEN, timestamp: int | None = None, nonce: str = "83412", **extra: str) -> str:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    return urlencode(
        {"signature": wechat_signature(token, ts, nonce), "timestamp": ts, "nonce": nonce, **extra}
    )


def test_handshake_answers_echostr_when_the_signature_matches(collector):
    status, body = collector.request("GET", f"/wechat/{APP_ID}?{signed_query(echostr='5837712630977843')}")
    assert (status, body) == (200, b"5837712630977843")


def test_handshake_with_a_wrong_token_is_refused(collector):
    status, body = collector.request("GET", f"/wechat/{APP_ID}?{signed_query(token='guess', echostr='x')}")
    assert status == 401 and b"signature does not match" in body


def test_push_with_a_stale_timestamp_is_refused(collector):
    stale = int(time.time()) - 600
    push = SUBSCRIBE.format(openid="o-stale", ts=stale).encode()
    status, body = collector.request("POST", f"/wechat/{APP_ID}?{signed_query(timestamp=stale)}", push)
    assert status == 401 and b"timestamp" in body


def test_push_with_a_tampered_nonce_is_refused(collector):
    query = signed_query().replace("nonce=83412", "nonce=83413")
    push = SUBSCRIBE.format(openid="o-tampered", ts=int(time.time())).encode()
    status, _ = collector.request("POST", f"/wechat/{APP_ID}?{query}", push)
    assert status == 401


def test_push_for_an_unconfigured_account_is_not_found(collector):
    status, body = collector.request("POST", f"/wechat/wxunknown?{signed_query()}", b"<xml/>")
    assert status == 404 and b"YUCHI_WECHAT_TOKEN_WXUNKNOWN" in body


def test_malformed_push_is_refused_with_the_parser_reason(collector):
    status, body = collector.request(
        "POST", f"/wechat/{APP_ID}?{signed_query()}", b"<xml><ToUserName>gh</xml>"
    )
    assert status == 400 and b"not well-formed XML" in body
    status, body = collector.request(
        "POST", f"/wechat/{APP_ID}?{signed_query()}", b"<xml><MsgType>event</MsgType></xml>"
    )
    assert status == 400 and b"<ToUserName>" in body and b"<CreateTime>" in body


def test_oversized_push_is_refused_with_413(collector):
    status, _ = collector.request(
        "POST", f"/wechat/{APP_ID}?{signed_query()}", b"<xml>" + b"x" * 1_100_000 + b"</xml>"
    )
    assert status == 413


def test_plain_push_is_answered_success_and_landed_exactly_as_pushed(collector):
    tricky = (
        "<xml><ToUserName><![CDATA[gh_yuchi]]></ToUserName><FromUserName><![CDATA[o-text]]></FromUserName>"
        "<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        "<Content><![CDATA[价格多少？</xml>\n<xml>]]></Content><MsgId>6054768590064713728</MsgId></xml>"
    )
    pushes = [SUBSCRIBE.format(openid="o-plain-1", ts=1700000001), tricky]
    for push in pushes:
        status, body = collector.request(
            "POST", f"/wechat/{APP_ID}?{signed_query(openid='o')}", push.encode()
        )
        assert (status, body) == (200, b"success")
    documents = collector.records_after_restart("wechat", APP_ID)
    from_users = [d.findtext("FromUserName") for d in documents]
    assert from_users.count("o-plain-1") == 1 and from_users.count("o-text") == 1
    landed = b"".join(p.read_bytes() for p in closed_files(collector.landing, "wechat") if APP_ID in p.name)
    for push in pushes:
        assert push.encode() + b"\n" in landed


def test_safe_mode_push_from_wechats_own_sample_is_verified_and_decrypted():
    # The official sample's values: its msg_signature must verify and its Encrypt must decrypt for the app id.
    encrypted = (
        "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2Ld"
        "JF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5V"
        "Tjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgC"
        "SUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9Ghg"
        "lF2PE="
    )
    assert (
        wechat_signature(SAFE_TOKEN, "1409735669", "1320562132", encrypted)
        == "5d197aaffba7e9b25a30732f161a50dee96bd5fa"
    )
    message = WeChatCrypto(AES_KEY, SAFE_APP_ID).decrypt(encrypted)
    assert (
        b"<Content><![CDATA[abcdteT]]></Content>" in message
        and b"<MsgId>6054768590064713728</MsgId>" in message
    )


def test_safe_mode_push_is_landed_decrypted(collector):
    message = SUBSCRIBE.format(openid="o-safe-1", ts=1700000002).encode()
    encrypted = WeChatCrypto(AES_KEY, SAFE_APP_ID).encrypt(message)
    ts, nonce = str(int(time.time())), "55501"
    envelope = (
        f"<xml><ToUserName><![CDATA[gh_yuchi]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
    )
    query = urlencode(
        {
            "timestamp": ts,
            "nonce": nonce,
            "encrypt_type": "aes",
            "signature": wechat_signature(SAFE_TOKEN, ts, nonce),
            "msg_signature": wechat_signature(SAFE_TOKEN, ts, nonce, encrypted),
        }
    )
    status, body = collector.request("POST", f"/wechat/{SAFE_APP_ID}?{query}", envelope.encode())
    assert (status, body) == (200, b"success")
    bad = query.replace("msg_signature=", "msg_signature=0")
    status, _ = collector.request("POST", f"/wechat/{SAFE_APP_ID}?{bad}", envelope.encode())
    assert status == 401
    documents = collector.records_after_restart("wechat", SAFE_APP_ID)
    assert [d.findtext("FromUserName") for d in documents] == ["o-safe-1"]
    assert documents[0].find("Encrypt") is None


def test_encryption_matches_wechats_published_vector():
    crypto = WeChatCrypto(AES_KEY, "wxb11529c136998cb6")
    assert crypto.encrypt("我是中文abcd123".encode(), b"aaaabbbbccccdddd") == (
        "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg=="
    )
