"""Identifier normalisation: the one place phones, emails and WeChat ids are cleaned.

Ingestion, identity resolution and destinations (including hashed audiences) all call these functions,
so the same person yields the same identifier value everywhere.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import phonenumbers

DEFAULT_REGION = "CN"
ID_TYPES = ("phone", "email", "wechat_openid", "wechat_unionid", "anonymous_id", "crm_id", "external_id")

_EMAIL_RE = re.compile(r"^[a-z0-9._%+'-]+@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}$")
_WECHAT_ID_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_FULLWIDTH = str.maketrans({chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)} | {"\u3000": " "})


@dataclass(frozen=True)
class Normalised:
    """A normalised identifier value, or None with the reason it could not be used."""

    value: str | None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.value is not None


MISSING = Normalised(None, None)


def _blank(raw: object) -> bool:
    return raw is None or (isinstance(raw, float) and raw != raw) or str(raw).strip() == ""


def normalize_phone(raw: object, default_region: str = DEFAULT_REGION) -> Normalised:
    """Gives a phone number in E.164 (+8613800138000), reading Chinese formats such as 0086-138... by default."""
    if _blank(raw):
        return MISSING
    text = str(raw).translate(_FULLWIDTH).strip()
    digits = re.sub(r"[^\d+]", "", text)
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    try:
        parsed = phonenumbers.parse(digits, default_region)
    except phonenumbers.NumberParseException as exc:
        return Normalised(None, f"phone {text!r} cannot be parsed: {exc}")
    if not phonenumbers.is_valid_number(parsed):
        return Normalised(None, f"phone {text!r} is not a valid number (region {default_region})")
    return Normalised(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))


def normalize_email(raw: object) -> Normalised:
    """Gives an email trimmed and lower-cased, or the reason it is not an address."""
    if _blank(raw):
        return MISSING
    text = str(raw).translate(_FULLWIDTH).strip().lower()
    text = re.sub(r"\s+", "", text)
    if not _EMAIL_RE.match(text):
        return Normalised(None, f"email {str(raw).strip()!r} is not a valid address")
    return Normalised(text)


def normalize_wechat_id(raw: object, kind: str = "wechat_openid") -> Normalised:
    """Gives a WeChat OpenID or UnionID as sent (they are case-sensitive), or why it is unusable."""
    if _blank(raw):
        return MISSING
    text = str(raw).strip()
    if not _WECHAT_ID_RE.match(text):
        return Normalised(None, f"{kind} {text!r} is not a WeChat id (16-64 letters, digits, - or _)")
    return Normalised(text)


def normalize_plain_id(raw: object) -> Normalised:
    """Gives an opaque id (cookie, CRM id, list external id) trimmed; empty means missing."""
    if _blank(raw):
        return MISSING
    return Normalised(str(raw).strip())


def scoped_openid(app_id: str, openid: str) -> str:
    """Gives the identifier value of an OpenID, which is only unique within one official account."""
    return f"{app_id}:{openid}"


def hashed_identifier(value: str) -> str:
    """Gives the SHA-256 hex of a normalised identifier, as ad platforms expect for hashed audiences."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()
