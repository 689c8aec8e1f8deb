import json
import shutil

import duckdb
import pytest

from connectors.sources import contact_lists, loader, web_forms, webinars
from connectors.sources.loader import load_entity, row_accounting
from orchestration.ingest.checks import ledger_mismatches, recount_mismatches

GOOD = {
    "submission_id": "s1",
    "form_id": "demo_request",
    "submitted_at": "2026-08-01T10:00:00+08:00",
    "name": "王伟",
    "phone": "138-0013-8001",
    "email": " Wang@Example.com ",
}


@pytest.fixture
def conn():
    connection = duckdb.connect(":memory:")
    yield connection
    connection.close()


def _write_forms(landing, name, records, raw_lines=(), mode="w"):
    folder = landing / "web_forms"
    folder.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(r, ensure_ascii=False) for r in records] + list(raw_lines)
    with (folder / name).open(mode, encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")


def _rows(conn, sql):
    return conn.execute(sql).fetchall()


def test_valid_row_is_loaded_with_normalised_identifiers_and_lineage(conn, tmp_path):
    _write_forms(tmp_path, "a.jsonl", [GOOD])
    load_entity(conn, web_forms.SUBMISSIONS, tmp_path)
    row = _rows(
        conn,
        "select phone_normalized, email_normalized, submitted_at, _source_file, _source_line, _record_hash "
        "from raw.web_forms_submissions",
    )[0]
    assert row[:2] == ("+8613800138001", "wang@example.com")
    assert str(row[2]) == "2026-08-01 02:00:00"  # stored in UTC
    assert row[3].endswith("a.jsonl") and row[4] == 1 and len(row[5]) == 32


def test_bad_rows_are_quarantined_with_file_line_and_reason(conn, tmp_path):
    bad_time = GOOD | {"submission_id": "s2", "submitted_at": "yesterday"}
    no_ids = GOOD | {"submission_id": "s3", "phone": "12345", "email": None}
    _write_forms(
        tmp_path,
        "a.jsonl",
        [GOOD, bad_time, no_ids],
        raw_lines=['{"submission_id": "s4", "form', "[1, 2]", "", '{"submission_id": {"x": 1}}'],
    )
    report = load_entity(conn, web_forms.SUBMISSIONS, tmp_path)
    assert (report.rows_in, report.rows_loaded, report.rows_quarantined) == (
        6,
        1,
        5,
    )  # the blank line is no record
    reasons = dict(_rows(conn, "select _source_line, reason from quarantine.web_forms_submissions"))
    assert reasons[2].startswith("field 'submitted_at': 'yesterday' is not ISO 8601 date-time")
    assert reasons[3] == (
        "no usable identifier among phone, email: phone '12345' is not a valid number (region CN)"
    )
    assert reasons[4].startswith("line is not valid JSON: Unterminated string")
    assert reasons[5] == "record is JSON array, expected an object"
    assert reasons[7] == "field 'submission_id' is an object, expected text"
    payload = _rows(conn, "select raw_payload from quarantine.web_forms_submissions where _source_line = 5")
    assert payload == [("[1, 2]",)]


def test_invalid_identifier_is_flagged_when_another_one_is_usable(conn, tmp_path):
    _write_forms(tmp_path, "a.jsonl", [GOOD | {"phone": "000"}])
    load_entity(conn, web_forms.SUBMISSIONS, tmp_path)
    phone, problem, email = _rows(
        conn, "select phone_normalized, phone_problem, email_normalized from raw.web_forms_submissions"
    )[0]
    assert phone is None and "'000'" in problem and email == "wang@example.com"


def test_same_file_loads_once_under_any_name_and_new_files_load_incrementally(conn, tmp_path):
    _write_forms(tmp_path, "a.jsonl", [GOOD])
    first = load_entity(conn, web_forms.SUBMISSIONS, tmp_path)
    shutil.copy(tmp_path / "web_forms" / "a.jsonl", tmp_path / "web_forms" / "a-copy.jsonl")
    again = load_entity(conn, web_forms.SUBMISSIONS, tmp_path)
    _write_forms(tmp_path, "b.jsonl", [GOOD | {"submission_id": "s9"}])
    third = load_entity(conn, web_forms.SUBMISSIONS, tmp_path)
    assert (first.rows_loaded, again.rows_loaded, third.rows_loaded) == (1, 0, 1)
    assert len(again.files_skipped) == 2 and third.files_loaded[0].endswith("b.jsonl")
    assert _rows(conn, "select count(*) from raw.web_forms_submissions") == [(2,)]


def test_appended_jsonl_loads_only_its_new_records_with_their_own_line_numbers(conn, tmp_path):
    _write_forms(tmp_path, "a.jsonl", [GOOD, GOOD | {"submission_id": "s2"}])
    load_entity(conn, web_forms.SUBMISSIONS, tmp_path)
    _write_forms(tmp_path, "a.jsonl", [GOOD | {"submission_id": "s3"}], mode="a")
    report = load_entity(conn, web_forms.SUBMISSIONS, tmp_path)
    assert report.rows_in == 1
    rows = _rows(conn, "select submission_id, _source_line from raw.web_forms_submissions order by 2")
    assert rows == [("s1", 1), ("s2", 2), ("s3", 3)]
    assert recount_mismatches(conn, web_forms.SUBMISSIONS)[2] == []


def test_appended_records_after_a_blank_line_keep_their_physical_line_numbers(conn, tmp_path):
    _write_forms(tmp_path, "a.jsonl", [GOOD], raw_lines=["", json.dumps(GOOD | {"submission_id": "s2"})])
    load_entity(conn, web_forms.SUBMISSIONS, tmp_path)
    _write_forms(tmp_path, "a.jsonl", [GOOD | {"submission_id": "s3"}], mode="a")
    load_entity(conn, web_forms.SUBMISSIONS, tmp_path)
    rows = _rows(conn, "select submission_id, _source_line from raw.web_forms_submissions order by 2")
    assert rows == [("s1", 1), ("s2", 3), ("s3", 4)]


def test_rewritten_file_loads_again_as_a_new_version(conn, tmp_path):
    _write_forms(tmp_path, "a.jsonl", [GOOD])
    load_entity(conn, web_forms.SUBMISSIONS, tmp_path)
    _write_forms(tmp_path, "a.jsonl", [GOOD | {"submission_id": "s7"}])  # not an append: other bytes
    report = load_entity(conn, web_forms.SUBMISSIONS, tmp_path)
    assert report.rows_in == 1
    assert _rows(conn, "select submission_id from raw.web_forms_submissions order by 1") == [("s1",), ("s7",)]
    assert ledger_mismatches(conn, web_forms.SUBMISSIONS) == []
    assert recount_mismatches(conn, web_forms.SUBMISSIONS)[2] == []


def test_failed_load_leaves_nothing_and_rerun_loads_exactly_once(conn, tmp_path, monkeypatch):
    _write_forms(tmp_path, "a.jsonl", [GOOD], raw_lines=["{broken"])
    real_write = loader._write_rows

    def write_then_die(*args):
        real_write(*args)
        raise RuntimeError("killed after the rows were written, before the commit")

    monkeypatch.setattr(loader, "_write_rows", write_then_die)
    with pytest.raises(RuntimeError):
        load_entity(conn, web_forms.SUBMISSIONS, tmp_path)
    assert _rows(conn, "select count(*) from raw.web_forms_submissions") == [(0,)]
    assert _rows(conn, "select count(*) from raw._file_loads") == [(0,)]
    monkeypatch.setattr(loader, "_write_rows", real_write)
    load_entity(conn, web_forms.SUBMISSIONS, tmp_path)
    load_entity(conn, web_forms.SUBMISSIONS, tmp_path)
    assert row_accounting(conn, web_forms.SUBMISSIONS) == {
        "rows_landed": 2,
        "rows_logged_loaded": 1,
        "rows_logged_quarantined": 1,
        "rows_in_raw": 1,
        "rows_in_quarantine": 1,
    }


def test_new_key_adds_a_column_and_a_type_conflict_quarantines_the_row(conn, tmp_path):
    _write_forms(tmp_path, "a.jsonl", [GOOD | {"plan_seats": 25, "Lead Source": "展会"}])
    first = load_entity(conn, web_forms.SUBMISSIONS, tmp_path)
    _write_forms(
        tmp_path,
        "b.jsonl",
        [
            GOOD | {"submission_id": "s2", "plan_seats": "many"},
            GOOD | {"submission_id": "s3", "plan_seats": 40},
        ],
    )
    second = load_entity(conn, web_forms.SUBMISSIONS, tmp_path)
    assert first.columns_added == [
        {"key": "plan_seats", "column": "plan_seats", "type": "bigint"},
        {"key": "Lead Source", "column": "lead_source", "type": "varchar"},
    ]
    assert second.columns_added == []
    assert _rows(
        conn, "select submission_id, plan_seats, lead_source from raw.web_forms_submissions order by 1"
    ) == [
        ("s1", 25, "展会"),
        ("s3", 40, None),
    ]
    assert _rows(conn, "select reason from quarantine.web_forms_submissions") == [
        ("field 'plan_seats': 'many' is not a whole number (at most 2^53)",)
    ]
    logged = _rows(conn, "select record_key, column_name, column_type from raw._schema_changes order by 1")
    assert logged == [("Lead Source", "lead_source", "varchar"), ("plan_seats", "plan_seats", "bigint")]


def test_key_that_cannot_name_a_column_quarantines_its_record(conn, tmp_path):
    _write_forms(tmp_path, "a.jsonl", [GOOD | {'say "hi"': 1}])
    load_entity(conn, web_forms.SUBMISSIONS, tmp_path)
    (reason,) = _rows(conn, "select reason from quarantine.web_forms_submissions")[0]
    assert reason.startswith("field 'say \"hi\"' is not in the contract and cannot become a column")


def test_csv_row_with_wrong_width_or_bad_number_is_quarantined(conn, tmp_path):
    folder = tmp_path / "webinars"
    folder.mkdir()
    (folder / "attendance-1.csv").write_text(
        "webinar_id,email,joined_at,left_at,minutes_watched\n"
        "wb1,a@b.cn,2026-08-01 10:00:00+08:00,,45\n"
        "wb1,c@d.cn,2026-08-01 10:00:00+08:00,,45,extra\n"
        "wb1,e@f.cn,2026-08-01 10:00:00+08:00,,forty\n",
        encoding="utf-8",
    )
    report = load_entity(conn, webinars.ATTENDANCE, tmp_path)
    assert (report.rows_loaded, report.rows_quarantined) == (1, 2)
    reasons = [r[0] for r in _rows(conn, "select reason from quarantine.webinars_attendance order by 1")]
    assert reasons == [
        "field 'minutes_watched': 'forty' is not a finite decimal number",
        "row has 6 cells, the header has 5",
    ]


def test_ledger_and_recount_catch_a_row_lost_after_loading(conn, tmp_path):
    _write_forms(tmp_path, "a.jsonl", [GOOD, GOOD | {"submission_id": "s2"}])
    load_entity(conn, web_forms.SUBMISSIONS, tmp_path)
    assert ledger_mismatches(conn, web_forms.SUBMISSIONS) == []
    conn.execute("delete from raw.web_forms_submissions where submission_id = 's2'")
    (mismatch,) = ledger_mismatches(conn, web_forms.SUBMISSIONS)
    assert (mismatch["logged_in"], mismatch["raw"], mismatch["quarantine"]) == (2, 1, 0)
    _write_forms(tmp_path, "a.jsonl", [GOOD])  # the file changed since: the recount waits for the next load
    assert recount_mismatches(conn, web_forms.SUBMISSIONS)[2] == []


def _landed_rows(conn, entity):
    """Gives a table's raw and quarantine rows without the columns that name the load (batch, time)."""
    raw = conn.execute(
        f"select * exclude (_batch_id, _loaded_at) from raw.{entity.table} order by _source_file, _source_line"
    ).fetchall()
    quarantine = conn.execute(
        f"select _source_file, _source_line, reason, raw_payload from quarantine.{entity.table} "
        "order by _source_file, _source_line"
    ).fetchall()
    log = conn.execute(
        "select source_file, rows_in, rows_loaded, rows_quarantined from raw._file_loads where source_table = ? "
        "order by source_file",
        [entity.table],
    ).fetchall()
    return raw, quarantine, log


def test_tables_loaded_at_once_land_as_when_loaded_one_after_another(tmp_path):
    from connectors.demo.generator import DemoConfig, generate
    from connectors.sources import ALL_ENTITIES

    generate(DemoConfig(people=150, seed=3), tmp_path)
    jsonl = [e for e in ALL_ENTITIES if all(p.format == "jsonl" for p in e.files)]
    with (
        duckdb.connect(":memory:") as one_by_one,
        duckdb.connect(str(tmp_path / "at_once.duckdb")) as at_once,
    ):
        sequential = [load_entity(one_by_one, entity, tmp_path / "landing") for entity in jsonl]
        concurrent = loader.load_entities(at_once, jsonl, tmp_path / "landing", workers=2)
        assert [r.table for r in concurrent] == [e.table for e in jsonl]
        assert [(r.rows_in, r.rows_loaded, r.rows_quarantined) for r in concurrent] == [
            (r.rows_in, r.rows_loaded, r.rows_quarantined) for r in sequential
        ]
        assert sum(r.rows_quarantined for r in concurrent) > 0  # the demo data breaks some records
        for entity in jsonl:
            assert _landed_rows(at_once, entity) == _landed_rows(one_by_one, entity), entity.table
        again = loader.load_entities(at_once, jsonl, tmp_path / "landing", workers=2)
        assert sum(r.rows_in for r in again) == 0
        assert [sorted(r.files_skipped) for r in again] == [sorted(r.files_loaded) for r in concurrent]


def test_a_table_failing_among_tables_loaded_at_once_leaves_nothing_and_the_others_commit(
    tmp_path, monkeypatch
):
    from connectors.sources import email_engagement

    _write_forms(tmp_path, "a.jsonl", [GOOD])
    (tmp_path / email_engagement.EVENTS.channel).mkdir()
    event = {"event_id": "e1", "event": "opened", "occurred_at": "2026-08-01T10:00:00Z", "email": "a@b.co"}
    pattern = email_engagement.EVENTS.files[0].glob.replace("*", "x")
    (tmp_path / email_engagement.EVENTS.channel / pattern).write_text(json.dumps(event) + "\n")
    log_files = loader._log_files

    def fail_for_forms(conn, entity, *args):
        if entity is web_forms.SUBMISSIONS:
            raise RuntimeError("disk full")
        return log_files(conn, entity, *args)

    monkeypatch.setattr(loader, "_log_files", fail_for_forms)
    with duckdb.connect(str(tmp_path / "w.duckdb")) as conn:
        with pytest.raises(RuntimeError, match="disk full"):
            loader.load_entities(conn, [web_forms.SUBMISSIONS, email_engagement.EVENTS], tmp_path, workers=2)
        assert _rows(conn, "select count(*) from raw.web_forms_submissions") == [(0,)]
        assert _rows(conn, "select count(*) from raw.email_events") == [(1,)]
        assert _rows(conn, "select source_table from raw._file_loads") == [("email_events",)]


def test_files_pooled_into_one_chunk_keep_their_own_path_lines_and_name_values(conn, tmp_path):
    """Many small files are validated as one Arrow table (DuckDB parallelises over its batches): each record still
    carries its own file, line and file-name values, whatever text type its reader gave (a file with a line that
    is not UTF-8 is decoded line by line into plain strings, the others are views of the file's bytes)."""
    _write_forms(tmp_path, "a.jsonl", [GOOD | {"submission_id": f"a{n}"} for n in range(3)])
    _write_forms(tmp_path, "b.jsonl", [GOOD | {"submission_id": "b0"}])
    with (tmp_path / "web_forms" / "b.jsonl").open("ab") as handle:
        handle.write(b'{"submission_id": "b\xff"}\n')
    _write_forms(tmp_path, "c.jsonl", [GOOD | {"submission_id": "c0"}, GOOD | {"submission_id": "c1"}])
    report = load_entity(conn, web_forms.SUBMISSIONS, tmp_path)
    assert report.rows_in == 7 and report.rows_quarantined == 1
    loaded = _rows(
        conn,
        "select split_part(_source_file, '/', -1), _source_line, submission_id "
        "from raw.web_forms_submissions order by all",
    )
    assert loaded == [
        ("a.jsonl", 1, "a0"), ("a.jsonl", 2, "a1"), ("a.jsonl", 3, "a2"),
        ("b.jsonl", 1, "b0"), ("c.jsonl", 1, "c0"), ("c.jsonl", 2, "c1"),
    ]  # fmt: skip
    bad = _rows(
        conn,
        "select split_part(_source_file, '/', -1), _source_line, reason from quarantine.web_forms_submissions",
    )
    assert bad == [("b.jsonl", 2, "line is not valid UTF-8: byte 0xff at column 21")]


def test_values_from_file_names_follow_their_own_file_within_a_chunk(conn, tmp_path):
    folder = tmp_path / "contact_lists"
    folder.mkdir()
    (folder / "expo-shanghai.csv").write_text(
        "姓名,手机号\n王伟,13800138001\n李娜,13800138002\n", encoding="utf-8"
    )
    (folder / "expo-beijing.csv").write_text("name,mobile\nZhang Wei,13800138003\n", encoding="utf-8")
    load_entity(conn, contact_lists.CONTACTS, tmp_path)
    rows = _rows(
        conn,
        "select list_id, name, phone_normalized from raw.contact_lists_contacts order by phone_normalized",
    )
    assert rows == [
        ("expo-shanghai", "王伟", "+8613800138001"),
        ("expo-shanghai", "李娜", "+8613800138002"),
        ("expo-beijing", "Zhang Wei", "+8613800138003"),
    ]
