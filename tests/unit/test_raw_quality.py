"""The raw tables' Great Expectations suites run chunk by chunk: the combined outcome is the whole table's."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from connectors.quality import suite_columns, validate_chunks, validate_frame
from connectors.sources import ALL_ENTITIES
from orchestration.ingest import checks

ENTITY = next(e for e in ALL_ENTITIES if any(i.id_type == "email" for i in e.identifier_fields))
EMAIL_COLUMN = next(f"{i.name}_normalized" for i in ENTITY.identifier_fields if i.id_type == "email")


def _valid_value(column: str) -> str:
    if column in ENTITY.allowed_values:
        return ENTITY.allowed_values[column][0]
    kinds = {f"{i.name}_normalized": i.id_type for i in ENTITY.identifier_fields}
    return {"phone": "+8613800138000", "email": "someone@example.com"}.get(kinds.get(column, ""), "x")


def _frame(rows: int, bad_emails: dict[int, str]) -> pd.DataFrame:
    frame = pd.DataFrame({c: [_valid_value(c)] * rows for c in suite_columns(ENTITY)})
    for row, value in bad_emails.items():
        frame.loc[row, EMAIL_COLUMN] = value
    return frame


def test_chunks_combine_to_the_outcome_of_the_whole_table():
    frame = _frame(10, {3: "not-an-email", 7: "also bad@", 9: None})
    whole = validate_frame(ENTITY, frame)
    combined, rows = validate_chunks(ENTITY, [frame.iloc[0:4], frame.iloc[4:8], frame.iloc[8:10]])
    assert rows == 10
    assert not whole.success and combined.success == whole.success
    assert [
        (r["expectation"], r["column"], r["success"], r["unexpected_count"]) for r in combined.results
    ] == [(r["expectation"], r["column"], r["success"], r["unexpected_count"]) for r in whole.results]
    failed = {r["column"]: r for r in combined.failed}
    assert sorted(failed[EMAIL_COLUMN]["partial_unexpected"]) == ["also bad@", "not-an-email"]


def test_a_clean_table_passes_in_any_chunking():
    frame = _frame(9, {})
    combined, rows = validate_chunks(ENTITY, [frame.iloc[0:5], frame.iloc[5:9]])
    assert combined.success and rows == 9 and combined.results


def test_no_frame_at_all_is_an_error_that_names_the_table():
    with pytest.raises(ValueError, match=f"raw.{ENTITY.table}"):
        validate_chunks(ENTITY, [])


def test_the_check_reads_a_result_in_chunks_and_an_empty_result_once(monkeypatch):
    monkeypatch.setattr(checks, "CHUNK_ROWS", 2048)
    conn = duckdb.connect()
    frames = list(checks._chunks(conn.sql("select range as x from range(5000)")))
    assert [len(f) for f in frames] == [2048, 2048, 904]
    assert list(pd.concat(frames)["x"]) == list(range(5000))
    frames = list(checks._chunks(conn.sql("select 1 as x where false")))
    assert len(frames) == 1 and frames[0].empty and list(frames[0].columns) == ["x"]
