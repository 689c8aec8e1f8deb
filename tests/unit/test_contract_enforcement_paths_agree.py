"""The loader's bulk SQL path and the record-by-record specification (record_validation.conform) make the same
decision, give the same reason and the same values for every record, including schema-drift columns."""

from __future__ import annotations

import json
import math
from datetime import datetime

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.sources.contract import Entity, Field, FilePattern, IdentifierField
from connectors.sources.loader import drift_columns, load_entity
from connectors.sources.record_validation import conform, number_text, parse_line
from connectors.sources.schema_drift import DriftColumn

THINGS = Entity(
    channel="things",
    entity="events",
    files=(FilePattern("*.jsonl", "jsonl", name_fields=r"(?P<app_id>wx[a-z0-9]+)-"),),
    fields=(
        Field("id", required=True),
        Field("at", "timestamp", required=True, sources=("at", "meta.at")),
        Field("epoch", "epoch_seconds"),
        Field("n", "integer"),
        Field("x", "number"),
        Field("props", "json"),
        Field("kind", sources=("kind", "meta.kind")),
        Field("app_id"),
        Field("openid"),
        Field("phone"),
        Field("email"),
        Field("cookie"),
        Field("ref_type"),
        Field("ref"),
    ),
    identifier_fields=(
        IdentifierField("openid", "wechat_openid", scope_field="app_id"),
        IdentifierField("phone", "phone"),
        IdentifierField("email", "email"),
        IdentifierField("cookie", "anonymous_id"),
        IdentifierField("ref", type_field="ref_type", links_record=False),
    ),
    allowed_values={"kind": ("a", "b")},
)

TRICKY_TEXT = st.sampled_from(
    [
        "",
        "  ",
        " a ",
        "a",
        "b",
        "{not json",
        '{"a": 1}',
        "[1]",
        "2026-08-01T10:00:00+08:00",
        "2026-08-01 10:00",
        "2026-02-30T10:00:00",
        "2026-08-01T24:00:00",
        "1700000000",
        "17000000000000",
        "42",
        "-7",
        "4.0",
        "1e3",
        "1_000",
        "NaN",
        "+13800138000",
        "138-0013-8000",
        "１３８００１３８０００",
        "12345",
        " Wang@Example.COM ",
        "not-an-email",
        "oABCDEFGHIJKLMNOPQRSTUVWX",
        "null",
        "phone",
        "email",
        "crm_id",
        "wechat_openid",
        "tel",
        "王伟",
        # identifier shapes the loader normalises in SQL, and their neighbours that go to Python
        "0086 138 0013 8000",
        "+86 139-1234-5678",
        "14000000000",
        "17912345678",
        "010-12345678",
        "+1 415 555 2671",
        "o'brien@example.ie",
        "A@B.CO",
    ]
)
SCALARS = st.one_of(
    st.none(),
    TRICKY_TEXT,
    st.text(max_size=12),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
)
VALUES = st.one_of(
    SCALARS,
    st.lists(SCALARS, max_size=3),
    st.dictionaries(st.sampled_from(["at", "kind", "k"]), SCALARS, max_size=3),
)
KEYS = st.sampled_from(
    ["id", "at", "epoch", "n", "x", "props", "kind", "app_id", "openid", "phone", "email", "cookie"]
    + ["ref_type", "ref", "meta", "extra_num", "Extra Text", 'bad"key']
)
RECORDS = st.lists(st.dictionaries(KEYS, VALUES, max_size=10), min_size=1, max_size=40)


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, datetime) and isinstance(b, datetime):
        return a == b
    return a == b


def _json_value(text: str | None):
    return None if text is None else parse_line(text)[0]


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(records=RECORDS, ensure_ascii=st.booleans())
def test_sql_path_and_record_specification_agree(tmp_path_factory, records, ensure_ascii):
    landing = tmp_path_factory.mktemp("landing")
    (landing / "things").mkdir()
    path = landing / "things" / "wxapp1-0001.jsonl"
    lines = [json.dumps(r, ensure_ascii=ensure_ascii) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with duckdb.connect(":memory:") as conn:
        load_entity(conn, THINGS, landing)
        drift = drift_columns(conn, THINGS)
        raw = {
            row[0]: row for row in conn.execute("select _source_line, * from raw.things_events").fetchall()
        }
        names = ["_source_line"] + [d[0] for d in conn.execute("describe raw.things_events").fetchall()]
        rejected = dict(conn.execute("select _source_line, reason from quarantine.things_events").fetchall())
    assert len(raw) + len(rejected) == len(records)
    for number, line in enumerate(lines, start=1):
        record, problem = parse_line(line)
        try:
            expected = conform(THINGS, record, {"app_id": "wxapp1"}, drift) if problem is None else None
        except ValueError as exc:  # RowRejected
            problem = str(exc)
        if problem is not None:
            assert rejected.get(number) == problem, line
            continue
        assert number in raw, (line, rejected.get(number))
        row = dict(zip(names, raw[number], strict=True))
        for column, value in expected.items():
            kind = next((f.kind for f in THINGS.fields if f.name == column), None) or next(
                (c.kind for c in drift if c.column == column), "string"
            )
            if kind == "json":
                assert _json_value(row[column]) == _json_value(value), (column, line)
            else:
                assert _same(row[column], value), (column, row[column], value, line)


@given(st.floats(allow_nan=False, allow_infinity=False) | st.integers(min_value=-(10**25), max_value=10**25))
@settings(max_examples=300, deadline=None)
def test_number_text_is_the_text_duckdb_gives_a_json_number(number):
    text = json.dumps(number)
    with duckdb.connect(":memory:") as conn:
        (duck,) = conn.execute("select json_extract_string(?, '$.v')", [f'{{"v": {text}}}']).fetchall()[0]
    assert number_text(text) == duck


def test_drift_columns_are_typed_by_their_first_value_and_widened_for_mixed_numbers(tmp_path):
    (tmp_path / "things").mkdir()
    rows = [
        {"id": "1", "at": "2026-08-01", "seats": 3, "ratio": 1, "tags": ["a"], "flag": True},
        {"id": "2", "at": "2026-08-01", "seats": 4, "ratio": 1.5, "tags": [], "flag": False},
    ]
    (tmp_path / "things" / "wxapp1-1.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    with duckdb.connect(":memory:") as conn:
        load_entity(conn, THINGS, tmp_path)
        drift = drift_columns(conn, THINGS)
    assert drift == [
        DriftColumn("seats", "seats", "integer"),
        DriftColumn("ratio", "ratio", "number"),
        DriftColumn("tags", "tags", "json"),
        DriftColumn("flag", "flag", "boolean"),
    ]
