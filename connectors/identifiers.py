"""Identifier normalisation: the one place phones, emails and WeChat ids are cleaned.

Ingestion, identity resolution and destinations (including hashed audiences) all call these functions,
so the same person yields the same identifier value everywhere.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache

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
    value, problem = _phone_from_digits(_phone_key(digits, default_region), default_region)
    return Normalised(value) if value else Normalised(None, f"phone {text!r} {problem}")


def _phone_key(digits: str, default_region: str) -> str:
    # +86 138... and 138... are the same number when China is the default region: parse it once
    if default_region == "CN" and len(digits) == 14 and digits.startswith("+861"):
        return digits[3:]
    return digits


_CN_MOBILE_SHAPE = re.compile(r"1[3-9][0-9]{9}")
PLAIN_ID_TYPES = ("anonymous_id", "crm_id", "external_id")
"""Identifier types whose normal form is the text trimmed of spaces: the loader applies that in SQL."""


@lru_cache(maxsize=1 << 20)
def _phone_from_digits(digits: str, default_region: str) -> tuple[str | None, str | None]:
    """Gives (E.164, None) or (None, why not) for the digits of a typed phone; cached, since the same
    numbers come back in every load and libphonenumber takes tens of microseconds per call."""
    if default_region == "CN" and _CN_MOBILE_SHAPE.fullmatch(digits) and not digits.startswith("179"):
        # an 11-digit number in the mobile ranges parses to exactly this: skip the parser, ask the metadata
        # (179xx is a carrier-selection prefix the parser strips, so it takes the full path)
        number = phonenumbers.PhoneNumber(country_code=86, national_number=int(digits))
        if phonenumbers.is_valid_number(number):
            return f"+86{digits}", None
        return None, f"is not a valid number (region {default_region})"
    try:
        parsed = phonenumbers.parse(digits, default_region)
    except phonenumbers.NumberParseException as exc:
        return None, f"cannot be parsed: {exc}"
    if not phonenumbers.is_valid_number(parsed):
        return None, f"is not a valid number (region {default_region})"
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164), None


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
    """Gives an opaque id (cookie, CRM id, list external id) trimmed of spaces; empty means missing."""
    if _blank(raw) or str(raw).strip(" ") == "":
        return MISSING
    return Normalised(str(raw).strip(" "))


def normalise(id_type: str, raw: object) -> Normalised:
    """Gives the normalised value of an identifier of any type in ID_TYPES (the one dispatch point)."""
    if id_type == "phone":
        return normalize_phone(raw)
    if id_type == "email":
        return normalize_email(raw)
    if id_type in ("wechat_openid", "wechat_unionid"):
        return normalize_wechat_id(raw, id_type)
    if id_type in ID_TYPES:
        return normalize_plain_id(raw)
    raise ValueError(f"unknown identifier type {id_type!r} (known: {', '.join(ID_TYPES)})")


def scoped_openid(app_id: str, openid: str) -> str:
    """Gives the identifier value of an OpenID, which is only unique within one official account."""
    return f"{app_id}:{openid}"


def hashed_identifier(value: str) -> str:
    """Gives the SHA-256 hex of a normalised identifier, as ad platforms expect for hashed audiences."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()
