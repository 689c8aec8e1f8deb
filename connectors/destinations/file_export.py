"""Segment exports as files: CSV or Parquet of the members, or a hashed audience for ad platforms.

An export is a snapshot of the segment written atomically under a stable name (a temporary file renamed into
place), with a small JSON manifest beside it (rows, SHA-256, when); the previous snapshot is replaced whole,
so a reader never sees half a file. Hashed audiences hold only SHA-256 of the normalised email and phone,
the same normalisation identity resolution uses (connectors/identifiers.py).
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from connectors import identifiers
from connectors.destinations.profile import PROFILE_FIELDS, extra_fields
from connectors.destinations.sync.destination import Destination, ErasureSubject
from connectors.destinations.sync.model import Action, Change, InvalidRecord, Mode, Outcome

FORMATS = ("csv", "parquet")
HASHED_COLUMNS = ("hashed_email", "hashed_phone")


@dataclass(frozen=True)
class ExportResult:
    """What one export wrote."""

    path: Path
    rows: int
    sha256: str
    without_identifier: int = 0  # members left out of a hashed audience: neither email nor phone


def hashed_audience_row(profile: Mapping[str, Any]) -> dict[str, str | None]:
    """Gives SHA-256 hex of the normalised email and phone (E.164) of one contact; None where absent."""
    email = identifiers.normalize_email(profile.get("email"))
    phone = identifiers.normalize_phone(profile.get("phone"))
    return {
        "hashed_email": identifiers.hashed_identifier(email.value) if email.ok else None,
        "hashed_phone": identifiers.hashed_identifier(phone.value) if phone.ok else None,
    }


class FileExport(Destination):
    """Writes a segment's members to one file under the exports folder (a snapshot, replaced each run)."""

    kind = "file_export"
    modes = frozenset({Mode.MIRROR})
    resend_is_safe = True
    guarantee = (
        "each run replaces the file atomically with the current members: a reader sees one whole snapshot"
    )

    def __init__(self, folder: str | Path, file_format: str, segment: str, name: str, hashed: bool = False):
        if file_format not in FORMATS:
            raise ValueError(f"{name}: format must be one of {', '.join(FORMATS)}, not {file_format!r}")
        self.folder = Path(folder)
        self.format = file_format
        self.segment = segment
        self.name = name
        self.hashed = hashed

    @property
    def path(self) -> Path:
        return self.folder / self.segment / f"{self.name}.{self.format}"

    def payload(self, profile: Mapping[str, Any]) -> dict[str, Any]:
        """Gives the file row of one member: hashed identifiers only, or the plain profile."""
        if self.hashed:
            row = hashed_audience_row(profile)
            if not any(row.values()):
                raise InvalidRecord("neither email nor phone to hash")
            return row
        return {k: profile.get(k) for k in PROFILE_FIELDS if k != "wechat_openids"} | extra_fields(profile)

    def send(self, action: Action, changes: Sequence[Change]) -> list[Outcome]:
        raise TypeError("a file export is written whole with write(); it is not sent change by change")

    def write(self, rows: Sequence[Mapping[str, Any]], without_identifier: int = 0) -> ExportResult:
        """Replaces the export with the given rows (payloads); gives the path, row count and checksum."""
        digest = self._write_rows(rows, list(HASHED_COLUMNS) if self.hashed else _columns(rows))
        manifest = {
            "segment": self.segment,
            "rows": len(rows),
            "sha256": digest,
            "written_at": datetime.now(UTC).isoformat(),
            "hashed": self.hashed,
        }
        self.path.with_suffix(self.path.suffix + ".json").write_text(json.dumps(manifest, indent=2))
        return ExportResult(self.path, len(rows), digest, without_identifier)

    def erase(self, subject: ErasureSubject) -> str:
        """Rewrites the export without the person's rows (by contact id, or hashed email/phone)."""
        if not self.path.exists():
            return f"{self.name}: no export file yet"
        hashed = {identifiers.hashed_identifier(v) for v in (*subject.emails, *subject.phones)}
        rows = _read(self.path, self.format)
        kept = [
            r
            for r in rows
            if (r.get("contact_id") is None or r.get("contact_id") != subject.contact_id)
            and r.get("hashed_email") not in hashed
            and r.get("hashed_phone") not in hashed
        ]
        if len(kept) != len(rows):
            self._write_rows(kept, list(rows[0].keys()))
        return f"{self.name}: removed {len(rows) - len(kept)} row(s) from {self.path.name}"

    def _write_rows(self, rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
        """Writes rows to a temporary file and renames it over the export; gives its SHA-256."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(f".{self.path.name}.partial")
        if self.format == "csv":
            with partial.open("w", encoding="utf-8", newline="") as handle:
                writer = csv.DictWriter(handle, fieldnames=list(columns), extrasaction="ignore")
                writer.writeheader()
                writer.writerows(rows)
        else:
            records = [{c: r.get(c) for c in columns} for r in rows]
            schema = pa.schema([(c, pa.string()) for c in columns]) if self.hashed or not records else None
            pq.write_table(pa.Table.from_pylist(records, schema=schema), partial)
        digest = _sha256(partial)
        os.replace(partial, self.path)
        return digest


def _columns(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    columns: list[str] = []
    for row in rows:
        columns += [k for k in row if k not in columns]
    return columns or [k for k in PROFILE_FIELDS if k != "wechat_openids"]


def _read(path: Path, file_format: str) -> list[dict[str, Any]]:
    if file_format == "csv":
        with path.open(encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))
    return pq.read_table(path).to_pylist()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
