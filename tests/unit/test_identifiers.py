import hashlib

import pytest

from connectors import identifiers as ids


@pytest.mark.parametrize(
    "typed",
    [
        "+86 138 0013 8000",
        "0086-13800138000",
        "138-0013-8000",
        "13800138000",
        "+8613800138000",
        " 138 0013 8000 ",
        "１３８００１３８０００",
        "(+86) 138-0013-8000",
    ],
)
def test_china_mobile_formats_normalise_to_one_e164_value(typed):
    assert ids.normalize_phone(typed) == ids.Normalised("+8613800138000")


def test_foreign_number_keeps_its_country_code():
    assert ids.normalize_phone("+1 415 555 2671").value == "+14155552671"


@pytest.mark.parametrize("typed", ["12345", "1380013800", "abc", "+86 000"])
def test_invalid_phone_is_flagged_with_the_value_and_why(typed):
    result = ids.normalize_phone(typed)
    assert result.value is None
    assert typed.strip() in result.problem or "cannot be parsed" in result.problem


@pytest.mark.parametrize("blank", [None, "", "   ", float("nan")])
def test_blank_identifier_is_missing_not_a_problem(blank):
    assert ids.normalize_phone(blank) == ids.MISSING
    assert ids.normalize_email(blank) == ids.MISSING


@pytest.mark.parametrize("typed", [" Wang.Wei@Example.COM ", "wang.wei@example.com", "WANG.WEI@EXAMPLE.COM"])
def test_email_is_trimmed_and_lower_cased(typed):
    assert ids.normalize_email(typed).value == "wang.wei@example.com"


@pytest.mark.parametrize("typed", ["not-an-email", "a@b", "wang wei@example", "@example.com"])
def test_malformed_email_is_flagged(typed):
    result = ids.normalize_email(typed)
    assert result.value is None and "not a valid address" in result.problem


def test_openid_is_case_sensitive_and_scoped_by_app():
    openid = "oAbCdEfGhIjKlMnOpQrStUvWxYz0"
    assert ids.normalize_wechat_id(openid).value == openid
    assert ids.scoped_openid("wx8a1b2c3d4e5f6a7b", openid) == f"wx8a1b2c3d4e5f6a7b:{openid}"
    assert ids.normalize_wechat_id("null").value is None


def test_hashed_identifier_is_sha256_of_the_normalised_value():
    value = ids.normalize_email(" A@Example.com").value
    assert ids.hashed_identifier(value) == hashlib.sha256(b"a@example.com").hexdigest()
