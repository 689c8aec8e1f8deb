"""Writes demo records into landing files as each channel's real exports look, one record at a time.

Each source table has a file layout (which file a record goes to, in which format) and keeps its files open
while the generator streams people through, so memory stays flat however many people are generated. The
writer gives back where each record landed (file and line), which the ground truth records.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from connectors.demo.channels import Emitted
from connectors.sources import ENTITIES_BY_TABLE


@dataclass(frozen=True)
class Layout:
    """Where a table's records go: file name per record, format, and for CSV/XLSX the header row."""

    stem: str
    fmt: str  # jsonl, csv, xlsx, wechat_xml
    by: str = "week"  # week, key (the record's file_key), single


LAYOUTS: dict[str, Layout] = {
    "web_forms_submissions": Layout("submissions", "jsonl"),
    "web_tracking_events": Layout("collector", "jsonl"),
    "wechat_events": Layout("pushes", "wechat_xml", by="key_week"),
    "wechat_users": Layout("users", "jsonl", by="key"),
    "webinars_registrations": Layout("registrations", "csv"),
    "webinars_attendance": Layout("attendance", "csv"),
    "webinars_questions": Layout("questions", "csv"),
    "offline_events_registrations": Layout("registrations", "csv"),
    "offline_events_checkins": Layout("checkins", "csv"),
    "offline_events_session_attendance": Layout("sessions", "csv"),
    "stores_visits": Layout("visits", "csv"),
    "stores_product_scans": Layout("product-scans", "jsonl"),
    "content_events": Layout("content", "jsonl"),
    "email_events": Layout("esp", "jsonl"),
    "sms_events": Layout("gateway", "jsonl"),
    "contact_lists_contacts": Layout("", "list", by="key"),
    "consent_changes": Layout("preference-center", "jsonl"),
    "crm_outcomes": Layout("outcomes", "csv", by="single"),
}
H5_LAYOUT = Layout("h5", "jsonl", by="key_week")


@dataclass(frozen=True)
class Landed:
    """Where one record landed and the text it landed as."""

    path: str
    line: int
    text: str

    @property
    def record_hash(self) -> str:
        return hashlib.md5(self.text.encode("utf-8")).hexdigest()


class _File:
    def __init__(self, path: Path, fmt: str, header: list[str] | None):
        self.path, self.fmt, self.header = path, fmt, header
        self.name = str(path)
        self.lines = 0
        path.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "xlsx":
            self.workbook = Workbook(write_only=True)
            self.sheet = self.workbook.create_sheet("名单")
            self.sheet.append(header)
            self.lines = 1
        else:
            self.handle = path.open("w", encoding="utf-8", newline="")
            if header is not None:
                self._write(_csv_line(header))

    def _write(self, text: str) -> int:
        start = self.lines + 1
        self.handle.write(text + "\n")
        self.lines += text.count("\n") + 1
        return start

    def add(self, text: str, cells: list[str] | None = None) -> int:
        if self.fmt == "xlsx":
            self.sheet.append([_xlsx_cell(c) for c in cells])
            self.lines += 1
            return self.lines
        return self._write(text)

    def close(self) -> None:
        if self.fmt == "xlsx":
            self.workbook.save(self.path)
            _fix_zip_times(self.path)
        else:
            self.handle.close()


FIXED_TIME = datetime(2026, 11, 1)


