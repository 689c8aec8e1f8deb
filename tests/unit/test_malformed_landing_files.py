"""Malformed JSON Lines, CSV, WeChat XML and XLSX never crash the loader, and every record the file holds ends
up in raw or in quarantine, once (row accounting)."""

from __future__ import annotations

import io
import json

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from connectors.sources import contact_lists, web_tracking, wechat_official_account
from connectors.sources.loader import load_entity
from connectors.sources.readers import count_records
from orchestration.ingest.checks import ledger_mismatches

SETTINGS = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
SEGMENT_EVENT = {
    "type": "page",
    "messageId": "m-1",
    "anonymousId": "a-1",
    "timestamp": "2026-08-01T10:00:00.000Z",
    "context": {"page": {"path": "/pricing"}},
}
PUSH = (
    "<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[oABCDEFGHIJKLMNOPQRSTU]]></FromUserName>"
    "<CreateTime>1700000000</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event></xml>"
)


def _mutate(text: str, cut: int, junk: str) -> str:
    cut = cut % (len(text) + 1)
    return text[:cut] + junk + text[cut:]


def _load_and_account(tmp_path, entity, path, file_format):
    with duckdb.connect(":memory:") as conn:
        report = load_entity(conn, entity, tmp_path)
        in_raw = conn.execute(f"select count(*) from raw.{entity.table}").fetchall()[0][0]
        in_quarantine = conn.execute(f"select count(*) from quarantine.{entity.table}").fetchall()[0][0]
        assert ledger_mismatches(conn, entity) == []
        missing_reasons = conn.execute(
            f"select count(*) from quarantine.{entity.table} where reason is null or reason = ''"
        ).fetchall()[0][0]
    landed = count_records(path, file_format)
    assert report.rows_in == landed == in_raw + in_quarantine
    assert missing_reasons == 0


@SETTINGS
@given(
    lines=st.lists(
        st.one_of(
            st.just(json.dumps(SEGMENT_EVENT)),
            st.builds(
                lambda c, j: _mutate(json.dumps(SEGMENT_EVENT), c, j),
                st.integers(0, 200),
                st.text(max_size=5),
            ),
            st.text(max_size=40),
            st.binary(max_size=30).map(lambda b: b.decode("latin-1")),
        ),
        max_size=30,
    ),
    raw_bytes=st.binary(max_size=20),
)
def test_malformed_json_lines_are_accounted_for(tmp_path_factory, lines, raw_bytes):
    tmp_path = tmp_path_factory.mktemp("jsonl")
    folder = tmp_path / "web_tracking"
    folder.mkdir()
    path = folder / "collector-1.jsonl"
    path.write_bytes("\n".join(lines).encode("utf-8", errors="surrogatepass") + raw_bytes)
    _load_and_account(tmp_path, web_tracking.EVENTS, path, "jsonl")


@SETTINGS
@given(
    rows=st.lists(st.lists(st.text(max_size=12), max_size=6), max_size=25),
    header=st.sampled_from([["姓名", "手机号", "邮箱"], ["Name", "Mobile"], ["手机", "手机"], [], ["a", ""]]),
    tail=st.text(max_size=20),
)
def test_malformed_csv_lists_are_accounted_for(tmp_path_factory, rows, header, tail):
    tmp_path = tmp_path_factory.mktemp("csv")
    folder = tmp_path / "contact_lists"
    folder.mkdir()
    buffer = io.StringIO()
    import csv

    writer = csv.writer(buffer)
    if header:
        writer.writerow(header)
    writer.writerows(rows)
    path = folder / "expo.csv"
    path.write_text(buffer.getvalue() + tail, encoding="utf-8")
    _load_and_account(tmp_path, contact_lists.CONTACTS, path, "csv")


@SETTINGS
@given(
    docs=st.lists(
        st.one_of(
            st.just(PUSH),
            st.builds(_mutate, st.just(PUSH), st.integers(0, 300), st.text(max_size=6)),
            st.text(max_size=30),
            st.just("<xml><a><![CDATA[unclosed</a></xml>"),
            st.just('<!DOCTYPE x [<!ENTITY a "b">]><xml><FromUserName>&a;</FromUserName></xml>'),
        ),
        max_size=20,
    )
)
def test_malformed_wechat_pushes_are_accounted_for(tmp_path_factory, docs):
    tmp_path = tmp_path_factory.mktemp("xml")
    folder = tmp_path / "wechat"
    folder.mkdir()
    path = folder / "pushes-wx1234567890-20261101T000000000000.xml"
    path.write_text("\n".join(docs) + "\n", encoding="utf-8")
    _load_and_account(tmp_path, wechat_official_account.EVENTS, path, "wechat_xml")


@SETTINGS
@given(
    rows=st.lists(
        st.lists(
            st.one_of(st.none(), st.text(max_size=10), st.integers(), st.floats(allow_nan=False)), max_size=5
        ),
        max_size=15,
    ),
    broken=st.one_of(st.none(), st.binary(max_size=200), st.integers(10, 2000)),
)
def test_malformed_xlsx_lists_are_accounted_for(tmp_path_factory, rows, broken):
    tmp_path = tmp_path_factory.mktemp("xlsx")
    folder = tmp_path / "contact_lists"
    folder.mkdir()
    path = folder / "scans.xlsx"
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["编号", "姓名", "手机号", "邮箱", "公司名称"])
    for row in rows:
        sheet.append(
            [c if not isinstance(c, str) else "".join(ch for ch in c if ch.isprintable()) for c in row]
        )
    workbook.save(path)
    if isinstance(broken, bytes):
        path.write_bytes(broken)
    elif isinstance(broken, int):
        path.write_bytes(path.read_bytes()[:broken])  # a truncated upload
    _load_and_account(tmp_path, contact_lists.CONTACTS, path, "xlsx")
