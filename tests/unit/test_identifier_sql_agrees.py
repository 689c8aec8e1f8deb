"""The loader's SQL normaliser (connectors.identifiers.normalise_sql, run in DuckDB) gives exactly what the Python
normaliser (connectors.identifiers.normalise) gives, for every text it says it handles; and it handles the
common shapes, so they never need Python."""

from __future__ import annotations

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors import identifiers as ids

SAMPLES = {
    "phone": [
        "13800138000",
        "+86 138-0013-8000",
        "+8613800138000",
        "0086 138 0013 8000",
        "008613800138000",
        "(+86) 138-0013-8000",
        " 138 0013 8000 ",
        "138-0013-8000",
        "12345678901",
        "19912345678",
        "17912345678",
        "17400012345",
        "16100012345",
        "14512345678",
        "10000000000",
        "1380013800",
        "138001380001",
        "+86 1380013800",
        "+8610 1234 5678",
        "010-12345678",
        "010 6552 9988",
        "021-5555-6666",
        "0755 8888 7777",
        "+1 415 555 2671",
        "+14155552671",
        "001 415 555 2671",
        "+44 20 7946 0958",
        "400-810-8888",
        "95588",
        "12345",
        "abc",
        "+86 000",
        "+",
        "++8613800138000",
        "86 13800138000",
        "8613800138000",
        "１３８００１３８０００",
        "+８６ 138 0013 8000",
        "138\u00a00013\u00a08000",
        "138'0013'8000",
        "13800138000\\",
        "\t13800138000",
        "13800138000 ext. 12",
        "tel:13800138000",
        "1 3 8 0 0 1 3 8 0 0 0",
    ],  # fmt: skip
    "email": [
        " Wang.Wei@Example.COM ",
        "wang.wei@example.com",
        "a@b",
        "not-an-email",
        "@example.com",
        "wang wei@example.com",
        "o'brien@example.ie",
        "O'Brien@Example.IE",
        "x@y.co",
        "x@y.c",
        "a+b@c-d.org",
        "a..b@c.org",
        "ａ@ｂ.com",
        "张三@example.com",
        "a@b.com\\",
        "a\t@b.com",
        "A@B.COM.",
        "a@-b.com",
    ],  # fmt: skip
    "wechat_openid": [
        "oAbCdEfGhIjKlMnOpQrStUvWxYz0",
        "oABC",
        "o" * 64,
        "o" * 65,
        "null",
        "o-_" * 6,
        "o abc def ghi jkl mno",
        "oAbCdEfGhIjKlMn'pQr",
        "ｏAbCdEfGhIjKlMnOpQr",
    ],  # fmt: skip
    "wechat_unionid": ["uAbCdEfGhIjKlMnOpQrSt", "u!AbCdEfGhIjKlMnOpQr"],
    "anonymous_id": ["f3e42c55-c6fe-4799-b6bb-a5248b7a7501", " padded ", "中文", "a\tb", "'quoted'"],
    "crm_id": ["C-1", "0"],
    "external_id": ["x y", "\\"],
}
PHONE_ALPHABET = st.sampled_from(list("0123456789+-() .'\\\t") + ["１", "８", "\u3000", "x"])
PHONES = st.one_of(
    st.text(PHONE_ALPHABET, max_size=20),
    st.from_regex(r"(\+86|0086|86)?[ -]?1[0-9]{2}[ -]?[0-9]{4}[ -]?[0-9]{4}", fullmatch=True),
    st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),
)
EMAILS = st.one_of(
    st.text(st.sampled_from(list("aZ09._%+'-@ \t\\\"") + ["Ａ", "é"]), max_size=16),
    st.emails().map(str),
)


def sql_answers(conn: duckdb.DuckDBPyConnection, id_type: str, texts: list[str]) -> list[tuple]:
    """Gives (handles, value, problem) per text from the SQL normaliser, in order."""
    sql = ids.normalise_sql(id_type, "t")
    return conn.execute(
        f"select {sql.handles}, {sql.value}, {sql.problem} from (select t, n, {sql.key} as {ids.KEY_COLUMN} "
        "from unnest(?::varchar[]) with ordinality as u(t, n)) order by n",
        [texts],
    ).fetchall()


def assert_agrees(conn: duckdb.DuckDBPyConnection, id_type: str, texts: list[str]) -> int:
    """Asserts the SQL answer is Python's wherever SQL handles the text; gives how many it handled."""
    texts = [
        t for t in texts if t is not None and t.strip(" ") != ""
    ]  # the loader's texts: trimmed, non-empty
    handled = 0
    for text, (handles, value, problem) in zip(texts, sql_answers(conn, id_type, texts), strict=True):
        if handles:
            handled += 1
            assert (value, problem) == tuple(ids.normalise(id_type, text).__dict__.values()), (id_type, text)
    return handled


@pytest.fixture(scope="module")
def conn():
    with duckdb.connect() as conn:
        yield conn


@pytest.mark.parametrize("id_type", list(SAMPLES))
def test_sql_normaliser_gives_pythons_answer_on_realistic_and_junk_samples(conn, id_type):
    assert_agrees(conn, id_type, SAMPLES[id_type])


def test_sql_normaliser_handles_the_common_shapes_itself(conn):
    common = {
        "phone": ["13800138000", "+86 138-0013-8000", "0086 138 0013 8000", "14000000000"],
        "email": [" Wang.Wei@Example.COM ", "not-an-email"],
        "wechat_openid": ["oAbCdEfGhIjKlMnOpQrStUvWxYz0", "oABC"],
        "anonymous_id": ["f3e42c55-c6fe-4799-b6bb-a5248b7a7501"],
    }
    for id_type, texts in common.items():
        assert assert_agrees(conn, id_type, texts) == len(texts), id_type


def test_sql_normaliser_leaves_full_width_landline_and_foreign_phones_to_python(conn):
    others = ["１３８００１３８０００", "010-12345678", "+1 415 555 2671", "17912345678", "138'0013'8000"]
    assert [row[0] for row in sql_answers(conn, "phone", others)] == [False] * len(others)


def test_every_mobile_prefix_is_valid_in_sql_exactly_when_libphonenumber_says_so(conn):
    # one number per 4-digit prefix of the mobile shape: covers every branch of the metadata's mobile pattern
    texts = [f"{p}{s:07d}" for p in range(1300, 2000) for s in (0, 5_000_000, 9_999_999)]
    assert assert_agrees(conn, "phone", texts) == len([t for t in texts if not t.startswith("179")])


# few examples of many texts each: DuckDB compiles the metadata's regexes once per query
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(phones=st.lists(PHONES, max_size=150), emails=st.lists(EMAILS, max_size=100))
def test_sql_normaliser_agrees_with_python_on_generated_texts(conn, phones, emails):
    assert_agrees(conn, "phone", phones + emails)
    assert_agrees(conn, "email", emails + phones)
    assert_agrees(conn, "wechat_openid", emails + phones)
    assert_agrees(conn, "anonymous_id", emails + phones)