def _fix_zip_times(path: Path) -> None:
    """Rewrites a workbook's zip entries with a fixed date, so the same seed gives the same bytes."""
    with zipfile.ZipFile(path) as source:
        entries = [(info, source.read(info.filename)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in entries:
            if info.filename == "docProps/core.xml":  # openpyxl stamps the save time into the properties
                stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>" + stamp, data)
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, data)


def _xlsx_cell(text: str) -> Any:
    # phones typed into Excel are stored as numbers, as marketers' sheets really hold them
    if text.isdigit() and len(text) == 11:
        return int(text)
    return text


def _csv_line(cells: list[str]) -> str:
    _CSV_BUFFER.seek(0)
    _CSV_BUFFER.truncate()
    _CSV_WRITER.writerow(cells)
    return _CSV_BUFFER.getvalue().rstrip("\r\n")


def week_start(when: datetime) -> datetime:
    monday = when - timedelta(days=when.weekday())
    return monday.replace(hour=0, minute=0, second=0, microsecond=0)


class LandingWriter:
    """Routes each record to its table's file and serialises it in the file's format."""

    def __init__(self, landing: Path, end: datetime, part: str = ""):
        self.landing, self.end, self.part = landing, end, part
        self.files: dict[tuple, _File] = {}

    def _path(self, record: Emitted, layout: Layout) -> Path:
        channel = ENTITIES_BY_TABLE[record.table].channel
        folder = self.landing / channel
        if layout.fmt == "list":
            return folder / record.file_key
        if layout.by == "single":
            return folder / f"{layout.stem}-{self.end.date().isoformat()}.csv"
        if layout.by == "key":
            return folder / f"{layout.stem}-{record.file_key}-{self.end.strftime('%Y%m%d')}.jsonl"
        year, week, _ = record.occurred_at.isocalendar()
        suffix = {"jsonl": "jsonl", "csv": "csv", "wechat_xml": "xml"}[layout.fmt]
        stamp = week_start(record.occurred_at).strftime("%Y%m%dT%H%M%S%f")
        if layout.by == "key_week":
            return folder / f"{layout.stem}-{record.file_key}-{stamp}.{suffix}"
        if layout.stem == "collector":
            return folder / f"collector-{stamp}.jsonl"
        return folder / f"{layout.stem}-{year}W{week:02d}.{suffix}"

    def _file(self, record: Emitted) -> _File:
        layout = H5_LAYOUT if record.file_format == "h5" else LAYOUTS[record.table]
        week = record.occurred_at.isocalendar()[:2] if layout.by in ("week", "key_week") else None
        key = (record.table, record.file_format, record.file_key, week)
        handle = self.files.get(key)
        if handle is None:
            path = self._path(record, layout)
            if self.part and layout.fmt != "list":  # list files already carry the part in their list id
                path = path.with_name(f"{path.stem}-{self.part}{path.suffix}")
            fmt = layout.fmt
            if fmt == "list":
                fmt = "xlsx" if path.suffix == ".xlsx" else "csv"
            header = record.header or (list(record.payload) if fmt in ("csv", "xlsx") else None)
            handle = self.files[key] = _File(path, fmt, header)
        return handle

    def write(self, record: Emitted) -> Landed:
        handle = self._file(record)
        if handle.fmt in ("csv", "xlsx"):
            payload = record.payload
            cells = ["" if payload.get(h) is None else str(payload[h]) for h in handle.header]
            if record.invalid_reason == "syntax":
                cells.append("stray cell")
            text = _csv_line(cells)
            return Landed(handle.name, handle.add(text, cells), text)
        text = wechat_xml(record.payload) if handle.fmt == "wechat_xml" else _JSON.encode(record.payload)
        if record.invalid_reason == "syntax":
            text = text[: len(text) // 2]
        return Landed(handle.name, handle.add(text), text)

    def close(self) -> None:
        for handle in self.files.values():
            handle.close()


_JSON = json.JSONEncoder(ensure_ascii=False)
_CSV_BUFFER = io.StringIO()
_CSV_WRITER = csv.writer(_CSV_BUFFER)


def wechat_xml(payload: dict[str, Any]) -> str:
    """Gives a push as WeChat sends it: text in CDATA, numbers bare, one element per line."""
    parts = ["<xml>"]
    for key, value in payload.items():
        if value is None:
            continue
        if isinstance(value, int):
            parts.append(f"<{key}>{value}</{key}>")
        else:
            parts.append(f"<{key}><![CDATA[{value}]]></{key}>")
    parts.append("</xml>")
    return "\n".join(parts)
