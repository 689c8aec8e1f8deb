import json

import duckdb
import pytest

from connectors.sources import loader, web_forms, webinars
from connectors.sources.loader import load_entity, row_accounting

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


def _write_forms(landing, name, records, raw_lines=()):
    folder = landing / "web_forms"
    folder.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(r, ensure_ascii=False) for r in records] + list(raw_lines)
    (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_valid_row_is_loaded_with_normalised_identifiers_and_lineage(conn, tmp_path):
    _write_forms(tmp_path, "a.jsonl", [GOOD])
    load_entity(conn, web_forms.SUBMISSIONS, tmp_path)
    row = conn.execute(
        "select phone_normalized, email_normalized, submitted_at, _source_file, _source_line "
        "from raw.web_forms_submissions"
    ).fetchone()
    assert row[:2] == ("+8613800138001", "wang@example.com")
    assert str(row[2]) == "2026-08-01 02:00:00"  # stored in UTC
    assert row[3].endswith("a.jsonl") and row[4] == 1


def test_bad_rows_are_quarantined_with_file_line_and_reason(conn, tmp_path):
    bad_time = GOOD | {"submission_id": "s2", "submitted_at": "yesterday"}
    no_ids = GOOD | {"submission_id": "s3", "phone": "12345", "email": None}
    _write_forms(tmp_path, "a.jsonl", [GOOD, bad_time, no_ids], raw_lines=['{"submission_id": "s4", "form'])
    report = load_entity(conn, web_forms.SUBMISSIONS, tmp_path)
    assert (report.rows_in, report.rows_loaded, report.rows_quarantined) == (4, 1, 3)
    reasons = dict(
        conn.execute("select _source_line, reason from quarantine.web_forms_submissions").fetchall()
    )
    assert "'submitted_at': 'yesterday' is not a valid timestamp" in reasons[2]
    assert "no usable identifier" in reasons[3] and "'12345'" in reasons[3]
    assert reasons[4].startswith("line is not valid JSON")


def test_invalid_identifier_is_flagged_when_another_one_is_usable(conn, tmp_path):
    _write_forms(tmp_path, "a.jsonl", [GOOD | {"phone": "000"}])
    load_entity(conn, web_forms.SUBMISSIONS, tmp_path)
    phone, problem, email = conn.execute(
        "select phone_normalized, phone_problem, email_normalized from raw.web_forms_submissions"
    ).fetchone()
    assert phone is None and "'000'" in problem and email == "wang@example.com"


def test_same_file_loads_once_and_new_files_load_incrementally(conn, tmp_path):
    _write_forms(tmp_path, "a.jsonl", [GOOD])
    first = load_entity(conn, web_forms.SUBMISSIONS, tmp_path)
    again = load_entity(conn, web_forms.SUBMISSIONS, tmp_path)
    _write_forms(tmp_path, "b.jsonl", [GOOD | {"submission_id": "s9"}])
    third = load_entity(conn, web_forms.SUBMISSIONS, tmp_path)
    assert (first.rows_loaded, again.rows_loaded, third.rows_loaded) == (1, 0, 1)
    assert len(again.files_skipped) == 1
    assert conn.execute("select count(*) from raw.web_forms_submissions").fetchone()[0] == 2


def test_failed_load_leaves_nothing_and_rerun_loads_exactly_once(conn, tmp_path, monkeypatch):
    _write_forms(tmp_path, "a.jsonl", [GOOD], raw_lines=["{broken"])
    real_append = loader._append

    def append_then_die(conn_, table, columns, rows):
        real_append(conn_, table, columns, rows)
        if table.startswith("quarantine."):
            raise RuntimeError("killed between raw and quarantine writes")

    monkeypatch.setattr(loader, "_append", append_then_die)
    with pytest.raises(RuntimeError):
        load_entity(conn, web_forms.SUBMISSIONS, tmp_path)
    assert conn.execute("select count(*) from raw.web_forms_submissions").fetchone()[0] == 0
    monkeypatch.setattr(loader, "_append", real_append)
    load_entity(conn, web_forms.SUBMISSIONS, tmp_path)
    load_entity(conn, web_forms.SUBMISSIONS, tmp_path)
    counts = row_accounting(conn, web_forms.SUBMISSIONS)
    assert counts == {
        "rows_landed": 2,
        "rows_logged_loaded": 1,
        "rows_logged_quarantined": 1,
        "rows_in_raw": 1,
        "rows_in_quarantine": 1,
    }


def test_csv_row_with_wrong_width_is_quarantined(conn, tmp_path):
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
    reasons = [
        r[0] for r in conn.execute("select reason from quarantine.webinars_attendance order by 1").fetchall()
    ]
    assert "'minutes_watched': 'forty' is not a valid number" in reasons[0]
    assert reasons[1] == "row has 6 cells, the header has 5"
