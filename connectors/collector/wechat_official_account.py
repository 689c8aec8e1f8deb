"""WeChat official-account callbacks: the server-verification handshake, signed pushes, and the push XML.

WeChat signs each call with SHA1 over the sorted token, timestamp and nonce (and, in safe mode, the Encrypt
element: msg_signature). The collector lands the push's XML exactly as WeChat sent it (decrypted in safe mode).
"""

from __future__ import annotations

import hashlib
import hmac
import xml.etree.ElementTree as ET

from connectors.collector.request_checks import Malformed, Unauthorized

REQUIRED_ELEMENTS = ("ToUserName", "FromUserName", "CreateTime", "MsgType")


def signature(*parts: str) -> str:
    """Gives WeChat's signature: SHA1 hex of the parts sorted and joined."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def verify_signature(given: str | None, *parts: str, what: str = "signature") -> None:
    """Raises Unauthorized unless `given` is the signature of `parts`."""
    if not given:
        raise Unauthorized(f"{what} is missing from the query string")
    if not hmac.compare_digest(given.lower().encode(), signature(*parts).encode()):
        raise Unauthorized(f"{what} does not match (wrong token, or the request was altered)")


def parse_xml(body: bytes, where: str = "body") -> ET.Element:
    """Gives the root <xml> element of a push; Malformed with the parser's reason otherwise."""
    if not body.strip():
        raise Malformed(f"{where} is empty; WeChat pushes an <xml> document")
    if b"<!DOCTYPE" in body.upper() or b"<!ENTITY" in body.upper():
        raise Malformed(f"{where} declares a DOCTYPE or entities, which WeChat never sends")
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise Malformed(f"{where} is not well-formed XML: {exc}") from None
    if root.tag != "xml":
        raise Malformed(f"{where}: the root element is <{root.tag}>, expected <xml>")
    return root


def check_push(root: ET.Element) -> None:
    """Raises Malformed when a plain push lacks what every WeChat message or event carries."""
    missing = [name for name in REQUIRED_ELEMENTS if not (root.findtext(name) or "").strip()]
    if missing:
        raise Malformed(f"push XML lacks {', '.join(f'<{m}>' for m in missing)}")
    create_time = root.findtext("CreateTime", "").strip()
    if not create_time.isdigit():
        raise Malformed(f"<CreateTime> {create_time!r} is not seconds since 1970")
