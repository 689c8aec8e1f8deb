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

from connectors.sql_text import literal

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


@dataclass(frozen=True)
class SqlNormaliser:
    """SQL that gives exactly what `normalise` gives for a text, wherever `handles` holds.

    `key` is computed first, over the text, into a column the other expressions read (KEY_COLUMN), so DuckDB
    works out the digits or the lower-cased address once. The loader normalises the common shapes (ASCII mobiles
    with or without +86/0086, emails, WeChat and plain ids) in DuckDB with these and hands every other text
    (full-width digits, landlines, foreign numbers, quotes or control characters) to `normalise`.
    tests/unit/test_identifier_sql_agrees.py holds the two to the same answers.
    """

    key: str
    handles: str
    value: str
    problem: str


KEY_COLUMN = "_id_key"
_SQL_PRINTABLE = "[ -~]+"
"""Printable ASCII: there Python's strip(), lower(), \\s and repr() act as DuckDB's trim, lower, ' ' and quotes."""
_CN_DIALLED_MOBILE = r"(?:\+86|0086)?1[3-9][0-9]{9}"
"""The digits normalize_phone reads as a mobile-shaped number (_phone_key, _CN_MOBILE_SHAPE): their last 11."""


def _sql_quoted(text: str) -> str:
    # repr() of printable ASCII without quotes or backslashes is the text between single quotes
    return f"'''' || {text} || ''''"


def _sql_matches_desc(national: str, desc: phonenumbers.PhoneNumberDesc | None) -> str | None:
    """Gives phonenumbers' _is_number_matching_desc as SQL (None for a description that never matches)."""
    pattern = getattr(desc, "national_number_pattern", None)
    if not pattern:
        return None
    lengths = [n for n in desc.possible_length if n > 0]
    fits = f"length({national}) in ({', '.join(map(str, lengths))}) and " if lengths else ""
    return f"({fits}regexp_full_match({national}, {literal(pattern)}))"


def _sql_valid_national_number(national: str, region: str) -> str:
    """Gives phonenumbers.is_valid_number for a national number of `region` as SQL, built from the library's own
    metadata (its patterns are RE2 syntax): it matches the general description and some number type."""
    meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
    kinds = (
        "premium_rate",
        "toll_free",
        "shared_cost",
        "voip",
        "personal_number",
        "pager",
        "uan",
        "voicemail",
    )
    types = [_sql_matches_desc(national, getattr(meta, k)) for k in (*kinds, "fixed_line", "mobile")]
    general = _sql_matches_desc(national, meta.general_desc) or "false"
    return f"({general} and ({' or '.join(t for t in types if t) or 'false'}))"


def normalise_sql(id_type: str, text: str) -> SqlNormaliser:
    """Gives the SQL normaliser of an identifier type over `text`, a SQL expression of a non-null varchar."""
    key = KEY_COLUMN
    printable = f"regexp_full_match({text}, {literal(_SQL_PRINTABLE)})"
    quotable = f"{printable} and not contains({text}, '''') and not contains({text}, '\\')"
    trimmed = f"trim({text})"
    if id_type == "phone":
        if DEFAULT_REGION != "CN":
            return SqlNormaliser("null", "false", "null", "null")
        # the key is the digits; with the dialled-mobile shape the number is their last 11 (179xx is a
        # carrier-selection prefix the parser strips, so normalize_phone takes the parser's path for it)
        shape = (
            f"regexp_full_match({key}, {literal(_CN_DIALLED_MOBILE)}) and not prefix(right({key}, 11), '179')"
        )
        national = f"right({key}, 11)"
        valid = _sql_valid_national_number(national, DEFAULT_REGION)
        problem = f"'phone ' || {_sql_quoted(trimmed)} || ' is not a valid number (region {DEFAULT_REGION})'"
        return SqlNormaliser(
            f"regexp_replace({trimmed}, '[^0-9+]', '', 'g')",
            f"({quotable} and {shape})",
            f"case when {valid} then '+86' || {national} end",
            f"case when not {valid} then {problem} end",
        )
    if id_type == "email":
        valid = f"regexp_matches({key}, {literal(_EMAIL_RE.pattern)})"
        problem = f"'email ' || {_sql_quoted(trimmed)} || ' is not a valid address'"
        return SqlNormaliser(
            f"lower(replace({text}, ' ', ''))",
            f"({quotable} and {key} <> '')",
            f"case when {valid} then {key} end",
            f"case when not {valid} then {problem} end",
        )
    if id_type in ("wechat_openid", "wechat_unionid"):
        valid = f"regexp_matches({key}, {literal(_WECHAT_ID_RE.pattern)})"
        problem = (
            f"'{id_type} ' || {_sql_quoted(key)} || ' is not a WeChat id (16-64 letters, digits, - or _)'"
        )
        return SqlNormaliser(
            trimmed,
            f"({quotable} and {key} <> '')",
            f"case when {valid} then {key} end",
            f"case when not {valid} then {problem} end",
        )
    if id_type in ID_TYPES:
        return SqlNormaliser(trimmed, f"({printable} and {key} <> '')", key, "null")
    raise ValueError(f"unknown identifier type {id_type!r} (known: {', '.join(ID_TYPES)})")


def scoped_openid(app_id: str, openid: str) -> str:
    """Gives the identifier value of an OpenID, which is only unique within one official account."""
    return f"{app_id}:{openid}"


def hashed_identifier(value: str) -> str:
    """Gives the SHA-256 hex of a normalised identifier, as ad platforms expect for hashed audiences."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()
